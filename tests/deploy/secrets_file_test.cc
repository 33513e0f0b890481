// The secrets file: its parser and writer, and the entrypoint that exports it, agree on every
// value byte for byte; bad lines are named with file and line, and nothing is exported then.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <map>

#include "deploy/compose.h"
#include "deploy/instance_config.h"
#include "builder/plan/runtime_image.h"
#include "deploy/secrets_file.h"
#include "instance_test_support.h"
#include "base/error.h"
#include "test_support.h"

using namespace nanoforge;
using namespace nanoforge::deploy;
using namespace nanoforge::testing;
namespace fs = std::filesystem;

namespace {

// Values API keys and bot tokens really contain, and what compose tools used to change.
const std::vector<std::string>& tricky_values() {
  static const std::vector<std::string> values{
      "$x", "${HOME}", "$$", "#", "\"", "'", " ", "x\\", "sk-AB$cd$EF${HOME}x#y z",
      "", "a b", "=", "a=b==", "\"quoted\"", "'single'", "  leading", "trailing ", "tab\there",
      "#start", "x #not a comment", "`id`", "$(id)", "\\n", "back\\slash", "\xc3\xa9\xe2\x82\xac\xe4\xb8\xad",
      "\xff\xfe not UTF-8", "mid\rcr", "${HOME:-x}", "%PATH%", "*", "[a]", "~"};
  return values;
}

std::string variable_name(std::size_t i) { return "SECRET_" + std::to_string(i); }

// A secrets file holding every tricky value, with the comments and blank lines people write.
std::string tricky_file() {
  std::string text = "# comment\n\n   \n\t# indented comment\n";
  for (std::size_t i = 0; i < tricky_values().size(); ++i) text += secret_line(variable_name(i), tricky_values()[i]);
  return text;
}

// The environment a process got, from its /proc/self/environ (NUL-separated NAME=VALUE).
std::map<std::string, std::string> environment_of(const std::string& environ) {
  std::map<std::string, std::string> variables;
  for (std::size_t start = 0; start < environ.size();) {
    std::size_t end = environ.find('\0', start);
    if (end == std::string::npos) end = environ.size();
    std::string entry = environ.substr(start, end - start);
    auto equals = entry.find('=');
    if (equals != std::string::npos) variables[entry.substr(0, equals)] = entry.substr(equals + 1);
    start = end + 1;
  }
  return variables;
}

// The shells images run the entrypoint with: dash (Debian's /bin/sh, the runtime profiles),
// busybox sh, bash.
std::vector<std::string> shells() {
  std::vector<std::string> found;
  for (std::string shell : {"/bin/dash", "/bin/busybox sh", "/bin/bash"})
    if (fs::exists(shell.substr(0, shell.find(' ')))) found.push_back(shell);
  return found;
}

// Runs the real entrypoint under `shell` with the secrets file `secrets`; `command` is what
// the container runs (a program on PATH, so it is exec'd as given).
CommandResult run_entrypoint(const std::string& shell, const fs::path& dir, const fs::path& secrets,
                             const std::string& command) {
  write_text(dir / "entrypoint", builder::entrypoint_script({"nanobot", "gateway"}));
  return run("env -i PATH=/usr/bin:/bin LANG=C.UTF-8 NANOFORGE_SECRETS_FILE=" + shell_quote(secrets.string()) + " " +
             shell + " " + shell_quote((dir / "entrypoint").string()) + " " + command);
}

}  // namespace

TEST_CASE("secrets: every value written as a line reads back byte for byte", "[secrets]") {
  SecretsFile file = parse_secrets(tricky_file(), "instances/a/.env");
  REQUIRE(file.variables.size() == tricky_values().size());
  for (std::size_t i = 0; i < tricky_values().size(); ++i) {
    INFO(i);
    CHECK(file.variables[i].name == variable_name(i));
    CHECK(file.variables[i].value == tricky_values()[i]);
    CHECK(file.variables[i].line == i + 5);  // after the four comment and blank lines
  }
}

TEST_CASE("secrets: the entrypoint exports every value byte for byte under dash, busybox sh and bash",
          "[secrets][runtime]") {
  TempDir dir;
  write_text(dir / "nanobot.env", tricky_file() + "LAST=no newline at the end");
  auto found = shells();
  REQUIRE_FALSE(found.empty());
  for (const auto& shell : found) {
    INFO(shell);
    auto result = run_entrypoint(shell, dir.path(), dir / "nanobot.env", "cat /proc/self/environ");
    REQUIRE(result.exit_code == 0);
    auto environment = environment_of(result.output);
    for (std::size_t i = 0; i < tricky_values().size(); ++i) {
      INFO(variable_name(i));
      REQUIRE(environment.count(variable_name(i)) == 1);
      CHECK(environment[variable_name(i)] == tricky_values()[i]);
    }
    CHECK(environment["LAST"] == "no newline at the end");
    // The script's own variables stay its own.
    for (const auto& [name, value] : environment) CHECK_FALSE(name.starts_with("nanoforge_"));
  }
}

TEST_CASE("secrets: the file the old nanoforge wrote keeps working", "[secrets]") {
  // What `instance create` and `instance migrate` wrote before the file was mounted.
  std::string old_file =
      "# Secrets of the Nanobot instance 'alice' (mode 0600).\n"
      "# The compose tool passes them to the container; config.json refers to them as ${OPENAI_API_KEY}.\n"
      "OPENAI_API_KEY=sk-proj-abc123\n"
      "ANTHROPIC_API_KEY=sk-ant-xyz\n"
      "TZ=Asia/Shanghai\n";
  SecretsFile file = parse_secrets(old_file, "old/.env");
  CHECK(file.warnings.empty());
  REQUIRE(file.variables.size() == 3);
  CHECK(file.variables[0].value == "sk-proj-abc123");
  TempDir dir;
  write_text(dir / "nanobot.env", old_file);
  for (const auto& shell : shells()) {
    INFO(shell);
    auto environment = environment_of(run_entrypoint(shell, dir.path(), dir / "nanobot.env", "cat /proc/self/environ").output);
    CHECK(environment["OPENAI_API_KEY"] == "sk-proj-abc123");
    CHECK(environment["TZ"] == "Asia/Shanghai");
  }
}

TEST_CASE("secrets: comments, blank lines, duplicates and lines compose read differently", "[secrets]") {
  SecretsFile file = parse_secrets("  # note\n\t\nA=1 # not a comment\nB=\"two\"\nC='three'\nA=later\nD=x \nE=\n",
                                   "s/.env");
  REQUIRE(file.variables.size() == 6);
  CHECK(file.variables[0].value == "1 # not a comment");
  CHECK(file.variables[1].value == "\"two\"");
  CHECK(file.variables[2].value == "'three'");
  CHECK(file.variables[3].value == "later");
  CHECK(file.variables[4].value == "x ");
  CHECK(file.variables[5].value == "");
  REQUIRE(file.warnings.size() == 5);
  CHECK_THAT(file.warnings[0], Catch::StartsWith("s/.env:3: A's value holds ' #'"));
  CHECK_THAT(file.warnings[1], Catch::StartsWith("s/.env:4: B's value is wrapped in quotes"));
  CHECK_THAT(file.warnings[2], Catch::StartsWith("s/.env:5: C's value is wrapped in quotes"));
  CHECK_THAT(file.warnings[3], Catch::StartsWith("s/.env:6: A is also set on line 3; this later line wins"));
  CHECK_THAT(file.warnings[4], Catch::StartsWith("s/.env:7: D's value ends with a space"));
  CHECK(parse_secrets("", "empty").variables.empty());
}

namespace {
struct BadLine {
  std::string text;    // the whole file
  std::size_t line;    // the line it must name
  std::string reason;  // part of the message
};

const std::vector<BadLine>& bad_lines() {
  static const std::vector<BadLine> cases{
      {"A=1\nsk-secret-without-name\n", 2, "no '='"},
      {"1ABC=x\n", 1, "not a variable name"},
      {"# c\nexport KEY=sk-secret\n", 2, "remove 'export '"},
      {"  KEY=sk-secret\n", 1, "remove the blanks before the name"},
      {"KEY =sk-secret\n", 1, "remove the blanks before '='"},
      {"KEY-NAME=sk-secret\n", 1, "not a variable name"},
      {"=sk-secret\n", 1, "nothing before '='"},
      {"KEY=sk-secret\r\nB=2\r\n", 1, "carriage return"},
      {"\xEF\xBB\xBFKEY=sk-secret\n", 1, "byte order mark"},
      {"A=1\nnanoforge_line=sk-secret\n", 2, "reserved"},
      {"A=1\n\nKEY=sk-\xc3\xa9\xe2\x82\xac secret\nB\xc3\xa9=sk-secret\n", 4, "not a variable name"},
  };
  return cases;
}
}  // namespace

TEST_CASE("secrets: a line that cannot be passed on is named with file and line, its value is not shown",
          "[secrets]") {
  for (const auto& [text, line, reason] : bad_lines()) {
    INFO(text);
    try {
      parse_secrets(text, "instances/alice/.env");
      FAIL("accepted");
    } catch (const Error& error) {
      std::string message = error.what();
      CHECK_THAT(message, Catch::Contains("instances/alice/.env:" + std::to_string(line) + ": "));
      CHECK_THAT(message, Catch::Contains(reason));
      CHECK(message.find("sk-secret") == std::string::npos);
    }
  }
  // Every bad line at once, so one edit fixes them all.
  CHECK_THROWS_WITH(parse_secrets("bad one\nA=1\nbad two\n", "f"), Catch::Contains("f:1: ") && Catch::Contains("f:3: "));
  CHECK_THROWS_WITH(parse_secrets(std::string("A=x\0y\n", 6), "f"), Catch::Contains("f:1: ") && Catch::Contains("NUL"));
}

TEST_CASE("secrets: the entrypoint stops at a bad line before the app starts and exports nothing", "[secrets][runtime]") {
  TempDir dir;
  for (const auto& [text, line, reason] : bad_lines()) {
    write_text(dir / "nanobot.env", text);
    for (const auto& shell : shells()) {
      INFO(shell << "\n" << text);
      auto result = run_entrypoint(shell, dir.path(), dir / "nanobot.env", "echo the app ran");
      CHECK(result.exit_code == 1);
      CHECK_THAT(result.output, Catch::Contains((dir / "nanobot.env").string() + ":" + std::to_string(line) + ": "));
      CHECK(result.output.find("the app ran") == std::string::npos);
      CHECK(result.output.find("sk-secret") == std::string::npos);
    }
  }
  // A directory where the file should be (an engine made it), or a file the user cannot read.
  fs::create_directories(dir / "made-by-engine.env");
  for (const auto& shell : shells()) {
    auto result = run_entrypoint(shell, dir.path(), dir / "made-by-engine.env", "echo the app ran");
    CHECK(result.exit_code == 1);
    CHECK_THAT(result.output, Catch::Contains("not a regular file"));
  }
  // No file at all: nothing to export, the app starts.
  for (const auto& shell : shells())
    CHECK(run_entrypoint(shell, dir.path(), dir / "absent.env", "echo the app ran").output == "the app ran\n");
}

TEST_CASE("secrets: values a line cannot hold are refused when written, naming the variable", "[secrets]") {
  CHECK(secret_line("KEY", "sk-AB$cd$EF${HOME}x#y z") == "KEY=sk-AB$cd$EF${HOME}x#y z\n");
  CHECK_THROWS_WITH(secret_line("KEY", "sk-one\nsk-two"), Catch::Contains("KEY") && Catch::Contains("line break") &&
                                                               !Catch::Contains("sk-one"));
  CHECK_THROWS_WITH(secret_line("KEY", std::string("a\0b", 3)), Catch::Contains("NUL"));
  CHECK_THROWS_WITH(secret_line("KEY", "sk-abc\r"), Catch::Contains("carriage return"));
  CHECK_THROWS_WITH(secret_line("1KEY", "x"), Catch::Contains("not a variable name"));
  CHECK_THROWS_WITH(secret_line("nanoforge_x", "x"), Catch::Contains("reserved"));
}

TEST_CASE("secrets: instance create writes the key so it arrives exactly, and refuses one with a newline",
          "[secrets][instance]") {
  TempDir dir;
  Deployment deployment(dir.path());
  CreateRequest request;
  request.name = "alice";
  request.port = 18790;
  request.api_key = "sk-AB$cd$EF${HOME}x#y z";
  create_instance(deployment, request, no_port_in_use);
  fs::path env = deployment.instance_dir("alice") / ".env";
  SecretsFile file = read_secrets_file(env, env.string());
  REQUIRE(file.variables.size() == 1);
  CHECK(file.variables[0].name == "OPENAI_API_KEY");
  CHECK(file.variables[0].value == "sk-AB$cd$EF${HOME}x#y z");
  CHECK(file.warnings.empty());

  auto before = snapshot(dir.path());
  request.name = "bob";
  request.port = 18791;
  request.api_key = "sk-first-line\nsk-second-line";
  CHECK_THROWS_WITH(create_instance(deployment, request, no_port_in_use),
                    Catch::Contains("OPENAI_API_KEY") && Catch::Contains("line break") &&
                        Catch::Contains("nothing was created") && !Catch::Contains("sk-first"));
  CHECK(snapshot(dir.path()) == before);

  // From the environment, as the command line does.
  request.api_key.reset();
  request.api_key_from_environment = true;
  request.api_key_env = "NANOFORGE_TEST_SECRET_KEY";
  ::setenv("NANOFORGE_TEST_SECRET_KEY", "sk-\n", 1);
  CHECK_THROWS_WITH(create_instance(deployment, request, no_port_in_use),
                    Catch::Contains("taken from the environment variable NANOFORGE_TEST_SECRET_KEY"));
  ::unsetenv("NANOFORGE_TEST_SECRET_KEY");
  CHECK(snapshot(dir.path()) == before);
}

TEST_CASE("secrets: up and compose find every bad line of every instance, and a missing file", "[secrets][instance]") {
  TempDir dir;
  Deployment deployment(dir.path());
  make_instance(deployment, "alice", 18790);
  make_instance(deployment, "bob", 18791);
  make_instance(deployment, "carol", 18792);
  CHECK(check_instance_secrets(deployment, {}).empty());
  fs::path alice = deployment.instance_dir("alice") / ".env";
  fs::path bob = deployment.instance_dir("bob") / ".env";
  write_text(alice, read_text(alice) + "TOKEN=\"quoted\"\n");
  auto warnings = check_instance_secrets(deployment, {"alice"});
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings[0], Catch::StartsWith(alice.string() + ":6: TOKEN's value is wrapped in quotes"));

  write_text(alice, read_text(alice) + "not a line\n");
  fs::remove(bob);
  CHECK_THROWS_WITH(check_instance_secrets(deployment, {}),
                    Catch::Contains(alice.string() + ":7: no '='") && Catch::Contains(bob.string() + " is missing"));
  // Only the instances being started are checked.
  CHECK_NOTHROW(check_instance_secrets(deployment, {"carol"}));
  fs::create_directory(bob);
  CHECK_THROWS_WITH(check_instance_secrets(deployment, {"bob"}), Catch::Contains("is a directory"));
}

TEST_CASE("secrets: the file is given to the container's group, never to others", "[secrets][instance]") {
  TempDir dir;
  fs::path file = dir / ".env";
  write_text(file, "A=1\n");
  ::chmod(file.c_str(), 0600);
  give_secrets_to_instance_group(file);
  struct stat info {};
  REQUIRE(::stat(file.c_str(), &info) == 0);
  if (::geteuid() == 0) {
    CHECK(info.st_gid == contract::kGid);
    CHECK((info.st_mode & 07777) == 0640);
  } else {
    CHECK((info.st_mode & 07777) == 0600);  // the owner's own; an unprivileged user cannot give it away
  }
}

TEST_CASE("secrets: compose mounts the file read-only and recreates when it changes", "[secrets][compose]") {
  TempDir dir;
  Deployment deployment(dir.path());
  make_instance(deployment, "alice", 18790);
  std::string first = read_text(deployment.compose_file());
  CHECK_THAT(first, Catch::Contains("./instances/alice/.env:/run/secrets/nanobot.env:ro"));
  CHECK(first.find("env_file") == std::string::npos);
  CHECK(first.find("sk-test") == std::string::npos);
  // The file create wrote is the one the next emit sees: nothing changes until it is edited.
  CHECK(render_compose(deployment, deployment.load_instances()) == first);
  fs::path env = deployment.instance_dir("alice") / ".env";
  write_text(env, "OPENAI_API_KEY=sk-new\n");
  struct timespec times[2] = {{0, UTIME_OMIT}, {1'700'000'000, 123}};
  REQUIRE(::utimensat(AT_FDCWD, env.c_str(), times, 0) == 0);
  std::string second = render_compose(deployment, deployment.load_instances());
  CHECK(second != first);
  CHECK_THAT(second, Catch::Contains("io.nanoforge.secrets-version: \"1700000000000000123\""));
  CHECK(second.find("sk-new") == std::string::npos);
}

TEST_CASE("secrets: INSTANCE_INFO says where secrets go and providers are names", "[secrets][instance]") {
  TempDir dir;
  Deployment deployment(dir.path());
  make_instance(deployment, "alice", 18790);
  CHECK_THAT(read_text(deployment.instance_dir("alice") / "INSTANCE_INFO.txt"),
             Catch::Contains("Secrets:") && Catch::Contains("/run/secrets/nanobot.env"));
  for (std::string provider : std::vector<std::string>{"open\nStart:   rm -rf /", "a b", "\"x\"", "$HOME", "\xc3\xa9",
                                                       std::string(65, 'a')}) {
    INFO(provider);
    CHECK_THROWS_WITH(validate_provider(provider), Catch::Contains("invalid provider name"));
    CreateRequest request;
    request.name = "bob";
    request.provider = provider;
    CHECK_THROWS_AS(create_instance(deployment, request, no_port_in_use), Error);
  }
  CHECK_FALSE(deployment.has_instance("bob"));
  for (std::string provider : {"openai", "azure_openai", "github-copilot", "openrouter"}) CHECK_NOTHROW(validate_provider(provider));
}

TEST_CASE("secrets: image and publish address reach compose and INSTANCE_INFO only when they are what they say",
          "[secrets][instance]") {
  CHECK_NOTHROW(validate_publish_address("127.0.0.1"));
  CHECK_NOTHROW(validate_publish_address("0.0.0.0"));
  for (std::string bad : {"127.0.0.1\nStart:   rm -rf /", "1.2.3", "999.0.0.1", "", "::1", "127.0.0.1 "})
    CHECK_THROWS_WITH(validate_publish_address(bad), Catch::Contains("invalid publish address"));
  for (std::string good : std::vector<std::string>{"nanobot:latest", "127.0.0.1:5000/nanobot-full@sha256:" + std::string(64, 'a'),
                           "localhost/team/nanobot:0.1.0"})
    CHECK_NOTHROW(validate_image_reference(good));
  for (std::string bad : {"nanobot:${TAG}", "reg/$x", "nano bot", "nanobot:1\nx", "Nanobot"})
    CHECK_THROWS_WITH(validate_image_reference(bad), Catch::Contains("invalid image"));

  // A hand-edited settings file is refused, naming it, before anything is written from it.
  TempDir dir;
  Deployment deployment(dir.path());
  make_instance(deployment, "alice", 18790);
  write_text(deployment.settings_file(), "{\"image\": \"nanobot:latest\", \"publish\": \"0.0.0.0\\nStart: x\"}\n");
  CHECK_THROWS_WITH(deployment.settings(), Catch::Contains(deployment.settings_file().string()) &&
                                               Catch::Contains("invalid publish address"));
  write_text(deployment.settings_file(), "{\"image\": \"nanobot:${TAG}\"}\n");
  CHECK_THROWS_WITH(write_compose(deployment), Catch::Contains("invalid image 'nanobot:${TAG}'"));
}
