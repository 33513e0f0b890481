// VERSION.txt: what it records, and that it reads back.
#include "venv/version_file.h"

#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "base/error.h"

using namespace nanoforge;
using namespace nanoforge::venv;

namespace {
VersionInfo sample() {
  VersionInfo info;
  info.python_version = "3.12.1";
  info.project_name = "nanoforge-example-gateway";
  info.project_version = "0.1.0";
  info.pyproject_sha256 = std::string(64, 'a');
  info.lock_sha256 = std::string(64, 'b');
  info.interpreter_source = "found /root/.pyenv/versions/3.12.1";
  info.interpreter_sha256 = std::string(64, 'c');
  info.options_sha256 = std::string(64, 'd');
  info.project_files_sha256 = std::string(64, 'e');
  info.build_epoch = 1700000000;
  info.distributions = {{"pip", "23.2.1"}, {"nanoforge-example-gateway", "0.1.0"}};
  return info;
}
}  // namespace

TEST_CASE("VERSION.txt names the python, project, inputs and every distribution", "[version]") {
  auto text = format_version_file(sample());
  CHECK_THAT(text, Catch::StartsWith("Python: 3.12.1\nProject: nanoforge-example-gateway 0.1.0\n"));
  CHECK_THAT(text, Catch::Contains("Pyproject-SHA256: " + std::string(64, 'a')));
  CHECK_THAT(text, Catch::Contains("Lock-SHA256: " + std::string(64, 'b')));
  CHECK_THAT(text, Catch::Contains("Interpreter-Source: found /root/.pyenv/versions/3.12.1"));
  CHECK_THAT(text, Catch::Contains("Interpreter-SHA256: " + std::string(64, 'c')));
  CHECK_THAT(text, Catch::Contains("Project-Files-SHA256: " + std::string(64, 'e')));
  CHECK_THAT(text, Catch::Contains("Build-Epoch: 1700000000"));
  // Sorted, so the order pip listed them in does not matter.
  CHECK_THAT(text, Catch::EndsWith("Distributions:\n  nanoforge-example-gateway==0.1.0\n  pip==23.2.1\n"));
}

TEST_CASE("VERSION.txt has no host name and no wall-clock time", "[version]") {
  auto text = format_version_file(sample());
  char host[256] = {};
  gethostname(host, sizeof host);
  CHECK(text.find(host) == std::string::npos);
  CHECK(text.find("Date") == std::string::npos);
  CHECK(format_version_file(sample()) == text);
}

TEST_CASE("VERSION.txt reads back to the same value", "[version]") {
  auto info = sample();
  auto parsed = parse_version_file(format_version_file(info), "VERSION.txt");
  std::sort(info.distributions.begin(), info.distributions.end());
  CHECK(parsed == info);
}

TEST_CASE("VERSION.txt records the WebUI bundle or none and reads back, older files leave it unknown", "[version][webui]") {
  auto info = sample();
  std::sort(info.distributions.begin(), info.distributions.end());
  info.webui_bundle = "nanobot/web/dist/index.html";
  CHECK_THAT(format_version_file(info), Catch::Contains("\nWebUI-Bundle: nanobot/web/dist/index.html\n"));
  CHECK(parse_version_file(format_version_file(info), "VERSION.txt") == info);
  info.webui_bundle = "";
  CHECK_THAT(format_version_file(info), Catch::Contains("\nWebUI-Bundle: none\n"));
  CHECK(parse_version_file(format_version_file(info), "VERSION.txt") == info);
  info.webui_bundle.reset();
  CHECK_THAT(format_version_file(info), !Catch::Contains("WebUI-Bundle"));
  CHECK_FALSE(parse_version_file(format_version_file(info), "VERSION.txt").webui_bundle.has_value());
}

TEST_CASE("a damaged VERSION.txt is an error naming the file and line", "[version]") {
  CHECK_THROWS_WITH(parse_version_file("Python: 3.12.1\ngarbage\n", "/x/VERSION.txt"),
                    Catch::Contains("/x/VERSION.txt:2"));
  CHECK_THROWS_WITH(parse_version_file("Python: 3.12.1\n", "/x/VERSION.txt"), Catch::Contains("missing field Project"));
}

TEST_CASE("a VERSION.txt written before the project's files were keyed still reads, with no digest", "[version]") {
  auto text = format_version_file(sample());
  auto line = text.find("Project-Files-SHA256:");
  text.erase(line, text.find('\n', line) + 1 - line);
  auto parsed = parse_version_file(text, "VERSION.txt");
  CHECK(parsed.project_files_sha256.empty());  // update_venv rebuilds, saying why
  CHECK(parsed.options_sha256 == std::string(64, 'd'));
}
