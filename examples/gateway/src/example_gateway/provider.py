"""Which provider a model uses, and whether it is usable (upstream providers/factory.py:76-131).

Simplification: upstream matches models against a registry of provider specs (prefixes,
keywords, local and OAuth providers that need no key). The stand-in keeps the part a deployer
sees: the active model preset (`agents.defaults.modelPreset` naming an entry of
`modelPresets`, schema.py Config.resolve_preset) gives the model and provider; a provider other
than "auto" is used as named, else a `prefix/` in the model, else the keyword table below.
Local providers (Ollama, LM Studio...) and OAuth ones need no key, but a local one upstream
knows no address for needs `apiBase`, as does a provider of one's own; every other provider
needs a non-empty `apiKey`.
"""

from .config import Config, pick

KEYWORDS = (
    (("gpt", "o1", "o3", "o4", "chatgpt"), "openai"),
    (("claude",), "anthropic"),
    (("deepseek",), "deepseek"),
    (("gemini",), "gemini"),
    (("qwen",), "dashscope"),
    (("glm", "zhipu"), "zhipu"),
    (("moonshot", "kimi"), "moonshot"),
    (("minimax",), "minimax"),
    (("grok",), "xai"),
    (("mistral",), "mistral"),
    (("llama", "groq"), "groq"),
)


def provider_for_model(model: str) -> str:
    if "/" in model:
        return model.split("/", 1)[0].lower().replace("-", "_")
    lowered = model.lower()
    for words, provider in KEYWORDS:
        if any(lowered.startswith(word) or word in lowered for word in words):
            return provider
    return ""


# registry.py: is_local providers with their default api_base ("" when there is none).
LOCAL = {"ollama": "http://localhost:11434/v1", "lm_studio": "http://localhost:1234/v1", "vllm": "", "ovms": ""}
OAUTH = ("openai_codex", "github_copilot")


def _entry(config: Config, provider: str):
    providers = config.section("providers")
    entry = providers.get(provider)
    if entry is None:
        entry = pick(providers, provider)  # e.g. "azure_openai" written as "azureOpenai"
    return entry if isinstance(entry, dict) else None


def _setting(config: Config, provider: str, key: str) -> str:
    return str(pick(_entry(config, provider), key, "") or "").strip()


def active_model(config: Config):
    """(model, provider) of the active preset, else agents.defaults' own; provider "auto" to match."""
    defaults = config.agent_defaults
    model = config.model
    provider = str(pick(defaults, "provider", "auto") or "auto")
    preset_name = str(pick(defaults, "model_preset", "") or "")
    presets = config.section("model_presets")
    preset = presets.get(preset_name) if preset_name and preset_name != "default" else None
    if isinstance(preset, dict):
        model = str(pick(preset, "model", model) or model)
        provider = str(pick(preset, "provider", "auto") or "auto")
    return model, provider


def setup_error(config: Config):
    """The ValueError text upstream's validate_provider_setup raises, or None when usable."""
    model, forced = active_model(config)
    if forced == "auto":
        name = provider_for_model(model)
    else:  # a section of one's own keeps its spelling; a built-in's is normalised (registry.find_by_name)
        name = forced if _entry(config, forced) is not None else forced.lower().replace("-", "_")
    if not name:
        return f"No provider is configured for model '{model}'."
    if name in LOCAL or name not in KNOWN and _entry(config, name) is not None:
        # A local provider, or one of one's own (an OpenAI-compatible endpoint): no key, an address.
        if not _setting(config, name, "api_base") and not LOCAL.get(name):
            return f"Provider '{name}' requires api_base in config."
        return None
    if name in OAUTH:
        return None
    if not _setting(config, name, "api_key"):
        if forced != "auto":
            return f"No API key configured for provider '{forced}'."
        return f"No provider is configured for model '{model}'."
    return None


KNOWN = {provider for _, provider in KEYWORDS} | set(LOCAL) | set(OAUTH) | {"openrouter", "azure_openai", "custom"}
