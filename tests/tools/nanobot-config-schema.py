#!/usr/bin/env python3
"""Write the schema of upstream nanobot's config.json as nanoforge's C++ checker reads it.

Usage: nanobot-config-schema.py [--commit SHA] UPSTREAM_CHECKOUT > deploy/nanobot_config_schema.json

Imports upstream's ``Config`` (nanobot/config/schema.py) from UPSTREAM_CHECKOUT
(a git checkout of HKUDS/nanobot) and walks pydantic ``model_fields`` of every
model reachable from it, of the tool configs and of each channel's config
model.  ``model_json_schema`` is not used: it keeps one alias per field and
loses ``AliasChoices``.  Output is pretty JSON with sorted keys.

Validators cannot be expressed as data; each one found is listed with its
upstream file:line and a one-line description written here by hand.  A
validator without a description stops the generator, so a new upstream
validator cannot be missed silently.

Set-up (stand-ins for missing packages, checkout checks) is shared with
upstream_judge.py beside this script.
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
from pathlib import Path
from typing import Any

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
import upstream_judge as uj  # noqa: E402

GENERATOR = "tests/tools/nanobot-config-schema.py"

_VALUE_ERROR = "Value does not satisfy this setting's requirements."

# (model, validator function) -> description.  Messages users see are the
# friendly ones from nanobot/config/errors.py: every ValueError raised by a
# validator is shown as _VALUE_ERROR at the location given.
VALIDATOR_DESCRIPTIONS: dict[tuple[str, str], str] = {
    ("AgentDefaults", "resolve_timezone"): (
        "before validation of agents.defaults (object input only): mode = value of key "
        "'timezoneMode' if that key is present, else of 'timezone_mode'; when mode is null or "
        "absent it becomes 'manual' if the key 'timezone' is present, else 'auto', and is "
        "written as 'timezoneMode' (so an explicit null timezoneMode is accepted); when mode "
        "== 'auto' (exact string) 'timezone' is replaced by the detected system zone (UTC in a "
        "container without TZ), so any timezone value, even a non-string, is then accepted"
    ),
    ("AgentDefaults", "validate_timezone"): (
        "after str validation, zoneinfo.ZoneInfo(timezone) must load: a case-sensitive key of "
        "the IANA tz database (system /usr/share/zoneinfo or the tzdata package), normalized "
        "relative path, not absolute, not a directory, a TZif file; otherwise issue at "
        "agents.defaults.<key as written> with '" + _VALUE_ERROR + "'"
    ),
    ("ProviderConfig", "_validate_thinking_style"): (
        "thinkingStyle: null or '' is accepted; any other string must be one of "
        "'thinking_type', 'enable_thinking', 'reasoning_split'; otherwise issue at the field "
        "with '" + _VALUE_ERROR + "'"
    ),
    ("BedrockProviderConfig", "_validate_thinking_style"): (
        "inherited from ProviderConfig: thinkingStyle null/'' or one of 'thinking_type', "
        "'enable_thinking', 'reasoning_split'; otherwise issue at the field with '"
        + _VALUE_ERROR + "'"
    ),
    ("ProvidersConfig", "convert_extra_providers"): (
        "runs only when every built-in provider field validated; for each extra key of "
        "providers in input order: if find_by_name(key) names a built-in provider (key with '-' "
        "replaced by '_' then pydantic to_snake, e.g. 'azure-openai', 'lm-studio', 'LmStudio', "
        "'OPENAI') the config is refused with one issue at 'providers' and '" + _VALUE_ERROR
        + "'; else an object value is validated as ProviderConfig and its errors are reported "
        "with the custom provider key dropped from the path (providers.<field as written>, "
        "normal messages, only the first failing provider); non-object values are kept as they "
        "are (accepted); camelCase/snake_case names of built-in fields (lmStudio, lm_studio) "
        "are fields, not extras"
    ),
    ("ProvidersConfig", "_validate_api_type_scope"): (
        "after convert_extra_providers succeeded: apiType other than 'auto' on any provider "
        "(built-in field or custom extra) except providers.openai refuses the config with one "
        "issue at 'providers' and '" + _VALUE_ERROR + "'"
    ),
    ("ApiConfig", "wildcard_host_requires_auth"): (
        "when api.host is exactly '0.0.0.0' or '::' and api.apiKey.strip() is empty (checked "
        "before ${VAR} resolution, so a reference counts as set) the config is refused with an "
        "issue at 'api' and '" + _VALUE_ERROR + "'"
    ),
    ("Config", "_validate_model_preset"): (
        "runs only when all root fields validated; refuses with one issue at the root (path "
        "'') and '" + _VALUE_ERROR + "' when: modelPresets has a key 'default' (reserved); "
        "agents.defaults.modelPreset is non-empty, not 'default' and not a modelPresets key; "
        "agents.defaults.dream.modelOverride is non-empty, not 'default' and not a "
        "modelPresets key; a string entry of agents.defaults.fallbackModels is not a "
        "modelPresets key (case-sensitive; 'default' is NOT allowed there)"
    ),
    ("MattermostConfig", "_inherit_thread_policy"): (
        "channel runtime (not at load): before validation, when neither groupPolicyInThread "
        "nor group_policy_in_thread is given, group_policy_in_thread = groupPolicy, else "
        "group_policy, else 'mention'"
    ),
    ("SignalConfig", "_validate_buffer_size"): (
        "channel runtime (not at load): groupMessageBufferSize must be > 0, else "
        "'group_message_buffer_size must be > 0'"
    ),
    ("TelegramConfig", "webhook_path_must_start_with_slash"): (
        "channel runtime (not at load): webhookPath is stripped, '' becomes '/telegram', and "
        "it must start with '/'"
    ),
    ("TelegramConfig", "validate_webhook_config"): (
        "channel runtime (not at load): when mode == 'webhook', webhookUrl (stripped) must be "
        "set, have scheme https and a host; webhookSecretToken (stripped) must be set, at most "
        "256 chars of [A-Za-z0-9_-]"
    ),
    ("TrustedProxyAuthConfig", "validate_trusted_peer_cidrs"): (
        "each trustedPeerCidrs entry (stripped) must parse as an IP network (host bits "
        "allowed), prefix length > 0, and an IPv6 network must not cover all of "
        "::ffff:0:0-::ffff:ffff:ffff; entries are normalized to network/prefix"
    ),
    ("TrustedProxyAuthConfig", "validate_assertion_header"): (
        "assertionHeader (stripped) must be non-empty without whitespace or control "
        "characters, and must not be a routing/client metadata header (x-forwarded-*, and "
        "the set _ROUTING_ASSERTION_HEADERS in nanobot/channels/websocket/runtime.py, "
        "compared case-insensitively)"
    ),
    ("TrustedProxyAuthConfig", "compile_trusted_peer_networks"): (
        "no check: caches the parsed networks"
    ),
    ("WebSocketConfig", "unix_socket_path_format"): (
        "unixSocketPath is stripped; non-empty must have no NUL and be absolute after ~ "
        "expansion"
    ),
    ("WebSocketConfig", "path_must_start_with_slash"): (
        "path must start with '/' (then normalized by nanobot.webui.http_utils."
        "normalize_config_path)"
    ),
    ("WebSocketConfig", "token_issue_path_format"): (
        "tokenIssuePath is stripped; non-empty must start with '/'"
    ),
    ("WebSocketConfig", "public_ws_url_format"): (
        "publicWsUrl is stripped; non-empty must be ws:// or wss:// with a host, no "
        "user/password, no query, no fragment"
    ),
    ("WebSocketConfig", "public_ws_url_matches_path"): (
        "a non-empty publicWsUrl's path must equal the normalized path"
    ),
    ("WebSocketConfig", "token_issue_path_differs_from_ws_path"): (
        "a non-empty tokenIssuePath must differ from path after normalization"
    ),
    ("WebSocketConfig", "wildcard_host_requires_auth"): (
        "when host is exactly '0.0.0.0' or '::', token.strip() or tokenIssueSecret.strip() "
        "must be non-empty or trustedProxyAuth set. Checked by `nanobot gateway` at start "
        "AFTER ${VAR} resolution (cli/webui_support.py _validate_gateway_startup): refusal "
        "prints 'Gateway configuration is invalid.' with an issue at channels.websocket and '"
        + _VALUE_ERROR + "', exit 1"
    ),
    ("WeixinConfig", "_enable_tool_event_transport"): (
        "no check: replyProgressMessages true forces sendProgress and sendToolHints true"
    ),
}

# Behaviour outside pydantic validators that the C++ must also reproduce.
# (model, name, kind, upstream file, marker of the line cited, description)
EXTRA_RULES: list[tuple[str, str, str, str, str, str]] = [
    ("Config", "load_config", "loader", "nanobot/config/loader.py", "def load_config", (
        "file read as UTF-8 JSON with Python's json module (accepts NaN/Infinity/-Infinity "
        "literals, last duplicate key wins, a UTF-8 BOM is an error); a syntax error is "
        "stage invalid_json 'JSON syntax error at line L, column C: <msg>.'; a non-object "
        "root is stage invalid_root 'The top level of config.json must be a JSON object.' "
        "with an issue at the root 'Expected an object, but found <list|str|int|float|bool|"
        "NoneType>.'; schema errors are stage invalid_schema 'Found N invalid setting(s).' "
        "with one issue per pydantic error, in pydantic's order"
    )),
    ("Config", "_migrate_config", "loader", "nanobot/config/loader.py", "def _migrate_config", (
        "before validation, only when 'tools' is an object (or absent): "
        "tools.exec.restrictToWorkspace moves to tools.restrictToWorkspace unless that key "
        "exists (then it stays under exec, where it is ignored); if tools has myEnabled or "
        "mySet: tools.my is created when missing (a non-object tools.my stops the migration), "
        "myEnabled moves to my.enable unless my.enable exists, mySet moves to my.allowSet "
        "unless my.allowSet exists, and the flat keys are removed either way; only these "
        "exact camelCase spellings are migrated"
    )),
    ("Config", "validation_issues", "messages", "nanobot/config/errors.py", "def _friendly_validation_message", (
        "issue messages: extra_forbidden 'Unknown setting.', missing 'This setting is "
        "required.', value_error/assertion_error '" + _VALUE_ERROR + "', otherwise pydantic's "
        "message with 'Input should be ' -> 'Must be ', 'Input should have ' -> 'Must have ', "
        "first letter upper-cased and a final '.' added; issue paths are pydantic locations "
        "(the input key as written, list indices as numbers, union members add a member tag "
        "such as 'str' or 'InlineFallbackConfig'); upstream prints at most 10 issues and "
        "renders path parts not matching [A-Za-z_][A-Za-z0-9_-]{0,63} as <redacted>"
    )),
    ("Config", "settings_env_overlay", "settings", "nanobot/config/schema.py", "env_prefix=", (
        "Config is a pydantic-settings BaseSettings (env_prefix NANOBOT_, nested delimiter "
        "'__', names case-insensitive): even when config.json exists, variables such as "
        "NANOBOT_GATEWAY__PORT fill fields the file leaves unset, and a variable named "
        "exactly after a root field (e.g. NANOBOT_CHANNELS=whatsapp) must hold JSON or the "
        "config is refused at the root with '" + _VALUE_ERROR + "'"
    )),
    ("Config", "resolve_config_env_vars", "env", "nanobot/config/loader.py", "def _missing_env_issues", (
        "after validation, every string value of the validated config (fields, dict values, "
        "list items, and extras such as channel sections and custom providers) is scanned "
        "for \\$\\{([A-Za-z_][A-Za-z0-9_]*)\\}; each referenced name not in the environment "
        "(an empty value counts as set) is one issue 'Environment variable '<NAME>' is not "
        "set.' (once per name per string) at the path built from serialization alias, else "
        "camelCase alias, else field name, and raw keys for dicts/extras; stage missing_env "
        "'Found N missing environment variable reference(s).'; no default syntax, no escape"
    )),
    ("Config", "_match_provider", "provider", "nanobot/config/schema.py", "def _match_provider", (
        "provider selection for the preset (agents.defaults.modelPreset's modelPresets entry, "
        "else agents.defaults model/provider): a provider other than 'auto' is looked up with "
        "find_by_name, then among custom providers by key.replace('-','_').lower(); with "
        "'auto': explicit 'prefix/' of the model naming a built-in provider that is oauth, "
        "local, direct or has an apiKey; then a custom provider named by the prefix; then "
        "registry keywords in registry order (skip transcription-only; local providers only "
        "with apiBase and no foreign prefix; needs oauth/local/direct or apiKey); then local "
        "providers with apiBase (detect_by_base_keyword match first); then the first "
        "non-oauth provider with an apiKey; then the first custom provider with apiBase"
    )),
    ("Config", "validate_provider_setup", "provider", "nanobot/providers/factory.py", "def _resolve_provider_setup", (
        "stage provider (checked by `nanobot gateway` at start; fatal only when "
        "channels.websocket is disabled, else the gateway starts without a model): "
        "'No provider is configured for model '<model>'.' when nothing matched; "
        "'Provider '<name>' requires api_base in config.' for a custom provider without "
        "apiBase or a direct openai_compat provider with no default_api_base and no apiBase "
        "(custom); 'Provider '<name>' only supports transcription.'; 'providers.<name>.proxy "
        "is only supported for OpenAI-compatible providers, OpenAI Codex, and xAI Grok.'; "
        "'Azure OpenAI requires api_base in config.'; 'No API key configured for provider "
        "'<name>'.' for anthropic/openai_compat backends without apiKey unless the provider is "
        "oauth, local or direct or the model starts with 'bedrock/'"
    )),
    ("ChannelsConfig", "channel_sections", "channels", "nanobot/channels/manager.py", "def _build_channel", (
        "channel sections are extras of ChannelsConfig kept as raw JSON at load (any value "
        "accepted); a channel validates its section with its config model (see 'channels') "
        "only when it starts, and a failure there disables that channel only "
        "('Channel runtime could not be loaded. Check gateway logs.'); websocket is enabled "
        "by default, other channels need enabled: true; a multi-instance channel (feishu) may "
        "hold 'instances': [objects], each merged over the section's other keys"
    )),
]


def _def_line(func: Any) -> tuple[str, int]:
    func = inspect.unwrap(getattr(func, "__func__", func))
    source_file = Path(inspect.getsourcefile(func) or "")
    lines, start = inspect.getsourcelines(func)
    for offset, line in enumerate(lines):
        if line.lstrip().startswith(("def ", "async def ")):
            return str(source_file), start + offset
    return str(source_file), start


def _relative(up: uj.Upstream, file: str) -> str:
    return Path(file).resolve().relative_to(up.checkout).as_posix()


def _line_of(up: uj.Upstream, rel: str, marker: str) -> int:
    lines = (up.checkout / rel).read_text(encoding="utf-8").splitlines()
    hits = [number for number, line in enumerate(lines, 1) if marker in line]
    if len(hits) != 1:
        raise uj.UpstreamError(f"{rel}: expected one line with {marker!r}, found {len(hits)}")
    return hits[0]


def _json_default(value: Any, where: str) -> tuple[bool, Any]:
    if isinstance(value, type) and isinstance(value, uj._SdkStub):
        raise uj.UpstreamError(f"{where}: default comes from a channel SDK stand-in")
    if value is None or isinstance(value, (str, bool, int, float)):
        return True, value
    if isinstance(value, (list, tuple)):
        items = [_json_default(item, where) for item in value]
        if all(ok for ok, _ in items):
            return True, [item for _, item in items]
        return False, None
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            return False, None
        items = {key: _json_default(item, where) for key, item in value.items()}
        if all(ok for ok, _ in items.values()):
            return True, {key: item for key, (_, item) in items.items()}
        return False, None
    return False, None


def describe_field(up: uj.Upstream, model: type, name: str, field: Any) -> dict[str, Any]:
    where = f"{model.__name__}.{name}"
    out: dict[str, Any] = {
        "names": uj.accepted_names(model, name, field),
        "type": uj.type_of(field.annotation, where),
        "required": field.is_required(),
    }
    if not field.is_required():
        if field.default_factory is not None:
            if getattr(field, "default_factory_takes_data", False):
                value, ok = None, False
            else:
                ok, value = _json_default(field.default_factory(), where)
        else:
            ok, value = _json_default(field.default, where)
        if ok:
            out["default"] = value
    out.update(uj.field_constraints(field, where))
    return out


def describe_model(up: uj.Upstream, model: type) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        key = uj.canonical_key(name, field)
        if key in fields:
            raise uj.UpstreamError(f"{model.__name__}: two fields serialise as {key!r}")
        fields[key] = describe_field(up, model, name, field)
    return {"extra": uj.extra_policy(model), "fields": fields}


def describe_providers(up: uj.Upstream) -> list[dict[str, Any]]:
    providers_model = up.schema.ProvidersConfig
    out = []
    for spec in up.registry.PROVIDERS:
        field = providers_model.model_fields.get(spec.name)
        out.append({
            "name": spec.name,
            "display_name": spec.display_name,
            "keywords": list(spec.keywords),
            "backend": spec.backend,
            "config_key": uj.canonical_key(spec.name, field) if field is not None else None,
            "is_local": spec.is_local,
            "is_oauth": spec.is_oauth,
            "is_direct": spec.is_direct,
            "is_gateway": spec.is_gateway,
            "is_transcription_only": spec.is_transcription_only,
            "default_api_base": spec.default_api_base or None,
            "detect_by_base_keyword": spec.detect_by_base_keyword or None,
        })
    return out


def describe_validators(up: uj.Upstream, models: dict[str, type]) -> list[dict[str, Any]]:
    out = []
    for model_name, model in sorted(models.items()):
        decorators = model.__pydantic_decorators__
        for kind, table in (
            ("field_validator", decorators.field_validators),
            ("model_validator", decorators.model_validators),
        ):
            for func_name, decorator in table.items():
                description = VALIDATOR_DESCRIPTIONS.get((model_name, func_name))
                if description is None:
                    raise uj.UpstreamError(
                        f"no description for validator {model_name}.{func_name}: add one to "
                        f"VALIDATOR_DESCRIPTIONS in {GENERATOR}"
                    )
                file, line = _def_line(decorator.func)
                entry: dict[str, Any] = {
                    "model": model_name,
                    "name": func_name,
                    "kind": kind,
                    "mode": decorator.info.mode,
                    "upstream": f"{_relative(up, file)}:{line}",
                    "what": description,
                }
                if kind == "field_validator":
                    entry["fields"] = list(decorator.info.fields)
                out.append(entry)
    used = {(entry["model"], entry["name"]) for entry in out}
    stale = sorted(set(VALIDATOR_DESCRIPTIONS) - used)
    if stale:
        raise uj.UpstreamError(f"descriptions for validators upstream no longer has: {stale}")
    for model_name, name, kind, rel, marker, description in EXTRA_RULES:
        out.append({
            "model": model_name,
            "name": name,
            "kind": kind,
            "upstream": f"{rel}:{_line_of(up, rel, marker)}",
            "what": description,
        })
    def order(entry: dict[str, Any]) -> tuple[str, str, int, str]:
        file, _, line = entry["upstream"].rpartition(":")
        return entry["model"], file, int(line), entry["name"]

    out.sort(key=order)
    return out


def build_schema(up: uj.Upstream) -> dict[str, Any]:
    models = uj.reachable_models(up)
    return {
        "upstream": {
            "repository": uj.UPSTREAM_REPOSITORY,
            "commit": up.commit,
            "generator": GENERATOR,
        },
        "root": up.schema.Config.__name__,
        "models": {name: describe_model(up, model) for name, model in sorted(models.items())},
        "channels": {name: info["model"].__name__ for name, info in sorted(uj.channel_models(up).items())},
        "providers": describe_providers(up),
        "validators": describe_validators(up, models),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=Path(sys.argv[0]).name, description=__doc__.split("\n\n")[0])
    parser.add_argument("checkout", metavar="UPSTREAM_CHECKOUT", help="HKUDS/nanobot checkout")
    parser.add_argument("--commit", help="upstream commit id, when the checkout is not a git work tree")
    args = parser.parse_args(argv)
    uj.PROG = Path(sys.argv[0]).name
    try:
        up = uj.open_upstream(args.checkout, args.commit)
        schema = build_schema(up)
    except uj.UpstreamError as exc:
        uj.fail(str(exc))
    sys.stdout.write(json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    print(
        f"{uj.PROG}: {uj.UPSTREAM_REPOSITORY}@{up.commit}: {len(schema['models'])} models, "
        f"{len(schema['channels'])} channels, {len(schema['providers'])} providers, "
        f"{len(schema['validators'])} validators; stand-ins: {', '.join(up.stubbed) or 'none'}; "
        f"channel SDK stand-ins: {', '.join(up.channel_sdk_stubbed) or 'none'}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
