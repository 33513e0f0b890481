#include "deploy/nanobot_provider_match.h"

#include <algorithm>

namespace nanoforge::deploy::nanobot {

using nlohmann::json;

namespace {

// The provider the gateway builds for the active preset (providers/factory.py
// _resolve_provider_setup, with schema.py Config._match_provider), over the migrated config
// with `${VAR}` resolved. Returns upstream's error message, or "" when the setup is valid.
class ProviderResolver {
 public:
  ProviderResolver(const NanobotSchema& schema, const json& config) : schema_(schema), config_(config) {
    const SchemaModel& root = schema.root();
    providers_ = lookup(config, root, "providers");
    const json* agents = lookup(config, root, "agents");
    defaults_ = agents ? lookup(*agents, schema.model("AgentsConfig"), "defaults") : nullptr;
    presets_ = lookup(config, root, "modelPresets");
  }

  // Config.resolve_preset: the named preset's model and provider, else agents.defaults' own.
  ActivePreset active_preset() const {
    ActivePreset active;
    if (!defaults_) return active;
    const SchemaModel& defaults_model = schema_.model("AgentDefaults");
    active.model = text(*defaults_, defaults_model, "model", active.model);
    active.provider = text(*defaults_, defaults_model, "provider", active.provider);
    std::string preset = text(*defaults_, defaults_model, "modelPreset", "");
    if (!preset.empty() && preset != "default" && presets_ && presets_->contains(preset)) {
      const json& chosen = presets_->at(preset);
      const SchemaModel& preset_model = schema_.model("ModelPresetConfig");
      active.name = preset;
      active.model = text(chosen, preset_model, "model", active.model);
      active.provider = text(chosen, preset_model, "provider", "auto");
    }
    return active;
  }

  std::string error() const {
    auto [preset_name, model, forced] = active_preset();
    auto [name, provider] = match(model, forced);
    if (name.empty()) return "No provider is configured for model '" + model + "'.";
    const ProviderSpec* spec = schema_.find_provider(name);
    if (spec && spec->name == "orcarouter" && provider && !setting(*provider, "apiBase").empty() &&
        lower(trimmed_slash(setting(*provider, "apiBase"))) != lower(trimmed_slash(spec->default_api_base)))
      spec = nullptr;  // a custom provider of that name, from before OrcaRouter was built in
    ProviderSpec dynamic;
    if (!spec && provider) {
      if (setting(*provider, "apiBase").empty()) return "Provider '" + name + "' requires api_base in config.";
      dynamic.name = name;
      dynamic.is_direct = true;
      spec = &dynamic;
    }
    if (spec && spec->is_transcription_only) return "Provider '" + name + "' only supports transcription.";
    const std::string backend = spec ? spec->backend : "openai_compat";
    if (provider && !setting(*provider, "proxy").empty() && backend != "openai_compat" && backend != "openai_codex" &&
        backend != "xai_grok")
      return "providers." + name + ".proxy is only supported for OpenAI-compatible providers, OpenAI Codex, and xAI Grok.";
    const bool has_base = provider && !setting(*provider, "apiBase").empty();
    if (backend == "azure_openai") {
      if (!has_base) return "Azure OpenAI requires api_base in config.";
    } else if (backend == "openai_compat" && spec && spec->is_direct && spec->default_api_base.empty() && !has_base) {
      return "Provider '" + name + "' requires api_base in config.";
    } else if ((backend == "anthropic" || backend == "openai_compat") &&
               !(backend == "openai_compat" && model.starts_with("bedrock/"))) {
      bool needs_key = !(provider && !setting(*provider, "apiKey").empty());
      bool exempt = spec && (spec->is_oauth || spec->is_local || spec->is_direct);
      if (needs_key && !exempt) return "No API key configured for provider '" + name + "'.";
    }
    return "";
  }

 public:
  static const json* lookup(const json& object, const SchemaModel& model, const std::string& key) {
    if (!object.is_object()) return nullptr;
    for (const auto& field : model.fields)
      if (field.key == key)
        for (const auto& name : field.names)
          if (object.contains(name)) return &object.at(name);
    return nullptr;
  }

 private:
  static std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    return text;
  }
  static std::string trimmed_slash(std::string text) {
    while (!text.empty() && text.back() == '/') text.pop_back();
    return text;
  }
  static std::string dashes_as_underscores(std::string text) {
    std::replace(text.begin(), text.end(), '-', '_');
    return text;
  }

  static std::string text(const json& object, const SchemaModel& model, const std::string& key,
                          const std::string& fallback) {
    const json* value = lookup(object, model, key);
    return value && value->is_string() ? value->get<std::string>() : fallback;
  }
  // A ProviderConfig setting as a string ("" when unset or null).
  std::string setting(const json& provider, const std::string& key) const {
    return text(provider, schema_.model("ProviderConfig"), key, "");
  }

  // The built-in provider's section: present in the file, or the default (empty) one.
  const json* builtin(const ProviderSpec& spec) const {
    const SchemaModel& providers_model = schema_.model("ProvidersConfig");
    const SchemaField* field = providers_model.field_named(spec.name);
    if (!field) return nullptr;
    if (providers_)
      if (const json* section = lookup(*providers_, providers_model, field->key); section && section->is_object())
        return section;
    return &empty_;
  }

  // The custom provider (an extra key of providers) whose name matches, '-' read as '_', any case.
  std::pair<std::string, const json*> custom_named(const std::string& name) const {
    if (!providers_ || !providers_->is_object()) return {"", nullptr};
    const SchemaModel& providers_model = schema_.model("ProvidersConfig");
    const std::string wanted = lower(dashes_as_underscores(name));
    for (const auto& [key, value] : providers_->items())
      if (!providers_model.field_named(key) && value.is_object() && lower(dashes_as_underscores(key)) == wanted)
        return {key, &value};
    return {"", nullptr};
  }

  bool usable(const ProviderSpec& spec, const json& provider) const {
    return spec.is_oauth || spec.is_local || spec.is_direct || !setting(provider, "apiKey").empty();
  }

 public:
  // Config._match_provider: the provider's name (a custom one's key) and its section, or "".
  std::pair<std::string, const json*> match(const std::string& model, const std::string& forced) const {
    const auto& specs = schema_.providers();
    if (forced != "auto") {
      if (const ProviderSpec* spec = schema_.find_provider(forced)) {
        const json* provider = builtin(*spec);
        return provider ? std::pair{spec->name, provider} : std::pair{std::string(), nullptr};
      }
      return custom_named(forced);
    }
    const std::string model_lower = lower(model);
    const std::string model_normalized = dashes_as_underscores(model_lower);
    const auto slash = model_lower.find('/');
    const std::string prefix = slash == std::string::npos ? "" : model_lower.substr(0, slash);
    const std::string normalized_prefix = dashes_as_underscores(prefix);
    const ProviderSpec* prefixed = prefix.empty() ? nullptr : schema_.find_provider(prefix);
    auto keyword_matches = [&](const std::string& keyword) {
      std::string kw = lower(keyword);
      return model_lower.find(kw) != std::string::npos ||
             model_normalized.find(dashes_as_underscores(kw)) != std::string::npos;
    };
    // An explicit provider prefix wins.
    for (const auto& spec : specs) {
      if (spec.is_transcription_only) continue;
      const json* provider = builtin(spec);
      if (provider && !prefix.empty() && normalized_prefix == spec.name && usable(spec, *provider))
        return {spec.name, provider};
    }
    if (!prefix.empty())
      if (auto custom = custom_named(normalized_prefix); custom.second) return custom;
    // Keywords, in registry order; a local provider only when its endpoint is configured and
    // the model names no other provider.
    for (const auto& spec : specs) {
      if (spec.is_transcription_only) continue;
      const json* provider = builtin(spec);
      if (!provider || std::none_of(spec.keywords.begin(), spec.keywords.end(), keyword_matches)) continue;
      if (spec.is_local && (setting(*provider, "apiBase").empty() || (prefixed && prefixed->name != spec.name)))
        continue;
      if (usable(spec, *provider)) return {spec.name, provider};
    }
    // Configured local providers route models without keywords.
    if (!prefixed) {
      std::pair<std::string, const json*> local_fallback{"", nullptr};
      for (const auto& spec : specs) {
        if (!spec.is_local) continue;
        const json* provider = builtin(spec);
        if (!provider || setting(*provider, "apiBase").empty()) continue;
        if (!spec.detect_by_base_keyword.empty() &&
            setting(*provider, "apiBase").find(spec.detect_by_base_keyword) != std::string::npos)
          return {spec.name, provider};
        if (!local_fallback.second) local_fallback = {spec.name, provider};
      }
      if (local_fallback.second) return local_fallback;
    }
    // Any provider with a key (gateways come first in the registry), then any custom one with a base.
    for (const auto& spec : specs) {
      if (spec.is_oauth || spec.is_transcription_only) continue;
      const json* provider = builtin(spec);
      if (provider && !setting(*provider, "apiKey").empty()) return {spec.name, provider};
    }
    if (providers_ && providers_->is_object()) {
      const SchemaModel& providers_model = schema_.model("ProvidersConfig");
      for (const auto& [key, value] : providers_->items())
        if (!providers_model.field_named(key) && value.is_object() && !setting(value, "apiBase").empty())
          return {key, &value};
    }
    return {"", nullptr};
  }

 private:
  const NanobotSchema& schema_;
  const json& config_;
  const json* providers_ = nullptr;
  const json* defaults_ = nullptr;
  const json* presets_ = nullptr;
  const json empty_ = json::object();
};

}  // namespace

ActivePreset active_preset(const NanobotSchema& schema, const json& config) {
  return ProviderResolver(schema, config).active_preset();
}

std::string matched_provider(const NanobotSchema& schema, const json& config, const std::string& model,
                             const std::string& forced) {
  return ProviderResolver(schema, config).match(model, forced).first;
}

std::string provider_setup_error(const NanobotSchema& schema, const json& config) {
  return ProviderResolver(schema, config).error();
}

std::string guess_provider(const NanobotSchema& schema, const std::string& model) {
  std::string lower = model;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  std::string normalized = lower;
  std::replace(normalized.begin(), normalized.end(), '-', '_');
  if (auto slash = lower.find('/'); slash != std::string::npos)
    if (const ProviderSpec* spec = schema.find_provider(lower.substr(0, slash)); spec && !spec->is_transcription_only)
      return spec->name;
  for (const auto& spec : schema.providers()) {
    if (spec.is_local || spec.is_oauth || spec.is_transcription_only) continue;
    for (std::string keyword : spec.keywords) {
      std::transform(keyword.begin(), keyword.end(), keyword.begin(), [](unsigned char c) { return std::tolower(c); });
      std::string keyword_normalized = keyword;
      std::replace(keyword_normalized.begin(), keyword_normalized.end(), '-', '_');
      if (lower.find(keyword) != std::string::npos || normalized.find(keyword_normalized) != std::string::npos)
        return spec.name;
    }
  }
  return "openrouter";
}

const json* field_value(const json& object, const SchemaModel& model, const std::string& key) {
  return ProviderResolver::lookup(object, model, key);
}

}  // namespace nanoforge::deploy::nanobot
