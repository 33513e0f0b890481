// `nanoforge push`, `pull` and `login`: moving images between the OCI layout and registries.
#include <iostream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "builder/cli/commands.h"
#include "builder/cli/console.h"
#include "builder/publish/registry_push.h"
#include "base/error.h"
#include "oci/layout.h"
#include "oci/registry/pull.h"
#include "oci/registry/client.h"

namespace nanoforge::builder {

namespace {

struct PushArguments {
  std::string local;
  std::string remote;
  bool all_tags = false;
  std::vector<std::string> also_tags;
  std::string digest_file;
  RegistryFlags flags;
};

void push(const GlobalOptions& options, const PushArguments& arguments) {
  Console console(options.quiet, options.json);
  auto local = ImageReference::parse(arguments.local);
  auto remote = RemoteReference::parse(arguments.remote);
  for (const auto& tag : arguments.also_tags)
    if (!is_valid_tag(tag))
      throw Error("invalid --also-tag '" + tag + "': a tag must match [A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
  auto layout = existing_layout(options);

  PushList pushes;
  if (arguments.all_tags) {
    for (const auto& [reference, descriptor] : layout.list())
      if (reference.name == local.name) pushes.emplace_back(reference, remote.with_tag(reference.tag));
    if (pushes.empty()) throw Error("no image named " + local.name + " in " + layout.directory().string());
  } else {
    layout.resolve(local);  // a clear "not found (has: ...)" before any network traffic
    pushes.emplace_back(local, remote);
  }

  auto settings = push_settings(options, arguments.flags);
  settings.also_tags = arguments.also_tags;
  settings.digest_file = arguments.digest_file;
  auto report = push_and_report(console, layout, pushes, settings);
  console.json(report.size() == 1 ? report[0] : report);
  for (const auto& pushed : report) console.out(pushed["digest"].get<std::string>() + "\n");
}

void pull(const GlobalOptions& options, const std::string& remote_text, const std::string& local_text,
          const RegistryFlags& flags) {
  Console console(options.quiet, options.json);
  auto remote = RemoteReference::parse(remote_text);
  auto local = ImageReference::parse(local_text);
  oci::Layout layout(options.layout_path());
  oci::PullOptions pull_options;
  pull_options.transport = flags.transport();
  pull_options.jobs = flags.jobs;
  auto result = oci::pull_image(layout, remote, local, pull_options, console.progress());
  console.info("pulled " + remote.str() + " as " + local.str() + ": " + std::to_string(result.blobs_fetched) +
               " blobs fetched (" + human_bytes(result.bytes_received) + "), " +
               std::to_string(result.blobs_present) + " already in the layout");
  console.json({{"image", local.str()},
                {"source", remote.str()},
                {"digest", result.manifest.digest.str()},
                {"blobBytesReceived", result.bytes_received},
                {"blobsFetched", result.blobs_fetched},
                {"blobsPresent", result.blobs_present}});
  console.out(result.manifest.digest.str() + "\n");
}

void login(const GlobalOptions& options, const std::string& registry, const std::string& username,
           bool password_stdin, const RegistryFlags& flags) {
  Console console(options.quiet, options.json);
  if (!password_stdin)
    throw Error("give the password on standard input with --password-stdin (never on the command line)");
  std::string password((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) password.pop_back();
  if (password.empty()) throw Error("no password on standard input");
  auto host = normalize_registry_host(registry);
  oci::RegistryClient client(host == "docker.io" ? "registry-1.docker.io" : host, flags.transport(),
                             oci::Credentials{username, password, "", "nanoforge login"});
  client.check_credentials();
  auto file = oci::login_file();
  oci::store_credentials(file, host, username, password);
  console.info("login to " + host + " succeeded; credentials stored in " + file.string());
  console.json({{"registry", host}, {"username", username}, {"file", file.string()}});
}

}  // namespace

void add_registry_flags(CLI::App* command, RegistryFlags& flags) {
  command->add_option("--insecure-registry", flags.insecure_registries,
                      "HOST:PORT reached over plain HTTP or unverified TLS (repeatable)");
  command->add_option("--ca-file", flags.ca_file, "PEM file of CA certificates to trust for the registry")
      ->check(CLI::ExistingFile);
  command->add_option("--jobs", flags.jobs, "Blobs transferred at once (default 4)")->check(CLI::Range(1, 64));
  command->add_option("--retries", flags.retries, "Retries per request on 408/429/500/502/503/504 and lost or timed-out connections (default 5)")
      ->check(CLI::Range(0, 20));
}

PushSettings push_settings(const GlobalOptions& options, const RegistryFlags& flags) {
  PushSettings settings;
  settings.registry = flags;
  settings.state_directory = options.cache_path() / "registry";
  return settings;
}

void add_registry_commands(CLI::App& app, GlobalOptions& options) {
  auto push_arguments = std::make_shared<PushArguments>();
  auto* push_command = app.add_subcommand("push", "Push an image of the layout to a registry");
  push_command->add_option("image", push_arguments->local, "NAME:TAG in the layout")->required();
  push_command->add_option("reference", push_arguments->remote,
                           "REGISTRY/REPOSITORY:TAG or REGISTRY/REPOSITORY@sha256:DIGEST")->required();
  push_command->add_flag("--all-tags", push_arguments->all_tags,
                         "Push every tag of the image's name, each under its own tag");
  push_command->add_option("--also-tag", push_arguments->also_tags, "Another tag for the same image (repeatable)");
  push_command->add_option("--digest-file", push_arguments->digest_file, "Write the pushed digest to this file");
  add_registry_flags(push_command, push_arguments->flags);
  push_command->callback([&options, push_arguments] { push(options, *push_arguments); });

  auto pull_flags = std::make_shared<RegistryFlags>();
  auto pull_remote = std::make_shared<std::string>();
  auto pull_local = std::make_shared<std::string>();
  auto* pull_command = app.add_subcommand("pull", "Pull an image from a registry into the layout");
  pull_command->add_option("reference", *pull_remote, "REGISTRY/REPOSITORY:TAG or ...@sha256:DIGEST")->required();
  pull_command->add_option("image", *pull_local, "NAME:TAG to give it in the layout")->required();
  add_registry_flags(pull_command, *pull_flags);
  pull_command->callback([&options, pull_flags, pull_remote, pull_local] {
    pull(options, *pull_remote, *pull_local, *pull_flags);
  });

  auto login_flags = std::make_shared<RegistryFlags>();
  auto login_registry = std::make_shared<std::string>();
  auto login_user = std::make_shared<std::string>();
  auto login_stdin = std::make_shared<bool>(false);
  auto* login_command = app.add_subcommand("login", "Check and store credentials for a registry");
  login_command->add_option("registry", *login_registry, "REGISTRY host[:port]")->required();
  login_command->add_option("-u,--username", *login_user, "User name")->required();
  login_command->add_flag("--password-stdin", *login_stdin, "Read the password from standard input");
  add_registry_flags(login_command, *login_flags);
  login_command->callback([&options, login_flags, login_registry, login_user, login_stdin] {
    login(options, *login_registry, *login_user, *login_stdin, *login_flags);
  });
}

}  // namespace nanoforge::builder
