#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "deploy/yaml_safe_scalar.h"
#include "test_support.h"
#include "yaml_spellings.h"

using namespace nanoforge;
using namespace nanoforge::deploy;
using namespace nanoforge::testing;

namespace {

std::string emitted(const std::string& text) {
  YAML::Emitter out;
  emit_string(out, text);
  REQUIRE(out.good());
  return out.c_str();
}

// {list: [S...], map: {S: S...}}: each string as a value and as a key.
std::string strings_document(const std::vector<std::string>& strings) {
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "list" << YAML::Value << YAML::BeginSeq;
  for (const auto& text : strings) emit_string(out, text);
  out << YAML::EndSeq << YAML::Key << "map" << YAML::Value << YAML::BeginMap;
  for (const auto& text : strings) {
    out << YAML::Key;
    emit_string(out, text);
    out << YAML::Value;
    emit_string(out, text);
  }
  out << YAML::EndMap << YAML::EndMap;
  REQUIRE(out.good());
  return std::string(out.c_str()) + "\n";
}

// Every string of 1 to `length` characters over `alphabet`.
std::vector<std::string> all_strings(const std::string& alphabet, std::size_t length) {
  std::vector<std::string> out, last{""};
  for (std::size_t size = 1; size <= length; ++size) {
    std::vector<std::string> next;
    for (const auto& prefix : last)
      for (char c : alphabet) next.push_back(prefix + c);
    out.insert(out.end(), next.begin(), next.end());
    last = std::move(next);
  }
  return out;
}

}  // namespace

TEST_CASE("yaml: every spelling the YAML 1.1 and 1.2 type rules give a type is written quoted", "[yaml]") {
  auto spellings = typed_spellings();
  REQUIRE(spellings.size() > 150);
  for (const auto& text : spellings) {
    INFO("'" << text << "'");
    CHECK(plain_scalar_may_not_be_string(text));
    std::string written = emitted(text);
    CHECK(written.front() == '"');
    YAML::Node read = YAML::Load(written);
    REQUIRE(read.IsScalar());
    CHECK(read.Scalar() == text);
    CHECK(read.Tag() == "!");  // quoted: a string for every reader
  }
}

TEST_CASE("yaml: strings no reader gives another type stay plain", "[yaml]") {
  for (const std::string text :
       {"alice", "nanobot-net", "json-file", "unless-stopped", "./instances/alice/.env", "/tmp", "ALL",
        "yesterday", "nothing", "onion", "offline", "truex", "nul", "Nil", "None", "0x", "0b", "0o", "1a", "e3",
        "x86_64", "v1.10", "1-2", "12-34", "2001-12", "nanobot:latest", "10s", "1G", "128M", "a=b", "<", "~x", ".x",
        "-x", "+x", "0x1g", "0b2", "1:2x", "inf", "nan", "NaN", ".infinity", "1e", "1e+", "_1"}) {
    INFO("'" << text << "'");
    CHECK_FALSE(plain_scalar_may_not_be_string(text));
    CHECK(emitted(text) == text);
  }
}

TEST_CASE("yaml: trees keep quoted strings quoted and plain values plain", "[yaml]") {
  YAML::Node tree(YAML::NodeType::Map);
  tree["name"] = "yes";                   // a string from the model: quoted because of its text
  tree["user"] = quoted_string("1000");   // always quoted
  tree["read_only"] = plain_value("true");  // meant as a boolean
  tree["retries"] = plain_value("3");
  tree["123"] = "0x1f";                   // key and value strings
  YAML::Node parsed = YAML::Load("{cpus: 0.5, privileged: yes, label: 'on', tagged: !!str 08, <<: {a: b}}");
  for (const auto& entry : parsed) tree["override"][entry.first] = entry.second;
  YAML::Emitter out;
  emit_node(out, tree);
  REQUIRE(out.good());
  std::string text = out.c_str();
  CHECK_THAT(text, Catch::Contains("name: \"yes\""));
  CHECK_THAT(text, Catch::Contains("user: \"1000\""));
  CHECK_THAT(text, Catch::Contains("read_only: true"));
  CHECK_THAT(text, Catch::Contains("retries: 3"));
  CHECK_THAT(text, Catch::Contains("\"123\": \"0x1f\""));
  // A user's override keeps its meaning: plain values plain, quoted and !!str ones strings,
  // and its merge key the merge key.
  CHECK_THAT(text, Catch::Contains("cpus: 0.5"));
  CHECK_THAT(text, Catch::Contains("privileged: yes"));
  CHECK_THAT(text, Catch::Contains("label: \"on\""));
  CHECK_THAT(text, Catch::Contains("tagged: \"08\""));
  CHECK_THAT(text, Catch::Contains("<<: {a: b}") || Catch::Contains("<<:\n"));

  CHECK(same_scalar(YAML::Node("1000:1000"), quoted_string("1000:1000")));
  CHECK(same_scalar(YAML::Node("json-file"), plain_value("json-file")));
  CHECK_FALSE(same_scalar(YAML::Node("yes"), plain_value("yes")));  // "yes" against yes (true)
  CHECK_FALSE(same_scalar(YAML::Node("3"), plain_value("3")));
  CHECK_FALSE(same_scalar(YAML::Node("a"), YAML::Node("b")));
}

// The real readers decide: PyYAML (YAML 1.1; what Compose v1 and podman-compose read with) and
// ruamel.yaml (YAML 1.2) must read back every string written, whatever its text. The strings:
// the typed spellings, every string of up to 3 characters over the characters the type rules
// are made of, and random ones over all of printable ASCII.
TEST_CASE("yaml: YAML 1.1 and 1.2 readers read every written string back as that string", "[yaml]") {
  if (run("/usr/bin/python3 -c 'import yaml, ruamel.yaml' 2>&1").exit_code != 0)
    NANOFORGE_SKIP("Debian's python3-yaml and python3-ruamel.yaml are not installed");
  std::set<std::string> unique;
  for (const auto& text : typed_spellings()) unique.insert(text);
  for (const auto& text : all_strings("019bexoyn_.:+-~<= ", 3)) unique.insert(text);
  std::mt19937 random(20260412);
  std::uniform_int_distribution<int> length(0, 16), printable(0x20, 0x7e);
  for (int i = 0; i < 1000; ++i) {
    std::string text;
    for (int n = length(random); n > 0; --n) text += static_cast<char>(printable(random));
    unique.insert(text);
  }
  unique.insert("");
  // Characters a reader refuses raw or takes as a line break: DEL, C0 and C1 controls, NEL,
  // the Unicode line and paragraph separators, a byte-order mark; and ordinary non-ASCII text.
  for (std::string special : {"\x7f", "\x01", "\t", "\r", "\xc2\x85", "\xc2\x9f", "\xe2\x80\xa8", "\xe2\x80\xa9",
                              "\xef\xbb\xbf", "\xc3\xa9", "\xe4\xb8\xad\xe6\x96\x87"}) {
    for (const std::string& text : {special, "a" + special + "b", special + " x", "sk-" + special + "$y"})
      unique.insert(text);
  }
  std::vector<std::string> strings(unique.begin(), unique.end());

  TempDir dir("nanoforge-yaml-strings");
  write_text(dir / "strings.yml", strings_document(strings));
  write_text(dir / "expected.json", nlohmann::json(strings).dump());
  // yaml-cpp first: nanoforge reads its own files back.
  YAML::Node read = YAML::LoadFile((dir / "strings.yml").string());
  REQUIRE(read["list"].size() == strings.size());
  for (std::size_t i = 0; i < strings.size(); ++i) {
    INFO("'" << strings[i] << "'");
    REQUIRE(read["list"][i].IsScalar());
    CHECK(read["list"][i].Scalar() == strings[i]);
  }
  auto checked = run("/usr/bin/python3 " + shell_quote((source_dir() / "tests/tools/yaml_strings_check.py").string()) +
                     " strings " + shell_quote((dir / "strings.yml").string()) + " " +
                     shell_quote((dir / "expected.json").string()));
  INFO(checked.output);
  CHECK(checked.exit_code == 0);
  CHECK_THAT(checked.output, Catch::Contains("PyYAML (YAML 1.1): " + std::to_string(strings.size()) +
                                             " strings checked, 0 differ"));
  CHECK_THAT(checked.output, Catch::Contains("ruamel.yaml (YAML 1.2): " + std::to_string(strings.size()) +
                                             " strings checked, 0 differ"));
}
