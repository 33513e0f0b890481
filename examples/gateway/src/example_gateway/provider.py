"""Which provider a model uses, and whether it has an API key (upstream providers/factory.py:76-131).

Simplification: upstream matches models against a registry of provider specs (prefixes,
keywords, local and OAuth providers that need no key). The stand-in keeps only the part a
deployer sees: `agents.defaults.provider` if not "auto", else a `prefix/` in the model, else
the keyword table below; the chosen provider then needs a non-empty `apiKey`.
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


def _api_key(config: Config, provider: str) -> str:
    providers = config.section("providers")
    entry = providers.get(provider)
    if entry is None:
        entry = pick(providers, provider)  # e.g. "azure_openai" written as "azureOpenai"
    return str(pick(entry, "api_key", "") or "").strip()


def setup_error(config: Config):
    """The ValueError text upstream's validate_provider_setup raises, or None when usable."""
    model = config.model
    forced = str(pick(config.agent_defaults, "provider", "auto") or "auto")
    if forced != "auto":
        if not _api_key(config, forced):
            return f"No API key configured for provider '{forced}'."
        return None
    name = provider_for_model(model)
    if not name or not _api_key(config, name):
        return f"No provider is configured for model '{model}'."
    return None
