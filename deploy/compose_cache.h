// The services of the last compose emit, as text, each with everything it was rendered from
// (see render_compose), kept in the deployment's .nanoforge-compose-cache.
//
// Why: yaml-cpp's emitter checks every plain scalar against its regular expressions, about
// 0.8 M instructions a service, and every create, delete and `up` emits the whole file. At 100
// instances that was 85 M of the 115 M instructions of one `instance create`; with the services
// whose inputs did not change taken from here, a create renders one service.
//
// The inputs are kept whole and compared byte for byte (no digest: hashing would start
// OpenSSL, 5 M instructions). The file is length-prefixed records, read without a parser:
//   nanoforge compose cache 1\n
//   shared <length>\n<inputs every service shares>\n
//   service <name> <inputs length> <text length>\n<inputs><text>\n   (once a service)
#pragma once
#include <filesystem>
#include <map>
#include <string>

namespace nanoforge::deploy {

class RenderedServices {
 public:
  // Reads the file. It is only an optimisation: a missing, unreadable, foreign or damaged
  // file, or one written for other shared inputs, is an empty cache and everything is
  // rendered again.
  RenderedServices(std::filesystem::path file, std::string shared_inputs);

  // The text rendered last time from exactly these inputs of the service's own, or nullptr.
  const std::string* find(const std::string& name, const std::string& inputs) const;
  // Keeps a service for the next emit; what is not kept is dropped when saved.
  void keep(const std::string& name, std::string inputs, std::string text);
  // Replaces the file atomically with the kept services, when they differ from what it holds.
  // A failure to write leaves the old file, or none, and is not an error: the next emit renders
  // what it cannot find.
  void save() const;

 private:
  struct Entry {
    std::string inputs;
    std::string text;
    bool operator==(const Entry&) const = default;
  };
  void read(const std::string& content);

  std::filesystem::path file_;
  std::string shared_inputs_;
  std::map<std::string, Entry> previous_;
  std::map<std::string, Entry> kept_;
};

}  // namespace nanoforge::deploy
