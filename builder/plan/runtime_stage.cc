#include "builder/plan/runtime_stage.h"

#include "base/error.h"
#include "base/human_bytes.h"
#include "builder/plan/runtime_image.h"
#include "oci/layer_writer.h"
#include "rootfs/lock_file.h"
#include "rootfs/profiles.h"
#include "rootfs/repository_config.h"
#include "rootfs/rootfs_builder.h"

namespace nanoforge::builder {

namespace fs = std::filesystem;

rootfs::RootfsOptions rootfs_options(const Spec& spec, const BuildOptions& options) {
  const RuntimeSpec& runtime = *spec.runtime;
  rootfs::RootfsOptions result;
  result.profile = runtime.profile;
  result.extra_packages = runtime.packages;
  if (runtime.exclude_given) result.exclusions = runtime.exclude;
  result.slim_rules = rootfs::runtime_slim_rules(runtime.keep);
  result.repository = rootfs::default_repository_config(runtime.suites);
  if (!runtime.mirrors.empty()) {
    // One mirror for every suite, or one per suite in the order of `suites`.
    for (std::size_t i = 0; i < result.repository.suites.size(); ++i)
      result.repository.suites[i].mirror = runtime.mirrors[std::min(i, runtime.mirrors.size() - 1)];
  }
  if (!runtime.snapshot_url.empty()) result.repository.snapshot_url = runtime.snapshot_url;
  result.lock_file = runtime.lock_file;
  result.update_lock = options.update_lock;
  result.fixups.user = {runtime.user, runtime.uid, runtime.gid, runtime.home};
  return result;
}

namespace {

// With a lock in place, the lock and the options decide the runtime layer, so an unchanged
// build finds the layer by this key without touching the archive, the .debs or the tree.
// The rootfs tree's own key is part of it: it covers what the options do not say (the tree's
// format version, the time zone, the slimming rules), so a nanoforge that assembles the tree
// differently does not reuse a layer an older one made.
StepKey runtime_step_key(const BuildContext& context, const BuildOptions& options) {
  const Spec& spec = context.spec;
  StepKey step("runtime");
  step.add_file("lock", spec.runtime->lock_file);
  std::string tree_key;
  try {
    tree_key = rootfs::rootfs_cache_key(rootfs::read_lock_file(spec.runtime->lock_file), rootfs_options(spec, options));
  } catch (const Error&) {
    tree_key = "unreadable lock";  // build_rootfs reports it properly
  }
  step.add("rootfs tree", tree_key)
      .add("profile", spec.runtime->profile)
      .add("user", spec.runtime->user + ":" + std::to_string(spec.runtime->uid) + ":" +
                       std::to_string(spec.runtime->gid) + ":" + spec.runtime->home)
      .add("entrypoint", entrypoint_script(spec.venv ? spec.venv->command : std::vector<std::string>{}))
      .add("layer format", oci::kLayerFormat)
      .add("compression", oci::compression_name(context.layer_options.compression))
      .add("level", context.layer_options.level)
      .add("epoch", context.layer_options.epoch);
  // The profile's packages as this nanoforge defines them, not only its name: a profile that
  // gained a package resolves and builds again.
  for (const auto& package : rootfs::packages_for(spec.runtime->profile, spec.runtime->packages))
    step.add("package", package);
  step.add("exclude-given", spec.runtime->exclude_given ? 1 : 0);
  for (const auto& excluded : spec.runtime->exclude) step.add("exclude", excluded);
  for (const auto& mirror : spec.runtime->mirrors) step.add("mirror", mirror);
  for (const auto& suite : spec.runtime->suites) step.add("suite", suite);
  step.add("snapshot", spec.runtime->snapshot_url);
  return step;
}

}  // namespace

RuntimeStage build_runtime_stage(BuildContext& context, const BuildOptions& options) {
  const Spec& spec = context.spec;
  RuntimeStage stage;
  const std::string layer_name = "runtime layer (Debian " + spec.runtime->profile + ")";
  stage.layer_names.push_back(layer_name);
  const std::string step_id = spec.file.string() + "\nruntime";
  std::string why = options.update_lock ? "--update-lock" : "no lock file yet";
  if (!options.update_lock && fs::exists(spec.runtime->lock_file)) {
    StepTimer timer(context, layer_name);
    const StepKey key = runtime_step_key(context, options);
    if (auto record = context.cache.get(key.digest())) {
      auto layer = layer_from_record(*record);
      if (layer && context.layout.blobs().contains(layer->descriptor.digest)) {
        timer.reused();
        context.cache.note_reuse(step_id, key.digest());
        stage.layers.push_back(*layer);
        stage.package_count = record->value("packages", std::size_t{0});
        return stage;
      }
    }
    why = context.cache.explain_run(step_id, key.inputs(), "same inputs as its last run, whose layer is no longer cached");
    timer.discard();  // a miss: the rootfs and layer steps below are timed on their own
  }

  rootfs::RootfsResult rootfs;
  {
    StepTimer timer(context, "rootfs (Debian " + spec.runtime->profile + ")");
    rootfs = rootfs::build_rootfs(rootfs_options(spec, options), context.cache_dir, context.reporter.progress());
    if (rootfs.reused) timer.reused();
    else timer.ran_because(why);
  }
  context.reporter.info("rootfs: " + std::to_string(rootfs.packages.size()) + " packages, " +
                       std::to_string(rootfs.file_count) + " entries, " + human_bytes(rootfs.installed_bytes) +
                       " installed, " + std::to_string(rootfs.ca_certificates) + " CA certificates, " +
                       std::to_string(rootfs.alternatives.size()) + " alternatives");
  for (const auto& note : rootfs.notes) context.reporter.warn("rootfs: " + note);
  auto entries = std::move(rootfs.entries);
  entries.push_back(entrypoint_entry(spec.venv ? spec.venv->command : std::vector<std::string>{}));
  auto layer = build_layer(context, layer_name, std::move(entries));
  stage.layers.push_back(layer);
  stage.package_count = rootfs.packages.size();
  if (fs::exists(spec.runtime->lock_file)) {
    auto record = layer_record(layer);
    record["packages"] = stage.package_count;
    context.cache.put(runtime_step_key(context, options).digest(), record);
  }
  return stage;
}

}  // namespace nanoforge::builder
