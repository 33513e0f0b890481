#include "builder/spec/spec.h"

#include <algorithm>
#include <cstdlib>
#include <regex>

#include "builder/spec/yaml_reader.h"
#include "base/error.h"
#include "base/joined.h"
#include "rootfs/profiles.h"
#include "rootfs/repository_config.h"

namespace nanoforge::builder {

namespace fs = std::filesystem;

namespace {

// Compiled on first use: at namespace scope every nanoforge command, even `instance create`,
// paid for compiling them at start-up.
const std::regex& env_name_pattern() {
  static const std::regex pattern("[A-Za-z_][A-Za-z0-9_]*");
  return pattern;
}
const std::regex& tag_pattern() {
  static const std::regex pattern("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
  return pattern;
}
const std::regex& image_name_pattern() {
  static const std::regex pattern("[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*(/[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*)*");
  return pattern;
}

std::string position_of(const YamlReader& reader, const std::string& key) {
  auto where = reader.where(key);
  return where.substr(0, where.find(": "));
}

// A path beside the spec: relative, and not escaping the spec's directory.
fs::path contained_path(const YamlReader& reader, const std::string& key, const fs::path& base) {
  auto text = reader.string(key);
  fs::path path(text);
  if (path.is_absolute()) reader.fail(key, "'" + text + "' must be relative to the spec's directory");
  auto resolved = (base / path).lexically_normal();
  auto relative = resolved.lexically_relative(base);
  if (relative.empty() || *relative.begin() == "..")
    reader.fail(key, "'" + text + "' escapes the spec's directory " + base.string());
  return resolved;
}

// A path the user may place anywhere (outputs, interpreters): relative ones start at `base`.
fs::path any_path(const std::string& text, const fs::path& base) {
  fs::path path(text);
  return (path.is_absolute() ? path : base / path).lexically_normal();
}

std::vector<oci::OwnerRule> read_owners(const YamlReader& layer) {
  std::vector<oci::OwnerRule> rules;
  for (const auto& rule : layer.list("owners")) {
    rule.only_keys({"path", "uid", "gid"});
    auto uid = rule.integer_or("uid", 0), gid = rule.integer_or("gid", 0);
    if (uid < 0 || uid > 0x7fffffff) rule.fail("uid", "must be between 0 and 2147483647");
    if (gid < 0 || gid > 0x7fffffff) rule.fail("gid", "must be between 0 and 2147483647");
    rules.push_back({oci::normalize_image_path(rule.string("path"), rule.where("path")),
                     static_cast<std::uint32_t>(uid), static_cast<std::uint32_t>(gid)});
  }
  return rules;
}

std::string read_port(const YamlReader& reader, const std::string& key, const std::string& text) {
  static const std::regex port_form("([0-9]{1,5})(/(tcp|udp))?");
  std::smatch match;
  if (!std::regex_match(text, match, port_form) || std::stoi(match[1]) < 1 || std::stoi(match[1]) > 65535)
    reader.fail(key, "'" + text + "' is not a port: expected 1-65535, optionally with /tcp or /udp");
  return match[1].str() + "/" + (match[3].matched ? match[3].str() : "tcp");
}

oci::Healthcheck read_healthcheck(const YamlReader& reader) {
  reader.only_keys({"test", "interval", "timeout", "start_period", "retries"});
  oci::Healthcheck check;
  check.test = reader.strings("test");
  if (check.test.empty()) reader.fail("test", "is required (e.g. [CMD, /bin/true])");
  if (check.test[0] != "CMD" && check.test[0] != "CMD-SHELL" && check.test[0] != "NONE")
    reader.fail("test", "must start with CMD, CMD-SHELL or NONE");
  check.interval_ns = parse_duration(reader.string_or("interval", "30s"), reader.where("interval"));
  check.timeout_ns = parse_duration(reader.string_or("timeout", "5s"), reader.where("timeout"));
  check.start_period_ns = parse_duration(reader.string_or("start_period", "5s"), reader.where("start_period"));
  check.retries = static_cast<int>(reader.integer_or("retries", 3));
  if (check.retries < 0) reader.fail("retries", "must not be negative");
  return check;
}

oci::ImageConfig read_image_config(const YamlReader& reader) {
  reader.only_keys({"user", "env", "entrypoint", "cmd", "workdir", "ports", "volumes", "labels",
                    "stop_signal", "healthcheck"});
  oci::ImageConfig config;
  config.user = reader.string_or("user", "");
  for (const auto& [name, value] : reader.string_map("env")) {
    if (!std::regex_match(name, env_name_pattern()))
      reader.fail("env", "'" + name + "' is not a valid environment variable name");
    config.env.push_back(name + "=" + value);
  }
  config.entrypoint = reader.strings("entrypoint");
  config.cmd = reader.strings("cmd");
  config.working_dir = reader.string_or("workdir", "");
  if (!config.working_dir.empty() && config.working_dir.front() != '/')
    reader.fail("workdir", "must be an absolute path inside the image");
  for (const auto& port : reader.strings("ports")) config.exposed_ports.push_back(read_port(reader, "ports", port));
  for (const auto& volume : reader.strings("volumes")) {
    if (volume.empty() || volume.front() != '/') reader.fail("volumes", "'" + volume + "' must be an absolute path");
    config.volumes.push_back(volume);
  }
  config.labels = reader.string_map("labels");
  config.stop_signal = reader.string_or("stop_signal", "");
  if (auto check = reader.optional_child("healthcheck")) config.healthcheck = read_healthcheck(*check);
  return config;
}

ImageSpec read_image(const YamlReader& reader, const fs::path& base) {
  reader.only_keys({"name", "tags", "layers", "config"});
  ImageSpec image;
  image.name = reader.string("name");
  if (!std::regex_match(image.name, image_name_pattern()))
    reader.fail("name", "'" + image.name + "' is not a valid image name (lowercase letters, digits, . _ - and /)");
  image.tags = reader.strings("tags");
  if (image.tags.empty()) image.tags = {"latest"};
  for (const auto& tag : image.tags)
    if (!std::regex_match(tag, tag_pattern())) reader.fail("tags", "'" + tag + "' is not a valid tag");
  for (const auto& layer : reader.list("layers")) {
    layer.only_keys({"source", "destination", "owners"});
    LayerSpec spec;
    spec.source = contained_path(layer, "source", base);
    std::error_code error;
    auto status = fs::status(spec.source, error);
    if (!fs::exists(status)) layer.fail("source", "'" + spec.source.string() + "' does not exist");
    if (!fs::is_directory(status) && !fs::is_regular_file(status))
      layer.fail("source", "'" + spec.source.string() + "' is neither a directory nor a tarball");
    spec.destination = oci::normalize_image_path(layer.string_or("destination", "/"), layer.where("destination"));
    spec.owners = read_owners(layer);
    spec.where = position_of(layer, "source");
    image.layers.push_back(std::move(spec));
  }
  if (image.layers.empty()) reader.fail("layers", "an image needs at least one layer");
  if (auto config = reader.optional_child("config")) image.config = read_image_config(*config);
  return image;
}

RuntimeSpec read_runtime(const YamlReader& reader, const fs::path& base) {
  reader.only_keys({"profile", "packages", "exclude", "keep", "debian", "user", "port"});
  RuntimeSpec runtime;
  runtime.profile = reader.string_or("profile", runtime.profile);
  const auto profiles = rootfs::profile_names();
  if (std::find(profiles.begin(), profiles.end(), runtime.profile) == profiles.end()) {
    reader.fail("profile", "'" + runtime.profile + "' is not a profile (expected " + joined(profiles) + ")");
  }
  runtime.packages = reader.strings("packages");
  runtime.exclude_given = reader.has("exclude");
  runtime.exclude = reader.strings("exclude");
  runtime.keep = reader.strings("keep");
  for (const auto& pattern : runtime.keep)
    if (!pattern.starts_with("/"))
      reader.fail("keep", "'" + pattern + "' is not an absolute path glob (e.g. /usr/lib/*/gconv/*)");
  runtime.lock_file = base / "nanoforge.debian.lock";
  if (auto debian = reader.optional_child("debian")) {
    debian->only_keys({"mirrors", "suites", "snapshot", "lock"});
    runtime.mirrors = debian->strings("mirrors");
    runtime.suites = debian->strings("suites");
    for (const auto& suite : runtime.suites)
      if (suite == "stable" || suite == "testing" || suite == "oldstable")
        debian->fail("suites", "name the release by codename (e.g. bookworm), not '" + suite + "'");
    runtime.snapshot_url = debian->string_or("snapshot", "");
    // One lock a release: a spec switched between bookworm and trixie keeps both.
    if (!runtime.suites.empty() && runtime.suites != rootfs::default_suites()) {
      std::string codename = runtime.suites.front().substr(0, runtime.suites.front().find('-'));
      runtime.lock_file = base / ("nanoforge.debian." + codename + ".lock");
    }
    if (debian->has("lock")) runtime.lock_file = any_path(debian->string("lock"), base);
  }
  if (auto user = reader.optional_child("user")) {
    user->only_keys({"name", "uid", "gid", "home"});
    runtime.user = user->string_or("name", runtime.user);
    runtime.uid = static_cast<std::uint32_t>(user->integer_or("uid", runtime.uid));
    runtime.gid = static_cast<std::uint32_t>(user->integer_or("gid", runtime.gid));
    runtime.home = user->string_or("home", runtime.home);
    if (runtime.uid == 0) user->fail("uid", "the runtime user must not be root");
  }
  runtime.port = static_cast<int>(reader.integer_or("port", runtime.port));
  if (runtime.port < 1 || runtime.port > 65535) reader.fail("port", "must be between 1 and 65535");
  return runtime;
}

VenvSpec read_venv(const YamlReader& reader, const fs::path& base) {
  reader.only_keys({"python", "project", "module", "command", "pip", "extras", "requirements",
                    "build_env", "prune", "strip", "output", "lock", "webui"});
  VenvSpec venv;
  if (auto python = reader.optional_child("python")) {
    python->only_keys({"version", "prefix", "url", "sha256"});
    venv.python_version = python->string_or("version", venv.python_version);
    if (python->has("prefix")) venv.python = any_path(python->string("prefix"), base).string();
    venv.python_url = python->string_or("url", "");
    venv.python_sha256 = python->string_or("sha256", "");
    if (!venv.python_url.empty() && venv.python_sha256.empty())
      python->fail("sha256", "is required with 'url': a downloaded interpreter is verified before use");
  }
  venv.project = contained_path(reader, "project", base);
  if (!fs::is_directory(venv.project))
    reader.fail("project", "'" + venv.project.string() + "' is not a directory");
  if (!fs::exists(venv.project / "pyproject.toml"))
    reader.fail("project", "'" + venv.project.string() + "' has no pyproject.toml");
  venv.module = reader.string("module");
  venv.command = reader.strings("command");
  if (venv.command.empty()) reader.fail("command", "is required: what the image's entrypoint starts");
  if (auto pip = reader.optional_child("pip")) {
    pip->only_keys({"index_url", "extra_index_urls", "find_links", "no_index"});
    venv.index_url = pip->string_or("index_url", "");
    venv.extra_index_urls = pip->strings("extra_index_urls");
    for (const auto& link : pip->strings("find_links"))
      venv.find_links.push_back(link.find("://") != std::string::npos ? link : any_path(link, base).string());
    venv.no_index = pip->boolean_or("no_index", false);
  }
  venv.extras = reader.strings("extras");
  venv.requirements = reader.strings("requirements");
  venv.build_env = reader.string_map("build_env");
  venv.prune = reader.strings("prune");
  venv.strip = reader.boolean_or("strip", true);
  venv.output = any_path(reader.string_or("output", "venv"), base);
  venv.lock_file = any_path(reader.string_or("lock", "requirements.lock"), base);
  if (reader.has("webui")) {
    try {
      venv.webui.mode = venv::parse_webui_mode(reader.string("webui"), "webui");
    } catch (const Error& error) {
      reader.fail("webui", std::string(error.what()).substr(std::string("webui: ").size()));
    }
  }
  return venv;
}

}  // namespace

std::int64_t parse_duration(const std::string& text, const std::string& where) {
  static const std::regex part("([0-9]+)(ns|us|ms|s|m|h)");
  if (text.empty()) throw Error(where + "empty duration");
  std::int64_t total = 0;
  auto begin = std::sregex_iterator(text.begin(), text.end(), part);
  std::size_t consumed = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    if (static_cast<std::size_t>(it->position()) != consumed) break;
    consumed += it->length();
    std::int64_t value = std::stoll((*it)[1]);
    auto unit = (*it)[2].str();
    std::int64_t scale = unit == "ns" ? 1 : unit == "us" ? 1'000 : unit == "ms" ? 1'000'000
                        : unit == "s" ? 1'000'000'000 : unit == "m" ? 60'000'000'000 : 3'600'000'000'000;
    total += value * scale;
  }
  if (consumed != text.size())
    throw Error(where + "'" + text + "' is not a duration (e.g. 30s, 1m30s, 500ms)");
  return total;
}

std::uint64_t parse_size(const std::string& text, const std::string& where) {
  static const std::regex form("([0-9]+(\\.[0-9]+)?)\\s*(|B|k|kB|K|KB|KiB|M|MB|MiB|G|GB|GiB)");
  std::smatch match;
  if (!std::regex_match(text, match, form))
    throw Error(where + "'" + text + "' is not a size (e.g. 50MB, 20MiB, 1G)");
  double value = std::stod(match[1]);
  auto unit = match[3].str();
  double scale = 1;
  if (unit == "k" || unit == "kB" || unit == "K" || unit == "KB") scale = 1e3;
  else if (unit == "KiB") scale = 1024;
  else if (unit == "M" || unit == "MB") scale = 1e6;
  else if (unit == "MiB") scale = 1024.0 * 1024;
  else if (unit == "G" || unit == "GB") scale = 1e9;
  else if (unit == "GiB") scale = 1024.0 * 1024 * 1024;
  return static_cast<std::uint64_t>(value * scale);
}

Spec load_spec(const fs::path& file) {
  std::error_code error;
  if (fs::is_directory(file, error)) throw Error("spec " + file.string() + " is a directory, not a YAML file");
  if (!fs::exists(file, error))
    throw Error("spec file " + file.string() + " does not exist (give one with -f FILE)");
  Spec spec;
  spec.file = fs::absolute(file).lexically_normal();
  spec.directory = spec.file.parent_path();
  auto root_node = YamlReader::load_file(spec.file.string());
  if (!root_node || root_node.IsNull()) throw Error(spec.file.string() + ": the spec is empty");
  YamlReader root(spec.file.string(), root_node);
  root.only_keys({"name", "version", "epoch", "compression", "level", "runtime", "venv", "images", "budgets"});

  spec.name = root.string_or("name", spec.name);
  if (!std::regex_match(spec.name, image_name_pattern())) root.fail("name", "'" + spec.name + "' is not a valid image name");
  spec.version = root.string_or("version", spec.version);
  if (!std::regex_match(spec.version, tag_pattern())) root.fail("version", "'" + spec.version + "' is not a valid tag");
  spec.epoch = root.integer_or("epoch", 0);
  if (spec.epoch < 0) root.fail("epoch", "must not be negative");
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch && *epoch) {
    try {
      spec.epoch = std::stoll(epoch);
    } catch (const std::exception&) {
      throw Error("SOURCE_DATE_EPOCH='" + std::string(epoch) + "' is not a number of seconds");
    }
  }
  try {
    spec.compression = oci::parse_compression(root.string_or("compression", "gzip"));
  } catch (const Error& failure) {
    root.fail("compression", failure.what());
  }
  spec.level = static_cast<int>(root.integer_or("level", -1));
  if (auto runtime = root.optional_child("runtime")) spec.runtime = read_runtime(*runtime, spec.directory);
  if (auto venv = root.optional_child("venv")) spec.venv = read_venv(*venv, spec.directory);
  for (const auto& image : root.list("images")) spec.images.push_back(read_image(image, spec.directory));
  if (spec.runtime && spec.runtime->profile == "nanobot") {
    // git and the Perl it needs are most of it: measured 151.4 MB unpacked, 52.9 MB compressed
    // on bookworm (README.md, "Debian releases, alternatives and what is left out").
    spec.budgets.runtime_uncompressed = 160'000'000;
    spec.budgets.runtime_compressed = 56'000'000;
  }
  if (auto budgets = root.optional_child("budgets")) {
    budgets->only_keys({"runtime_uncompressed", "runtime_compressed", "venv"});
    auto size = [&](const std::string& key, std::uint64_t fallback) {
      return budgets->has(key) ? parse_size(budgets->string(key), budgets->where(key)) : fallback;
    };
    spec.budgets.runtime_uncompressed = size("runtime_uncompressed", spec.budgets.runtime_uncompressed);
    spec.budgets.runtime_compressed = size("runtime_compressed", spec.budgets.runtime_compressed);
    spec.budgets.venv = size("venv", spec.budgets.venv);
  }
  if (!spec.runtime && !spec.venv && spec.images.empty())
    throw Error(spec.file.string() + ": nothing to build: the spec has no 'runtime', 'venv' or 'images'");
  return spec;
}

}  // namespace nanoforge::builder
