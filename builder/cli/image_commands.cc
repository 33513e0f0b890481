// `nanoforge images`, `inspect`, `export`, `gc`: looking at and moving what the layout holds.
#include <sstream>

#include <nlohmann/json.hpp>

#include "builder/cli/commands.h"
#include "builder/cli/console.h"
#include "oci/docker_archive.h"
#include "base/error.h"
#include "oci/layout.h"

namespace nanoforge::builder {

namespace {

void inspect(const GlobalOptions& options, const std::string& reference_text, Console& console) {
  auto layout = existing_layout(options);
  auto reference = ImageReference::parse(reference_text);
  auto image = layout.load(reference);
  if (options.json) {
    nlohmann::json layers = nlohmann::json::array();
    for (std::size_t i = 0; i < image.layers.size(); ++i)
      layers.push_back({{"mediaType", image.layers[i].media_type},
                        {"digest", image.layers[i].digest.str()},
                        {"size", image.layers[i].size},
                        {"diffId", i < image.diff_ids.size() ? image.diff_ids[i].str() : ""}});
    nlohmann::json out = {{"reference", reference.str()},
                          {"digest", image.manifest.digest.str()},
                          {"manifest", image.manifest_json},
                          {"config", image.config_json},
                          {"layers", layers}};
    console.json(out);
    return;
  }
  const auto& config = image.config_json.value("config", nlohmann::json::object());
  auto join = [](const nlohmann::json& list) {
    std::string text;
    if (list.is_array())
      for (const auto& item : list) text += (text.empty() ? "" : " ") + item.get<std::string>();
    return text;
  };
  std::ostringstream out;
  out << "Image:        " << reference.str() << "\n"
      << "Digest:       " << image.manifest.digest.str() << "\n"
      << "Config:       " << image.config.digest.str() << "\n"
      << "Platform:     " << image.config_json.value("os", "") << "/" << image.config_json.value("architecture", "") << "\n"
      << "Created:      " << image.config_json.value("created", "") << "\n"
      << "User:         " << config.value("User", "") << "\n"
      << "Entrypoint:   " << join(config.value("Entrypoint", nlohmann::json::array())) << "\n"
      << "Cmd:          " << join(config.value("Cmd", nlohmann::json::array())) << "\n"
      << "WorkingDir:   " << config.value("WorkingDir", "") << "\n";
  if (config.contains("Env"))
    for (const auto& variable : config["Env"]) out << "Env:          " << variable.get<std::string>() << "\n";
  if (config.contains("ExposedPorts"))
    for (const auto& [port, unused] : config["ExposedPorts"].items()) out << "ExposedPort:  " << port << "\n";
  if (config.contains("Healthcheck")) out << "Healthcheck:  " << join(config["Healthcheck"].value("Test", nlohmann::json::array())) << "\n";
  std::vector<std::vector<std::string>> rows;
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < image.layers.size(); ++i) {
    total += image.layers[i].size;
    rows.push_back({std::to_string(i + 1), image.layers[i].digest.str(), human_bytes(image.layers[i].size),
                    image.layers[i].media_type});
  }
  out << "\n" << format_table({"#", "LAYER DIGEST", "SIZE", "MEDIA TYPE"}, rows);
  out << "\n" << image.layers.size() << " layers, " << human_bytes(total) << " compressed\n";
  console.out(out.str());
}

}  // namespace

void add_image_commands(CLI::App& app, GlobalOptions& options) {
  auto* images = app.add_subcommand("images", "List the tagged images in the OCI layout");
  images->callback([&options] {
    Console console(options.quiet, options.json);
    auto layout = existing_layout(options);
    nlohmann::json list = nlohmann::json::array();
    std::vector<std::vector<std::string>> rows;
    for (const auto& [reference, descriptor] : layout.list()) {
      list.push_back({{"reference", reference.str()}, {"digest", descriptor.digest.str()}});
      rows.push_back({reference.str(), descriptor.digest.str()});
    }
    console.json(list);
    console.out(format_table({"IMAGE", "DIGEST"}, rows));
  });

  auto reference = std::make_shared<std::string>();
  auto* inspect_command = app.add_subcommand("inspect", "Show an image's manifest, config and layers");
  inspect_command->add_option("image", *reference, "NAME:TAG in the layout")->required();
  inspect_command->callback([&options, reference] {
    Console console(options.quiet, options.json);
    inspect(options, *reference, console);
  });

  auto export_reference = std::make_shared<std::string>();
  auto export_output = std::make_shared<std::string>();
  auto* export_command = app.add_subcommand("export", "Write an image as a docker-archive for `docker load` / `podman load`");
  export_command->add_option("image", *export_reference, "NAME:TAG in the layout")->required();
  export_command->add_option("--docker-archive", *export_output, "Output tarball")->required();
  export_command->callback([&options, export_reference, export_output] {
    Console console(options.quiet, options.json);
    auto layout = existing_layout(options);
    auto parsed = ImageReference::parse(*export_reference);
    layout.resolve(parsed);  // a missing tag fails before anything is written
    oci::export_docker_archive(layout, {parsed}, *export_output, console.progress());
    console.info("wrote " + *export_output);
    console.json({{"image", parsed.str()}, {"dockerArchive", *export_output}});
  });

  auto* gc = app.add_subcommand("gc", "Remove blobs no tagged image references");
  gc->callback([&options] {
    Console console(options.quiet, options.json);
    auto layout = existing_layout(options);
    auto freed = layout.gc();
    console.json({{"freedBytes", freed}});
    if (!options.json) console.info("freed " + human_bytes(freed));
  });
}

}  // namespace nanoforge::builder
