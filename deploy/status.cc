#include "deploy/status.h"

#include <curl/curl.h>

#include <cmath>
#include <future>
#include <cstdio>
#include <map>
#include <sstream>

#include "base/error.h"
#include "base/human_bytes.h"
#include "deploy/app_log.h"

namespace nanoforge::deploy {

using nlohmann::json;

bool probe_health(int port, long timeout_ms) {
  CURL* curl = curl_easy_init();
  if (!curl) return false;
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/health";
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");  // a proxy from the environment must not answer for us
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION,
                   +[](char*, size_t size, size_t count, void*) -> size_t { return size * count; });
  CURLcode code = curl_easy_perform(curl);
  long http_status = 0;
  if (code == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http_status);
  curl_easy_cleanup(curl);
  return code == CURLE_OK && http_status == 200;
}

std::optional<std::uint64_t> parse_memory_size(const std::string& text) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (...) {
    return std::nullopt;
  }
  std::string unit = text.substr(used);
  while (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
  static const std::map<std::string, double> factors = {
      {"", 1},         {"B", 1},       {"kB", 1e3},           {"KB", 1e3},           {"MB", 1e6},
      {"GB", 1e9},     {"TB", 1e12},   {"KiB", 1024.0},       {"MiB", 1048576.0},    {"GiB", 1073741824.0},
      {"TiB", 1099511627776.0}};
  auto factor = factors.find(unit);
  if (factor == factors.end()) return std::nullopt;
  return static_cast<std::uint64_t>(std::llround(value * factor->second));
}

namespace {

// Enough for a restart loop's last run and a start's provider and channel lines.
constexpr int kLogLines = 200;
constexpr std::size_t kParallelLogReads = 8;

struct Usage {
  std::optional<double> cpu;
  std::optional<std::uint64_t> used, limit;
};

void read_usage(const std::string& cpu_text, const std::string& memory_text, Usage& usage) {
  try {
    usage.cpu = std::stod(cpu_text);
  } catch (...) {
  }
  auto slash = memory_text.find('/');
  if (slash != std::string::npos) {
    std::string used = memory_text.substr(0, slash), limit = memory_text.substr(slash + 1);
    while (!used.empty() && used.back() == ' ') used.pop_back();
    while (!limit.empty() && limit.front() == ' ') limit.erase(0, 1);
    usage.used = parse_memory_size(used);
    usage.limit = parse_memory_size(limit);
  }
}

std::map<std::string, Usage> engine_usage(const ComposeProject& project, const std::vector<std::string>& names) {
  std::map<std::string, Usage> usage;
  if (names.empty()) return usage;
  bool podman = project.engine().kind == EngineKind::podman;
  std::vector<std::string> argv{project.engine().cli, "stats", "--no-stream", "--format",
                                podman ? "json" : "{{json .}}"};
  argv.insert(argv.end(), names.begin(), names.end());
  ProcessResult result = run_engine_command(argv, kEngineQuerySeconds);
  if (!result.ok()) return usage;  // a container stopped meanwhile; usage stays unknown
  try {
    if (podman) {
      for (const auto& entry : json::parse(result.output.empty() ? "[]" : result.output))
        read_usage(entry.value("cpu_percent", ""), entry.value("mem_usage", ""), usage[entry.value("name", "")]);
    } else {
      std::istringstream lines(result.output);
      std::string line;
      while (std::getline(lines, line)) {
        if (line.empty()) continue;
        json entry = json::parse(line);
        read_usage(entry.value("CPUPerc", ""), entry.value("MemUsage", ""), usage[entry.value("Name", "")]);
      }
    }
  } catch (const json::exception&) {
    return {};
  }
  return usage;
}

}  // namespace

std::string InstanceStatus::condition() const {
  if (state == "running" && health == "healthy" && api_port && !(api_state == "running" && api_health == "healthy"))
    return api_state == "running" ? "api-unhealthy" : "api-" + api_state;
  if (state == "running" && health == "healthy") return provider_unconfigured ? "provider-not-configured" : "ready";
  if (state == "running") return "unhealthy";
  return state;
}

std::vector<InstanceStatus> collect_status(const Deployment& deployment, const ComposeProject* project) {
  std::vector<Instance> instances = deployment.load_instances();
  std::map<std::string, ContainerState> states;
  if (project) states = project->container_states();
  std::vector<InstanceStatus> statuses;
  std::vector<std::string> running;
  for (const auto& instance : instances) {
    InstanceStatus status;
    status.name = instance.name;
    status.port = instance.port;
    if (auto found = states.find(instance.container_name()); found != states.end()) {
      status.state = found->second.state;
      status.engine_health = found->second.health;
    }
    if (status.state == "running") {
      status.health = probe_health(instance.port) ? "healthy" : "unhealthy";
      running.push_back(instance.container_name());
    }
    status.webui_port = instance.webui_port;
    if (instance.api_port) {
      status.api_port = instance.api_port;
      if (auto found = states.find(instance.api_container_name()); found != states.end())
        status.api_state = found->second.state;
      if (status.api_state == "running") status.api_health = probe_health(*instance.api_port) ? "healthy" : "unhealthy";
    }
    statuses.push_back(status);
  }
  if (project) {
    // The app's own account of itself: a few engine calls at once, not one after another.
    std::vector<std::future<void>> reads;
    for (auto& status : statuses) {
      if (status.state == "absent") continue;
      reads.push_back(std::async(std::launch::async, [&status, project] {
        auto diagnosis = diagnose_app_log(project->log_tail(container_name_of(status.name), kLogLines));
        status.provider_unconfigured = diagnosis.provider_unconfigured;
        status.reason = diagnosis.failure;
      }));
      if (reads.size() == kParallelLogReads) {
        for (auto& read : reads) read.get();
        reads.clear();
      }
    }
    for (auto& read : reads) read.get();
    auto usage = engine_usage(*project, running);
    for (auto& status : statuses) {
      auto found = usage.find(container_name_of(status.name));
      if (found == usage.end()) continue;
      status.cpu_percent = found->second.cpu;
      status.memory_used = found->second.used;
      status.memory_limit = found->second.limit;
    }
  }
  return statuses;
}

std::string format_status_table(const std::vector<InstanceStatus>& statuses) {
  std::ostringstream out;
  char line[256];
  std::snprintf(line, sizeof line, "   %-20s %-6s %-10s %-10s %8s  %s\n", "INSTANCE", "PORT", "STATE", "HEALTH",
                "CPU %", "MEM USAGE / LIMIT");
  out << line;
  for (const auto& status : statuses) {
    std::string cpu = status.cpu_percent ? [&] {
      char text[32];
      std::snprintf(text, sizeof text, "%.2f%%", *status.cpu_percent);
      return std::string(text);
    }()
                                         : "-";
    std::string memory = "-";
    if (status.memory_used)
      memory = human_bytes(*status.memory_used, ByteUnits::binary) + " / " +
               (status.memory_limit ? human_bytes(*status.memory_limit, ByteUnits::binary) : std::string("-"));
    std::snprintf(line, sizeof line, " %s %-20s %-6d %-10s %-10s %8s  %s\n",
                  !status.ok() ? "✗" : status.provider_unconfigured ? "!" : "✓", status.name.c_str(), status.port,
                  status.state.c_str(), status.health.c_str(), cpu.c_str(), memory.c_str());
    out << line;
    // What the app says, under its row: the state a user must act on.
    if (status.ok() && status.provider_unconfigured)
      out << "     provider not configured: set the API key in instances/" << status.name << "/.env"
          << (status.webui_port ? " (or a provider in the WebUI's Settings, port " + std::to_string(*status.webui_port) + ")"
                                : std::string())
          << ", then nanoforge up " << status.name << "\n";
    if (!status.reason.empty()) out << "     " << status.reason << "\n";
    if (status.api_port)
      out << "     API on port " << *status.api_port << ": " << status.api_state
          << (status.api_state == "running" ? ", " + status.api_health : std::string()) << "\n";
  }
  return out.str();
}

json status_json(const std::vector<InstanceStatus>& statuses) {
  json list = json::array();
  for (const auto& status : statuses) {
    json entry = {{"name", status.name},     {"port", status.port},     {"state", status.state},
                  {"health", status.health}, {"ok", status.ok()},       {"cpuPercent", nullptr},
                  {"memoryUsedBytes", nullptr}, {"memoryLimitBytes", nullptr}};
    entry["condition"] = status.condition();
    entry["providerConfigured"] = status.ok() ? json(!status.provider_unconfigured) : json();
    if (!status.reason.empty()) entry["reason"] = status.reason;
    if (!status.engine_health.empty()) entry["engineHealth"] = status.engine_health;
    if (status.cpu_percent) entry["cpuPercent"] = *status.cpu_percent;
    if (status.memory_used) entry["memoryUsedBytes"] = *status.memory_used;
    if (status.memory_limit) entry["memoryLimitBytes"] = *status.memory_limit;
    if (status.api_port)
      entry["api"] = {{"port", *status.api_port}, {"state", status.api_state}, {"health", status.api_health}};
    list.push_back(entry);
  }
  return list;
}

}  // namespace nanoforge::deploy
