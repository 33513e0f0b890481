#include <catch2/catch.hpp>

#include "base/error.h"
#include "oci/image.h"
#include "base/image_reference.h"
#include "test_support.h"

using namespace nanoforge;
using namespace nanoforge::oci;
using nanoforge::Error;
using nanoforge::testing::TempDir;
using nlohmann::json;

namespace {

// A stored stand-in for a layer: the image code only needs its blob and descriptor.
Layer fake_layer(BlobStore& store, const std::string& content) {
  auto stored = store.put(content);
  return {{media_type::kLayerGzip, stored.digest, stored.size, {}, {}}, sha256_of("tar of " + content),
          content.size() * 3};
}

ImageConfig full_config() {
  ImageConfig config;
  config.user = "1000:1000";
  config.env = {"PATH=/usr/bin:/bin", "HOME=/data"};
  config.entrypoint = {"/bin/busybox"};
  config.cmd = {"echo", "hello"};
  config.working_dir = "/data";
  config.exposed_ports = {"18790/tcp", "8080/udp"};
  config.volumes = {"/data"};
  config.labels = {{"org.opencontainers.image.title", "nanobot"}, {"tier", "runtime"}};
  config.stop_signal = "SIGTERM";
  config.healthcheck = Healthcheck{{"CMD", "/bin/busybox", "true"}, 30'000'000'000, 5'000'000'000,
                                   10'000'000'000, 3};
  config.created_epoch = 1700000000;
  return config;
}

}  // namespace

TEST_CASE("image config JSON holds every field in OCI/Docker form", "[image]") {
  TempDir dir;
  BlobStore store(dir / "blobs");
  std::vector<Layer> layers = {fake_layer(store, "one"), fake_layer(store, "two")};
  auto config = image_config_json(full_config(), layers);

  CHECK(config["architecture"] == "amd64");
  CHECK(config["os"] == "linux");
  CHECK(config["created"] == "2023-11-14T22:13:20Z");
  const auto& container = config["config"];
  CHECK(container["User"] == "1000:1000");
  CHECK(container["Env"] == json({"PATH=/usr/bin:/bin", "HOME=/data"}));
  CHECK(container["Entrypoint"] == json({"/bin/busybox"}));
  CHECK(container["Cmd"] == json({"echo", "hello"}));
  CHECK(container["WorkingDir"] == "/data");
  CHECK(container["ExposedPorts"] == json::parse(R"({"18790/tcp":{},"8080/udp":{}})"));
  CHECK(container["Volumes"] == json::parse(R"({"/data":{}})"));
  CHECK(container["Labels"]["tier"] == "runtime");
  CHECK(container["StopSignal"] == "SIGTERM");
  CHECK(container["Healthcheck"] == json::parse(R"({"Test":["CMD","/bin/busybox","true"],
      "Interval":30000000000,"Timeout":5000000000,"StartPeriod":10000000000,"Retries":3})"));
  CHECK(config["rootfs"]["type"] == "layers");
  REQUIRE(config["rootfs"]["diff_ids"].size() == 2);
  CHECK(config["rootfs"]["diff_ids"][0] == layers[0].diff_id.str());
  CHECK(config["rootfs"]["diff_ids"][1] == layers[1].diff_id.str());
  REQUIRE(config["history"].size() == 2);
  CHECK(config["history"][0]["created"] == "2023-11-14T22:13:20Z");
}

TEST_CASE("empty config fields are left out, like Docker does", "[image]") {
  ImageConfig config;
  auto json_config = image_config_json(config, {});
  CHECK(json_config["config"] == json::object());
  CHECK(json_config["created"] == "1970-01-01T00:00:00Z");
  CHECK(json_config["rootfs"]["diff_ids"] == json::array());
  CHECK(json_config["history"] == json::array());
}

TEST_CASE("image config round-trips through JSON", "[image]") {
  TempDir dir;
  BlobStore store(dir / "blobs");
  std::vector<Layer> layers = {fake_layer(store, "a")};
  auto original = full_config();
  original.history = {{"base layer", "from debian", false}, {"ENV", "", true}};
  auto back = image_config_from_json(image_config_json(original, layers), "test config");
  CHECK(back.architecture == original.architecture);
  CHECK(back.os == original.os);
  CHECK(back.user == original.user);
  CHECK(back.env == original.env);
  CHECK(back.entrypoint == original.entrypoint);
  CHECK(back.cmd == original.cmd);
  CHECK(back.working_dir == original.working_dir);
  CHECK(back.exposed_ports == std::vector<std::string>{"18790/tcp", "8080/udp"});
  CHECK(back.volumes == original.volumes);
  CHECK(back.labels == original.labels);
  CHECK(back.stop_signal == original.stop_signal);
  REQUIRE(back.healthcheck);
  CHECK(back.healthcheck->test == original.healthcheck->test);
  CHECK(back.healthcheck->interval_ns == 30'000'000'000);
  CHECK(back.healthcheck->timeout_ns == 5'000'000'000);
  CHECK(back.healthcheck->start_period_ns == 10'000'000'000);
  CHECK(back.healthcheck->retries == 3);
  CHECK(back.created_epoch == original.created_epoch);
  REQUIRE(back.history.size() == 2);
  CHECK(back.history[0].created_by == "base layer");
  CHECK(back.history[0].comment == "from debian");
  CHECK(back.history[1].empty_layer);
}

TEST_CASE("image config reading names the field that is wrong", "[image]") {
  auto bad_env = json::parse(R"({"architecture":"amd64","os":"linux","config":{"Env":"A=1"}})");
  CHECK_THROWS_WITH(image_config_from_json(bad_env, "cfg.json"),
                    Catch::Contains("cfg.json") && Catch::Contains("Env"));
  auto no_os = json::parse(R"({"architecture":"amd64"})");
  CHECK_THROWS_WITH(image_config_from_json(no_os, "cfg.json"), Catch::Contains("'os'"));
  auto bad_time = json::parse(R"({"architecture":"amd64","os":"linux","created":"yesterday"})");
  CHECK_THROWS_WITH(image_config_from_json(bad_time, "cfg.json"), Catch::Contains("yesterday"));
  auto offset = json::parse(R"({"architecture":"amd64","os":"linux","created":"2024-01-01T02:00:00.5+02:00"})");
  CHECK(image_config_from_json(offset, "cfg.json").created_epoch == 1704067200);
}

TEST_CASE("history must match the layers", "[image]") {
  TempDir dir;
  BlobStore store(dir / "blobs");
  ImageConfig config;
  config.history = {{"only one", "", false}};
  std::vector<Layer> layers = {fake_layer(store, "a"), fake_layer(store, "b")};
  CHECK_THROWS_WITH(image_config_json(config, layers), Catch::Contains("2 layers"));
}

TEST_CASE("manifest JSON points at config and layers", "[image]") {
  TempDir dir;
  BlobStore store(dir / "blobs");
  std::vector<Layer> layers = {fake_layer(store, "one"), fake_layer(store, "two")};
  Descriptor config{media_type::kImageConfig, sha256_of("{}"), 2, {}, {}};
  auto manifest = manifest_json(config, layers, {{"org.opencontainers.image.version", "1.0"}});
  CHECK(manifest["schemaVersion"] == 2);
  CHECK(manifest["mediaType"] == media_type::kImageManifest);
  CHECK(manifest["config"]["digest"] == config.digest.str());
  CHECK(manifest["config"]["mediaType"] == media_type::kImageConfig);
  CHECK(manifest["config"]["size"] == 2);
  REQUIRE(manifest["layers"].size() == 2);
  CHECK(manifest["layers"][1]["digest"] == layers[1].descriptor.digest.str());
  CHECK(manifest["layers"][1]["mediaType"] == media_type::kLayerGzip);
  CHECK(manifest["annotations"]["org.opencontainers.image.version"] == "1.0");
  CHECK_FALSE(manifest_json(config, layers).contains("annotations"));
}

TEST_CASE("stored images have stable digests and load back", "[image]") {
  TempDir first_dir, second_dir;
  BlobStore first(first_dir / "blobs"), second(second_dir / "blobs");
  auto first_image = store_image(first, full_config(), {fake_layer(first, "layer")});
  auto second_image = store_image(second, full_config(), {fake_layer(second, "layer")});
  CHECK(first_image.manifest.digest == second_image.manifest.digest);
  CHECK(first_image.config.digest == second_image.config.digest);
  CHECK(first.read(first_image.config.digest) == second.read(second_image.config.digest));
  // Compact JSON: no indentation or newlines in the blob bytes.
  CHECK(first.read(first_image.manifest.digest).find('\n') == std::string::npos);

  auto loaded = load_image(first, first_image.manifest);
  CHECK(loaded.config == first_image.config);
  CHECK(loaded.layers == first_image.layers);
  CHECK(loaded.diff_ids == first_image.diff_ids);
  CHECK(image_config_from_json(loaded.config_json, "loaded").cmd == full_config().cmd);
}

TEST_CASE("store_image refuses layers missing from the store", "[image]") {
  TempDir dir, elsewhere;
  BlobStore store(dir / "blobs"), other(elsewhere / "blobs");
  auto layer = fake_layer(other, "not here");
  CHECK_THROWS_WITH(store_image(store, {}, {layer}), Catch::Contains(layer.descriptor.digest.str()));
}

TEST_CASE("load_image finds missing and corrupt blobs", "[image]") {
  TempDir dir;
  BlobStore store(dir / "blobs");
  auto layer = fake_layer(store, "layer bytes");
  auto image = store_image(store, {}, {layer});
  std::filesystem::remove(store.path_of(layer.descriptor.digest));
  CHECK_THROWS_WITH(load_image(store, image.manifest), Catch::Contains(layer.descriptor.digest.hex));
  store.put("layer bytes");
  nanoforge::testing::write_text(store.path_of(image.config.digest), "{\"tampered\":true}");
  CHECK_THROWS_WITH(load_image(store, image.manifest), Catch::Contains("corrupt"));
}

TEST_CASE("image references are parsed and checked", "[image]") {
  auto plain = ImageReference::parse("nanobot:1.0");
  CHECK(plain.name == "nanobot");
  CHECK(plain.tag == "1.0");
  CHECK(ImageReference::parse("nanobot").tag == "latest");
  auto hosted = ImageReference::parse("127.0.0.1:5000/team/nanobot:v2_rc-1");
  CHECK(hosted.name == "127.0.0.1:5000/team/nanobot");
  CHECK(hosted.tag == "v2_rc-1");
  CHECK(ImageReference::parse("127.0.0.1:5000/nanobot").tag == "latest");
  CHECK_THROWS_WITH(ImageReference::parse("NanoBot:1"), Catch::Contains("'NanoBot:1'"));
  CHECK_THROWS_WITH(ImageReference::parse("nanobot:-bad"), Catch::Contains("tag '-bad'"));
  CHECK_THROWS_WITH(ImageReference::parse(":1"), Catch::Contains("empty"));
  CHECK_THROWS_WITH(ImageReference::parse("a//b:1"), Catch::Contains("'a//b:1'"));
  CHECK_THROWS_WITH(ImageReference::parse("nanobot@sha256:abc"), Catch::Contains("digest"));
}
