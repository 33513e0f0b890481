// The status diagnosis from the app's log: upstream Nanobot's own lines (3852956a), as its
// gateway and the example stand-in print them.
#include <catch2/catch.hpp>

#include "deploy/app_log.h"

using namespace nanoforge::deploy;

TEST_CASE("a gateway started without a provider is told apart from a configured one", "[app-log]") {
  const std::string unconfigured =
      "Provider/model setup is incomplete: No provider is configured for model 'anthropic/claude-opus-4-5'.\n"
      "Gateway will start so you can configure a provider and model in WebUI Settings → Models.\n"
      "🐈 Starting nanobot gateway version 0.3.0 on port 18790...\n"
      "✓ Health endpoint: http://0.0.0.0:18790/health\n";
  auto diagnosis = diagnose_app_log(unconfigured);
  CHECK(diagnosis.provider_unconfigured);
  CHECK(diagnosis.failure.empty());
  // Restarted with a key: the earlier run's line no longer counts.
  auto configured = diagnose_app_log(unconfigured + "Shutdown: flushed 0 session(s) to disk\n" +
                                     "🐈 Starting nanobot gateway version 0.3.0 on port 18790...\n");
  CHECK_FALSE(configured.provider_unconfigured);
  CHECK_FALSE(diagnose_app_log("").provider_unconfigured);
}

TEST_CASE("why the app stops or a channel fails, in upstream's words", "[app-log]") {
  CHECK(diagnose_app_log("Invalid configuration: /data/.nanobot/config.json\n\nFound 1 invalid setting(s).\n\n"
                         "  colour\n    Unknown setting.\nCheck again after editing: nanobot status --config \"x\"\n")
            .failure == "invalid settings: unknown setting 'colour'");
  CHECK(diagnose_app_log("Found 1 missing environment variable reference(s).\n\n  providers.openai.apiKey\n"
                         "    Environment variable 'OPENAI_API_KEY' is not set.\n")
            .failure == "invalid settings: Environment variable 'OPENAI_API_KEY' is not set. (providers.openai.apiKey)");
  CHECK(diagnose_app_log("Gateway configuration is invalid.\n\n  channels.websocket\n"
                         "    Value does not satisfy this setting's requirements.\n")
            .failure == "invalid settings: 'channels.websocket' does not satisfy its requirements");
  CHECK(diagnose_app_log("Error: /data/.nanobot is not writable (owned by UID 0, running as UID 1000).\n").failure ==
        "not writable: Error: /data/.nanobot is not writable (owned by UID 0, running as UID 1000).");
  CHECK(diagnose_app_log("Traceback (most recent call last):\nPermissionError: [Errno 13] Permission denied: "
                         "'/data/.local/share/nanobot'\n")
            .failure == "not writable: PermissionError: [Errno 13] Permission denied: '/data/.local/share/nanobot'");
  // Both, as the example prints them: the line naming the directory and its owner wins.
  CHECK(diagnose_app_log("Error: /data/.local/share is not writable (owned by UID 1000, running as UID 1000).\n\n"
                         "Traceback (most recent call last):\n  File \"x.py\", line 1, in <module>\n"
                         "PermissionError: [Errno 13] Permission denied: '/data/.local/share/nanobot'\n")
            .failure == "not writable: Error: /data/.local/share is not writable (owned by UID 1000, running as UID 1000).");
  CHECK(diagnose_app_log("🐈 Starting nanobot gateway version 0.3.0 on port 18790...\n"
                         "2026-11-29 10:00:00 | ERROR | - | Could not prepare dependencies for enabled channel 'whatsapp'\n"
                         "2026-11-29 10:00:00 | INFO  | - | WebSocket server listening on ws://0.0.0.0:8765/\n")
            .failure == "channel dependencies could not be installed (channel whatsapp)");
  CHECK(diagnose_app_log("nanobot-entrypoint: /run/secrets/nanobot.env:3: no '=' in the line: expected NAME=VALUE\n")
            .failure == "nanobot-entrypoint: /run/secrets/nanobot.env:3: no '=' in the line: expected NAME=VALUE");
  // The latest failure wins; an earlier run's channel failure is forgotten after a restart.
  CHECK(diagnose_app_log("🐈 Starting nanobot gateway version 0.3.0 on port 18790...\n"
                         "x | ERROR | - | Could not prepare dependencies for enabled channel 'whatsapp'\n"
                         "🐈 Starting nanobot gateway version 0.3.0 on port 18790...\n"
                         "🐈 Starting nanobot gateway version 0.3.0 on port 18790...\n")
            .failure.empty());
  CHECK(diagnose_app_log("all is well\n").failure.empty());
  // Fixed since: a run that failed before the current one started is history, not a reason.
  const std::string bad_run = "Invalid configuration: /data/.nanobot/config.json\n\nFound 1 invalid setting(s).\n\n"
                              "  colour\n    Unknown setting.\n";
  auto fixed = diagnose_app_log(
      "🐈 Starting nanobot gateway version 0.3.0 on port 18790...\nShutdown: flushed 0 session(s) to disk\n" +
      bad_run + bad_run + "Provider/model setup is incomplete: No provider is configured for model 'x'.\n"
      "🐈 Starting nanobot gateway version 0.3.0 on port 18790...\n");
  CHECK(fixed.failure.empty());
  CHECK(fixed.provider_unconfigured);
  // Still failing after a good run: the failure counts.
  CHECK(diagnose_app_log("🐈 Starting nanobot gateway version 0.3.0 on port 18790...\n"
                         "Shutdown: flushed 0 session(s) to disk\n" + bad_run)
            .failure == "invalid settings: unknown setting 'colour'");
}
