// What every build step shares: the spec, the layout it writes into, the step cache, the
// reporter, the layer options, and the record of what each step did.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/reporter.h"
#include "builder/spec/spec.h"
#include "builder/plan/step_cache.h"
#include "oci/layer.h"
#include "oci/layout.h"

namespace nanoforge::builder {

struct StepRecord {
  std::string name;
  bool reused = false;   // a cache hit: nothing was redone
  double seconds = 0;
  std::string reason;    // why it ran: "first run", "etc/greeting changed", ...; empty when reused
};

struct BuildContext {
  const Spec& spec;
  oci::Layout& layout;
  StepCache& cache;
  Reporter& reporter;
  oci::LayerOptions layer_options;
  std::filesystem::path cache_dir;
  StatCache& stat_cache;  // content digests of the files layers are made of
  std::vector<StepRecord> steps;
};

// Times a step, records it in the context and reports it (Reporter::step_result).
class StepTimer {
 public:
  StepTimer(BuildContext& context, std::string name);
  ~StepTimer();
  void reused() { reused_ = true; }
  void ran_because(std::string reason) { reason_ = std::move(reason); }
  void discard() { discarded_ = true; }  // records nothing

 private:
  BuildContext& context_;
  std::string name_;
  std::string reason_;
  bool reused_ = false;
  bool discarded_ = false;
  std::chrono::steady_clock::time_point start_;
};

// A layer as the step cache records it, and back (nullopt for a damaged record).
nlohmann::json layer_record(const oci::Layer& layer);
std::optional<oci::Layer> layer_from_record(const nlohmann::json& record);

// Writes a layer, or reuses the one an identical earlier step wrote (same entries and
// contents, same options) when its blob is still in the layout. When it writes, the step's
// record says which entry (or option) differs from its last run.
oci::Layer build_layer(BuildContext& context, const std::string& step_name, std::vector<oci::LayerEntry> entries);

}  // namespace nanoforge::builder
