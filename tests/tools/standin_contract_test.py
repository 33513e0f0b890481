#!/usr/bin/env python3
"""Checks that the stand-in app (examples/gateway) behaves like upstream Nanobot where a deployer depends on it.

Runs the stand-in as a subprocess with a temporary HOME and free 127.0.0.1 ports:

    python3 tests/tools/standin_contract_test.py -v

Environment:
    STANDIN_PYTHON   interpreter to run `-m example_gateway` with (default: this one)
    STANDIN_COMMAND  a whole command prefix instead, e.g. "/path/venv/bin/example-gateway"

Standard library only; no network beyond 127.0.0.1 (pip is made to fail offline on purpose).
"""

import json
import os
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SOURCE = REPO / "examples" / "gateway" / "src"


def command_prefix():
    if os.environ.get("STANDIN_COMMAND"):
        return shlex.split(os.environ["STANDIN_COMMAND"])
    return [os.environ.get("STANDIN_PYTHON") or sys.executable, "-m", "example_gateway"]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def non_loopback_ip():
    """An address of this machine that is not loopback, or None."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.connect(("192.0.2.254", 9))  # no packet is sent for a UDP connect
            address = sock.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") else address


def http(url, method="GET", headers=None, body=None, timeout=3):
    """(status, headers, body bytes) without raising on 4xx/5xx."""
    request = urllib.request.Request(url, method=method, headers=headers or {}, data=body)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


class StandIn:
    """A temporary HOME, a config under it, and helpers to run the stand-in there."""

    def __init__(self, case):
        self.case = case
        self.tmp = Path(tempfile.mkdtemp(prefix="standin-"))
        case.addCleanup(shutil.rmtree, self.tmp, True)
        self.home = self.tmp / "home"
        self.data = self.home / ".nanobot"
        self.data.mkdir(parents=True)
        self.config_path = self.data / "config.json"
        self.port = free_port()
        self.ws_port = free_port()
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("NANOBOT_", "XDG_", "PIP_", "EXAMPLE_GATEWAY_"))
        }
        self.env.update(HOME=str(self.home), COLUMNS="200", PYTHONUNBUFFERED="1", PIP_DISABLE_PIP_VERSION_CHECK="1",
                        PYTHONDONTWRITEBYTECODE="1")  # leave no __pycache__ in the example project
        if not os.environ.get("STANDIN_COMMAND"):
            self.env["PYTHONPATH"] = str(SOURCE)

    def write_config(self, config=None, **sections):
        """A config with free ports and a usable provider unless the caller says otherwise."""
        data = {
            "agents": {"defaults": {"model": "anthropic/claude-test"}},
            "providers": {"anthropic": {"apiKey": "sk-test"}},
            "gateway": {"host": "127.0.0.1", "port": self.port},
            "channels": {"websocket": {"port": self.ws_port}},
        }
        if config is not None:
            data = config
        data.update(sections)
        self.config_path.write_text(json.dumps(data), encoding="utf-8")
        return data

    def run(self, *args, env=None, timeout=20, prefix=()):
        result = subprocess.run(
            [*prefix, *command_prefix(), *args],
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.tmp,
        )
        return result

    def start(self, *args, env=None, wait_url=None, prefix=()):
        out = open(self.tmp / f"out.{time.monotonic_ns()}", "w+")
        err = open(self.tmp / f"err.{time.monotonic_ns()}", "w+")
        self.case.addCleanup(out.close)
        self.case.addCleanup(err.close)
        proc = subprocess.Popen(
            [*prefix, *command_prefix(), *args],
            env={**self.env, **(env or {})},
            stdout=out,
            stderr=err,
            cwd=self.tmp,
        )
        proc.out, proc.err = out, err

        def stop():
            if proc.poll() is None:
                proc.kill()
                proc.wait()

        self.case.addCleanup(stop)
        url = wait_url or f"http://127.0.0.1:{self.port}/health"
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                self.case.fail(f"stand-in exited with {proc.returncode}:\n{self.output(proc)}")
            try:
                with urllib.request.urlopen(url, timeout=0.5):
                    return proc
            except urllib.error.HTTPError:
                return proc  # something answers
            except OSError:
                time.sleep(0.05)
        self.case.fail(f"{url} did not come up:\n{self.output(proc)}")

    @staticmethod
    def output(proc):
        proc.out.flush()
        proc.err.flush()
        proc.out.seek(0)
        proc.err.seek(0)
        return proc.out.read() + "\n--- stderr ---\n" + proc.err.read()

    def terminate(self, proc, within=2.0):
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=10)
        return code, time.monotonic() - started


# -- 1. CLI ------------------------------------------------------------------------------------

class CliTest(unittest.TestCase):
    def test_missing_config_option_is_an_error_naming_the_absolute_path(self):
        s = StandIn(self)
        result = s.run("gateway", "--config", "nope/config.json")
        self.assertEqual(result.returncode, 1, result)
        self.assertIn(f"Error: Config file not found: {s.tmp / 'nope' / 'config.json'}", result.stdout)

    def test_existing_config_option_is_announced_and_version_kept(self):
        s = StandIn(self)
        s.write_config()
        proc = s.start("gateway", "-c", str(s.config_path))
        self.assertIn(f"Using config: {s.config_path}", s.output(proc))
        self.assertEqual(s.terminate(proc)[0], 0)
        version = s.run("--version")
        self.assertEqual(version.stdout.strip().split()[0], "example-gateway")

    def test_gateway_is_the_default_command_and_default_config_is_under_home(self):
        s = StandIn(self)
        s.write_config()
        proc = s.start()  # no subcommand, no --config: $HOME/.nanobot/config.json
        text = s.output(proc)
        self.assertIn("soul=none", text)
        self.assertIn("model=anthropic/claude-test", text)
        self.assertEqual(s.terminate(proc)[0], 0)

    def test_missing_default_config_means_defaults(self):
        s = StandIn(self)
        proc = s.start("gateway", "--port", str(s.port), env={})
        text = s.output(proc)
        self.assertIn("model=anthropic/claude-opus-4-5", text)
        self.assertIn(f"on port {s.port}...", text)
        self.assertEqual(s.terminate(proc)[0], 0)


# -- 2. Config ---------------------------------------------------------------------------------

class ConfigTest(unittest.TestCase):
    def test_unknown_top_level_key(self):
        s = StandIn(self)
        s.write_config(bogus={"x": 1}, tools={"notAField": True})
        result = s.run("gateway")
        self.assertEqual(result.returncode, 1, result)
        expected = (
            f"Invalid configuration: {s.config_path}\n\nFound 1 invalid setting(s).\n\n  bogus\n    Unknown setting.\n"
            f'Check again after editing: nanobot status --config "{s.config_path}"\n'
        )
        self.assertEqual(result.stdout, expected)

    def test_snake_and_camel_case_both_accepted(self):
        s = StandIn(self)
        data = s.write_config()
        data["model_presets"] = {}
        data["agents"] = {"defaults": {"model": "anthropic/claude-snake"}}
        data["providers"] = {"anthropic": {"api_key": "sk"}}
        data["channels"] = {"websocket": {"port": s.ws_port, "token_issue_secret": "s3"}}
        s.write_config(data)
        proc = s.start("gateway")
        text = s.output(proc)
        self.assertIn("model=anthropic/claude-snake", text)
        self.assertNotIn("Provider/model setup is incomplete", text)
        s.terminate(proc)

    def test_json_syntax_error(self):
        s = StandIn(self)
        s.config_path.write_text('{\n  "gateway": {,}\n}\n')
        result = s.run("gateway")
        self.assertEqual(result.returncode, 1)
        self.assertIn(f"Invalid configuration: {s.config_path}\n\nJSON syntax error at line 2, column 15: Expecting property name enclosed in double quotes.", result.stdout)

    def test_unset_env_reference(self):
        s = StandIn(self)
        s.write_config(providers={"anthropic": {"apiKey": "${STANDIN_TEST_UNSET_KEY}"}})
        result = s.run("gateway")
        self.assertEqual(result.returncode, 1)
        self.assertIn(
            "Found 1 missing environment variable reference(s).\n\n  providers.anthropic.apiKey\n"
            "    Environment variable 'STANDIN_TEST_UNSET_KEY' is not set.\n",
            result.stdout,
        )
        self.assertIn('Check again after editing: nanobot status --config "', result.stdout)

    def test_env_reference_set_to_empty_counts_as_set(self):
        s = StandIn(self)
        s.write_config(providers={"anthropic": {"apiKey": "${STANDIN_TEST_EMPTY_KEY}"}})
        proc = s.start("gateway", env={"STANDIN_TEST_EMPTY_KEY": ""})
        self.assertIn("Provider/model setup is incomplete: No provider is configured for model 'anthropic/claude-test'.", s.output(proc))
        s.terminate(proc)

    def test_api_schema_rule_applies_to_every_command(self):
        s = StandIn(self)
        s.write_config(api={"host": "0.0.0.0"})
        for command in ("gateway", "serve"):
            result = s.run(command)
            self.assertEqual(result.returncode, 1, result)
            self.assertIn("Found 1 invalid setting(s).\n\n  api\n    Value does not satisfy this setting's requirements.\n", result.stdout)


# -- 3. Gateway health -------------------------------------------------------------------------

class HealthTest(unittest.TestCase):
    def test_health_body_and_404s(self):
        s = StandIn(self)
        s.write_config()
        proc = s.start("gateway")
        status, headers, body = http(f"http://127.0.0.1:{s.port}/health")
        self.assertEqual((status, body), (200, b'{"status": "ok"}'))
        self.assertEqual(headers["Content-Type"], "application/json")
        for path in ("/health?x=1", "/", "/healthz"):
            self.assertEqual(http(f"http://127.0.0.1:{s.port}{path}")[::2], (404, b"Not Found"), path)
        self.assertEqual(http(f"http://127.0.0.1:{s.port}/health", method="POST", body=b"")[0], 404)
        text = s.output(proc)
        self.assertIn("🐈 Starting nanobot gateway version ", text)
        self.assertIn(f"✓ Health endpoint: http://127.0.0.1:{s.port}/health\n", text)
        self.assertNotIn("beyond loopback", text)
        s.terminate(proc)

    def test_port_option_and_beyond_loopback_warning(self):
        s = StandIn(self)
        s.write_config(gateway={"host": "0.0.0.0", "port": free_port()})
        proc = s.start("gateway", "--port", str(s.port))
        text = s.output(proc)
        self.assertIn(f"✓ Health endpoint: http://127.0.0.1:{s.port}/health (listening on 0.0.0.0)", text)
        self.assertIn(
            "Warning: the unauthenticated health endpoint is listening beyond loopback and may be reachable "
            f"from other devices. Keep port {s.port} private or protect it with a firewall or reverse proxy.",
            text,
        )
        s.terminate(proc)


# -- 4. Provider check -------------------------------------------------------------------------

class ProviderTest(unittest.TestCase):
    def test_missing_key_with_webui_keeps_running(self):
        s = StandIn(self)
        s.write_config(providers={})
        proc = s.start("gateway")
        text = s.output(proc)
        self.assertIn("Provider/model setup is incomplete: No provider is configured for model 'anthropic/claude-test'.", text)
        self.assertIn("Gateway will start so you can configure a provider and model in WebUI Settings → Models.", text)
        self.assertEqual(http(f"http://127.0.0.1:{s.port}/health")[0], 200)
        s.terminate(proc)

    def test_missing_key_without_webui_refuses(self):
        s = StandIn(self)
        s.write_config(providers={}, channels={"websocket": {"enabled": False}}, agents={"defaults": {"model": "gpt-4o"}})
        result = s.run("gateway")
        self.assertEqual(result.returncode, 1)
        self.assertIn("Gateway cannot start: No provider is configured for model 'gpt-4o'.\nComplete provider/model setup:\n", result.stdout)
        self.assertIn(f'  Check: nanobot status --config "{s.config_path}"', result.stdout)

    def test_forced_provider(self):
        s = StandIn(self)
        s.write_config(channels={"websocket": {"enabled": False}}, agents={"defaults": {"provider": "openai"}})
        result = s.run("gateway")
        self.assertEqual(result.returncode, 1)
        self.assertIn("Gateway cannot start: No API key configured for provider 'openai'.", result.stdout)

    def test_presets_local_and_own_providers(self):
        """The active preset's model and provider decide (Config.resolve_preset); local providers
        and one's own need no key but an address, as providers/factory.py validates."""
        s = StandIn(self)
        cases = [
            ({"modelPreset": "main"}, {"main": {"model": "llama3.1", "provider": "ollama"}}, {}, None,
             "llama3.1 via ollama would answer: hi"),
            ({"modelPreset": "main"}, {"main": {"model": "gpt-4o-mini", "provider": "openai"}}, {"openai": {"apiKey": ""}},
             "No API key configured for provider 'openai'.", None),
            ({"model": "qwen3", "provider": "vllm"}, {}, {}, "Provider 'vllm' requires api_base in config.", None),
            ({"model": "my-model", "provider": "company-proxy"}, {}, {"company-proxy": {"apiBase": "http://192.0.2.1/v1"}},
             None, "my-model via company-proxy would answer: hi"),
        ]
        for defaults, presets, providers, error, answer in cases:
            with self.subTest(defaults=defaults):
                s.write_config(channels={"websocket": {"enabled": False}}, agents={"defaults": defaults},
                               providers=providers, modelPresets=presets)
                result = s.run("agent", "-c", str(s.config_path), "-m", "hi")
                if error:
                    self.assertEqual(result.returncode, 1, result.stdout)
                    self.assertIn(f"Error: {error}", result.stdout)
                else:
                    self.assertEqual(result.returncode, 0, result.stdout)
                    self.assertIn(answer, result.stdout)


# -- 5. WebUI / websocket channel --------------------------------------------------------------

class WebUITest(unittest.TestCase):
    def test_wildcard_without_secret_is_refused(self):
        s = StandIn(self)
        s.write_config(channels={"websocket": {"host": "0.0.0.0", "port": s.ws_port, "tokenIssueSecret": "${STANDIN_EMPTY}"}})
        result = s.run("gateway", env={"STANDIN_EMPTY": " "})
        self.assertEqual(result.returncode, 1)
        self.assertIn(
            f"Invalid configuration: {s.config_path}\n\nGateway configuration is invalid.\n\n  channels.websocket\n"
            "    Value does not satisfy this setting's requirements.\n"
            f'Fix the listed setting, then retry: nanobot gateway --config "{s.config_path}"\n',
            result.stdout,
        )

    def test_bundle_is_served_when_the_package_has_one(self):
        """ws_http.py: files of nanobot/web/dist, index.html for other routes, 404 without a bundle."""
        if os.environ.get("STANDIN_COMMAND"):
            self.skipTest("runs the stand-in from a copy of its source, with and without a bundle")
        s = StandIn(self)
        package = s.tmp / "src" / "example_gateway"
        shutil.copytree(SOURCE / "example_gateway", package, ignore=shutil.ignore_patterns("__pycache__", "dist"))
        s.env["PYTHONPATH"] = str(package.parent)
        s.write_config(channels={"websocket": {"host": "127.0.0.1", "port": s.ws_port}})
        base = f"http://127.0.0.1:{s.ws_port}"

        def served(path):
            deadline = time.monotonic() + 5
            while http(base + "/webui/bootstrap")[0] != 200 and time.monotonic() < deadline:
                time.sleep(0.05)
            return http(base + path)

        proc = s.start("gateway")
        self.assertEqual(served("/")[0], 404)  # no bundle: upstream's static_dist_path is None
        s.terminate(proc)
        (package / "web" / "dist" / "assets").mkdir(parents=True)
        (package / "web" / "dist" / "index.html").write_text("<!doctype html><title>bundle</title>")
        (package / "web" / "dist" / "assets" / "app.js").write_text("export {};")
        proc = s.start("gateway")
        status, _, body = served("/")
        self.assertEqual((status, body), (200, b"<!doctype html><title>bundle</title>"))
        self.assertEqual(served("/chat/42")[2], b"<!doctype html><title>bundle</title>")  # an SPA route
        self.assertEqual(served("/assets/app.js")[2], b"export {};")
        self.assertEqual(served("/api/nothing")[0], 404)
        s.terminate(proc)

    def test_bootstrap_with_secret(self):
        s = StandIn(self)
        s.write_config(channels={"websocket": {"host": "0.0.0.0", "port": s.ws_port, "tokenIssueSecret": "${WEB_TOKEN}"}})
        proc = s.start("gateway", env={"WEB_TOKEN": "hunter2"})
        base = f"http://127.0.0.1:{s.ws_port}"
        deadline = time.monotonic() + 5
        while http(base + "/webui/bootstrap")[0] != 401 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(http(base + "/webui/bootstrap")[0], 401)
        self.assertEqual(http(base + "/webui/bootstrap", headers={"Authorization": "Bearer wrong"})[0], 401)
        for headers in ({"Authorization": "Bearer hunter2"}, {"X-Nanobot-Auth": "hunter2"}):
            status, _, body = http(base + "/webui/bootstrap", headers=headers)
            self.assertEqual(status, 200)
            self.assertTrue(json.loads(body)["token"])
        self.assertIn(f"WebSocket server listening on ws://0.0.0.0:{s.ws_port}/", s.output(proc))
        s.terminate(proc)

    def test_bootstrap_without_secret_is_localhost_only(self):
        address = non_loopback_ip()
        if address is None:
            print("skipped: this machine has no non-loopback IPv4 address to connect from", file=sys.stderr)
            self.skipTest("no non-loopback IPv4 address")
        s = StandIn(self)
        s.write_config(channels={"websocket": {"host": address, "port": s.ws_port}})
        proc = s.start("gateway", wait_url=f"http://{address}:{s.ws_port}/")
        self.assertEqual(http(f"http://{address}:{s.ws_port}/webui/bootstrap")[::2], (403, b"bootstrap is localhost-only"))
        s.terminate(proc)

    def test_loopback_bootstrap_without_secret(self):
        s = StandIn(self)
        s.write_config()
        proc = s.start("gateway", wait_url=f"http://127.0.0.1:{s.ws_port}/")
        self.assertEqual(http(f"http://127.0.0.1:{s.ws_port}/webui/bootstrap")[0], 200)
        s.terminate(proc)


# -- 6. serve ----------------------------------------------------------------------------------

class ServeTest(unittest.TestCase):
    def test_non_loopback_host_without_key_is_refused(self):
        s = StandIn(self)
        s.write_config()
        result = s.run("serve", "--host", "0.0.0.0")
        self.assertEqual(result.returncode, 1)
        self.assertIn(
            "Error: host 0.0.0.0 is available beyond this device but api_key is not set. "
            "Set api.api_key in config to prevent unauthenticated access.",
            result.stdout,
        )

    def test_routes_and_auth(self):
        s = StandIn(self)
        port = free_port()
        s.write_config(api={"apiKey": "${API_KEY}", "port": free_port()})
        proc = s.start("serve", "-H", "127.0.0.1", "-p", str(port), env={"API_KEY": "k1"}, wait_url=f"http://127.0.0.1:{port}/health")
        base = f"http://127.0.0.1:{port}"
        self.assertEqual(http(base + "/health")[::2], (200, b'{"status": "ok"}'))
        status, _, body = http(base + "/v1/models")
        self.assertEqual(status, 401)
        self.assertEqual(json.loads(body)["error"]["message"], "Missing Authorization header. Use: Bearer <api_key>")
        status, _, body = http(base + "/v1/models", headers={"Authorization": "Bearer nope"})
        self.assertEqual((status, json.loads(body)["error"]["message"]), (401, "Invalid API key"))
        self.assertEqual(http(base + "/v1/models", headers={"Authorization": "Bearer k1"})[0], 200)
        request = json.dumps({"model": "x", "messages": [{"role": "user", "content": "hi"}]}).encode()
        status, _, body = http(base + "/v1/chat/completions", method="POST", body=request,
                               headers={"Authorization": "Bearer k1", "Content-Type": "application/json"})
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["choices"][0]["message"]["role"], "assistant")
        self.assertIn("🐈 Starting OpenAI-compatible API server", s.output(proc))
        code, took = s.terminate(proc)
        self.assertEqual(code, 0)
        self.assertLess(took, 2.0)


# -- 7. State ----------------------------------------------------------------------------------

class StateTest(unittest.TestCase):
    def test_files_under_data_dir_and_home(self):
        s = StandIn(self)
        s.write_config()
        run_dir = s.data / "run"
        run_dir.mkdir()
        (run_dir / "gateway.json").write_text(json.dumps({"pid": 999999999, "identity": "1:2"}))  # stale
        proc = s.start("gateway")
        record = json.loads((run_dir / "gateway.json").read_text())
        self.assertEqual(record["pid"], proc.pid)
        workspace = s.data / "workspace"
        for name in ("AGENTS.md", "HEARTBEAT.md", "SOUL.md", "USER.md", "memory/MEMORY.md", "memory/history.jsonl",
                     "skills", "cron/jobs.json", ".nanobot/workspace-id"):
            self.assertTrue((workspace / name).exists(), name)
        workspace_id = (workspace / ".nanobot" / "workspace-id").read_text().strip()
        self.assertTrue((s.data / "sessions" / workspace_id).is_dir())
        self.assertEqual(stat.S_IMODE((s.data / "sessions").stat().st_mode), 0o700)
        for name in ("media", "logs", "cron"):
            self.assertTrue((s.data / name).is_dir(), name)
        for directory in (s.home / ".local/share/nanobot", s.home / ".cache/nanobot", s.home / ".nanobot/history"):
            self.assertTrue(any(directory.iterdir()), directory)
        s.terminate(proc)

    def test_templates_are_not_overwritten_and_xdg_is_honoured(self):
        s = StandIn(self)
        s.write_config()
        workspace = s.data / "workspace"
        workspace.mkdir()
        (workspace / "SOUL.md").write_text("# mine\n")
        proc = s.start("gateway", env={"XDG_DATA_HOME": str(s.tmp / "xdg-data"), "XDG_CACHE_HOME": str(s.tmp / "xdg-cache")})
        self.assertIn("soul=loaded", s.output(proc))
        self.assertEqual((workspace / "SOUL.md").read_text(), "# mine\n")
        self.assertTrue((s.tmp / "xdg-data/nanobot").is_dir())
        self.assertTrue((s.tmp / "xdg-cache/nanobot").is_dir())
        s.terminate(proc)

    def test_sessions_inside_workspace_is_refused(self):
        s = StandIn(self)
        s.write_config(agents={"defaults": {"workspace": str(s.data)}})
        result = s.run("gateway")
        self.assertEqual(result.returncode, 1)
        self.assertIn("RuntimeError: session storage must be outside the agent workspace; "
                      "move --config outside --workspace or choose a nested workspace directory", result.stderr)

    def test_not_writable_directory(self):
        s = StandIn(self)
        s.write_config()
        locked = s.tmp / "locked"
        locked.mkdir()
        prefix = ()
        if os.geteuid() != 0:
            locked.chmod(0o555)
            self.addCleanup(locked.chmod, 0o755)
        elif shutil.which("chattr") and subprocess.run(["chattr", "+i", str(locked)], capture_output=True).returncode == 0:
            # root can write anywhere; an immutable directory still refuses with EPERM (a PermissionError).
            self.addCleanup(subprocess.run, ["chattr", "-i", str(locked)], capture_output=True)
        else:
            print("skipped: running as root and chattr +i is not available here", file=sys.stderr)
            self.skipTest("root without chattr +i")
        result = s.run("gateway", env={"XDG_DATA_HOME": str(locked)})
        self.assertEqual(result.returncode, 1, result)
        self.assertIn(f"Error: {locked} is not writable (owned by UID {locked.stat().st_uid}, running as UID {os.geteuid()}).",
                      result.stderr)
        self.assertIn("PermissionError", result.stderr)
        self.assertLess(result.stderr.index("is not writable"), result.stderr.index("Traceback"))


# -- 8. Channel dependencies -------------------------------------------------------------------

class ChannelDependencyTest(unittest.TestCase):
    def test_failed_install_skips_the_channel_and_keeps_running(self):
        s = StandIn(self)
        s.write_config(channels={"websocket": {"port": s.ws_port}, "telegram": {"enabled": True}, "email": {"enabled": True}})
        links = s.tmp / "no-wheels"
        links.mkdir()
        env = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(links), "EXAMPLE_GATEWAY_INSTALL_TIMEOUT_S": "25"}
        proc = s.start("gateway", env=env)
        self.assertEqual(http(f"http://127.0.0.1:{s.port}/health")[0], 200)
        text = s.output(proc)
        self.assertIn("| INFO  | - | Installing optional feature 'telegram': ", text)
        self.assertIn(" -m pip install ", text)
        self.assertRegex(text, r"Optional feature 'telegram' install exited with code [1-9]")
        self.assertRegex(text, r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \| ERROR \| - \| Could not prepare dependencies for enabled channel 'telegram'\n")
        self.assertIn("| ERROR | telegram | Channel dependencies could not be installed. Check gateway logs.", text)
        self.assertNotIn("'email'", text)
        self.assertIn("✓ Channels enabled: email, websocket", text)
        s.terminate(proc)


# -- 9. Signals --------------------------------------------------------------------------------

class SignalTest(unittest.TestCase):
    def test_sigterm_flushes_and_exits_zero_promptly(self):
        s = StandIn(self)
        s.write_config()
        proc = s.start("gateway")
        code, took = s.terminate(proc)
        self.assertEqual(code, 0)
        self.assertLess(took, 2.0)
        text = s.output(proc)
        self.assertIn("Gateway shutdown requested by SIGTERM", text)
        self.assertRegex(text, r"Shutdown: flushed \d+ session\(s\) to disk")
        self.assertTrue(list((s.data / "sessions").glob("*/*.jsonl")))

    def test_sigint_too(self):
        s = StandIn(self)
        s.write_config()
        proc = s.start("gateway")
        proc.send_signal(signal.SIGINT)
        self.assertEqual(proc.wait(timeout=5), 0)
        self.assertIn("Gateway shutdown requested by SIGINT", s.output(proc))


if __name__ == "__main__":
    unittest.main()
