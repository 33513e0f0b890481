// Finding the app's WebUI bundle among the installed project's files, and the modes' rules.
#include "venv/webui_bundle.h"

#include <catch2/catch.hpp>

#include "base/error.h"
#include "test_support.h"

using namespace nanoforge;
using namespace nanoforge::venv;
using namespace nanoforge::testing;
namespace fs = std::filesystem;

TEST_CASE("the WebUI bundle is the index.html under web/dist that the project's RECORD lists", "[webui]") {
  TempDir site;
  auto record = [&](const std::string& lines) {
    write_text(site / "nanobot_ai-0.3.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: nanobot-ai\nVersion: 0.3.0\n");
    write_text(site / "nanobot_ai-0.3.0.dist-info/RECORD", lines);
  };
  record("nanobot/__init__.py,sha256=x,1\nnanobot/web/__init__.py,,\n\"nanobot/web/dist/index.html\",sha256=y,10\n");
  CHECK_FALSE(find_webui_bundle(site.path(), "nanobot-ai"));  // listed, but not on disk
  write_text(site / "nanobot/web/dist/index.html", "<!doctype html>");
  CHECK(find_webui_bundle(site.path(), "nanobot-ai") == fs::path("nanobot/web/dist/index.html"));
  CHECK(find_webui_bundle(site.path(), "Nanobot_AI") == fs::path("nanobot/web/dist/index.html"));  // PEP 503 names
  CHECK_FALSE(find_webui_bundle(site.path(), "another-project"));
  // Not a web/dist of its own: a file that merely ends so.
  record("nanobot/myweb/dist/index.html,sha256=y,10\n");
  write_text(site / "nanobot/myweb/dist/index.html", "x");
  CHECK_FALSE(find_webui_bundle(site.path(), "nanobot-ai"));

  CHECK_NOTHROW(require_webui_bundle(std::nullopt, {WebuiMode::automatic}));
  CHECK_NOTHROW(require_webui_bundle(std::nullopt, {WebuiMode::none}));
  CHECK_NOTHROW(require_webui_bundle(fs::path("nanobot/web/dist/index.html"), {WebuiMode::build}));
  CHECK_THROWS_WITH(require_webui_bundle(std::nullopt, {WebuiMode::build}), Catch::Contains("web/dist inside the Python package"));
  CHECK_THROWS_WITH(require_webui_bundle(std::nullopt, {WebuiMode::prebuilt}), Catch::Contains("use webui: build"));
  CHECK(parse_webui_mode("prebuilt", "x") == WebuiMode::prebuilt);
  CHECK_THROWS_WITH(parse_webui_mode("yes", "--webui"), Catch::Contains("--webui: 'yes' is not a WebUI mode"));
  CHECK(webui_backend_environment({WebuiMode::automatic}).empty());
  CHECK(webui_backend_environment({WebuiMode::build}).at("NANOBOT_SKIP_WEBUI_BUILD") == "1");
}
