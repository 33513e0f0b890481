#include "builder/plan/build_context.h"

#include "oci/layer_writer.h"

namespace nanoforge::builder {

StepTimer::StepTimer(BuildContext& context, std::string name)
    : context_(context), name_(std::move(name)), start_(std::chrono::steady_clock::now()) {}

StepTimer::~StepTimer() {
  if (discarded_) return;
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  context_.steps.push_back({name_, reused_, seconds, reused_ ? std::string() : reason_});
  context_.reporter.step_result(name_, reused_, seconds);
}

nlohmann::json layer_record(const oci::Layer& layer) {
  return {{"descriptor", oci::to_json(layer.descriptor)},
          {"diffId", layer.diff_id.str()},
          {"uncompressedSize", layer.uncompressed_size}};
}

std::optional<oci::Layer> layer_from_record(const nlohmann::json& record) {
  try {
    oci::Layer layer;
    layer.descriptor = oci::descriptor_from_json(record.at("descriptor"), "step cache");
    layer.diff_id = Digest::parse(record.at("diffId").get<std::string>());
    layer.uncompressed_size = record.at("uncompressedSize").get<std::uint64_t>();
    return layer;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

oci::Layer build_layer(BuildContext& context, const std::string& step_name, std::vector<oci::LayerEntry> entries) {
  StepTimer timer(context, step_name);
  const auto& options = context.layer_options;
  StepKey step_key("layer");
  step_key.add("format", oci::kLayerFormat)
      .add("compression", oci::compression_name(options.compression))
      .add("level", options.level)
      .add("epoch", options.epoch)
      .add_entries(entries, context.stat_cache);
  const auto key = step_key.digest();
  const std::string step_id = context.spec.file.string() + "\n" + step_name;
  if (auto record = context.cache.get(key)) {
    auto layer = layer_from_record(*record);
    // Verify, then trust: the blob must still be there with the size recorded.
    if (layer && context.layout.blobs().contains(layer->descriptor.digest) &&
        context.layout.blobs().size_of(layer->descriptor.digest) == layer->descriptor.size) {
      timer.reused();
      context.cache.note_reuse(step_id, key);
      return *layer;
    }
  }
  timer.ran_because(context.cache.explain_run(step_id, step_key.inputs(),
                                              "same inputs as its last run, whose layer is no longer cached"));
  auto reported_progress = context.reporter.progress();
  auto progress = [&](const ProgressEvent& event) {
    auto named = event;
    named.step = step_name;
    reported_progress(named);
  };
  auto layer = oci::write_layer(context.layout.blobs(), std::move(entries), options, progress);
  context.cache.put(key, layer_record(layer));
  return layer;
}

}  // namespace nanoforge::builder
