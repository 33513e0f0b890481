// Personality templates for workspace/SOUL.md.
#pragma once
#include <filesystem>
#include <string>
#include <string_view>

namespace nanoforge::deploy {

// The text of docker/souls/<soul>.md as shipped (assistant, expert, creative).
std::string builtin_soul(std::string_view soul);
// The stub a custom soul starts from, naming the instance.
std::string custom_soul_stub(std::string_view instance_name);
// What SOUL.md gets: the deployment's docker/souls/<soul>.md when present, else the built-in text.
std::string soul_text(std::string_view soul, std::string_view instance_name,
                      const std::filesystem::path& deployment_root);

}  // namespace nanoforge::deploy
