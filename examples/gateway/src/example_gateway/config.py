"""Reads Nanobot's config.json the way upstream's config/loader.py and config/schema.py do.

Only what a container deployer can observe is reproduced: where the file is, that camelCase
and snake_case keys both work, which errors stop the process (unknown top-level keys, JSON
syntax, the api schema rule, unset ${VAR} references) and the defaults. Everything else in
the file is carried along untouched, as upstream ignores unknown nested keys.
"""

import json
import os
import re
from pathlib import Path

from .diagnostics import REQUIREMENTS, UNKNOWN, ConfigError

# config/schema.py: the root Config forbids extra keys; these are its fields.
TOP_LEVEL = ("agents", "channels", "transcription", "providers", "api", "gateway", "tools", "model_presets")
ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")  # loader.py: no defaults, no escaping
WILDCARD_HOSTS = ("0.0.0.0", "::")

DEFAULT_MODEL = "anthropic/claude-opus-4-5"  # schema.py:121-124
DEFAULT_WORKSPACE = "~/.nanobot/workspace"  # schema.py:119


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def pick(section, name: str, default=None):
    """Upstream's models have `populate_by_name=True` with camelCase aliases: both spellings count."""
    if not isinstance(section, dict):
        return default
    for key in (name, camel(name)):
        if key in section:
            return section[key]
    return default


def default_config_path() -> Path:
    # Path.home() honours $HOME, as upstream's loader.py:35-39 does.
    return Path.home() / ".nanobot" / "config.json"


class Config:
    """The loaded (and, after `resolve_env`, interpolated) config plus where it came from."""

    def __init__(self, path: Path, data: dict):
        self.path = path
        self.data = data

    @property
    def data_dir(self) -> Path:
        return self.path.parent  # config/paths.py:20-22: the data directory is the file's parent

    def section(self, name: str) -> dict:
        value = pick(self.data, name, {})
        return value if isinstance(value, dict) else {}

    @property
    def agent_defaults(self) -> dict:
        value = pick(self.section("agents"), "defaults", {})
        return value if isinstance(value, dict) else {}

    @property
    def model(self) -> str:
        return str(pick(self.agent_defaults, "model", DEFAULT_MODEL) or DEFAULT_MODEL)

    @property
    def workspace(self) -> Path:
        return Path(os.path.expanduser(str(pick(self.agent_defaults, "workspace", DEFAULT_WORKSPACE))))

    def set_workspace(self, workspace: str) -> None:
        agents = self.data.setdefault("agents", {})
        agents.setdefault("defaults", {})["workspace"] = workspace

    @property
    def gateway_host(self) -> str:
        return str(pick(self.section("gateway"), "host", "127.0.0.1"))  # schema.py:363-369

    @property
    def gateway_port(self) -> int:
        return int(pick(self.section("gateway"), "port", 18790))

    def channel(self, name: str) -> dict:
        value = self.section("channels").get(name)
        return value if isinstance(value, dict) else {}


def _sentence(text: str) -> str:
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _is_int(value) -> bool:
    # pydantic's lax mode also takes integral strings such as "18790".
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return True
    return isinstance(value, str) and value.strip().lstrip("+-").isdigit()


def _schema_issues(data: dict) -> list:
    """The checks of the root model: unknown top-level keys, the api rule, port types."""
    issues = []
    known = set(TOP_LEVEL) | {camel(name) for name in TOP_LEVEL}
    for key in data:
        if key not in known:
            issues.append(((key,), UNKNOWN))
    api = pick(data, "api", {})
    if isinstance(api, dict):
        # schema.py:351-361 runs before ${VAR} resolution, so a literal "${X}" key counts as set.
        host = str(pick(api, "host", "127.0.0.1"))
        if host in WILDCARD_HOSTS and not str(pick(api, "api_key", "") or "").strip():
            issues.append((("api",), REQUIREMENTS))
    for name in ("gateway", "api"):
        section = pick(data, name, {})
        port = pick(section, "port") if isinstance(section, dict) else None
        if port is not None and not _is_int(port):
            issues.append(((name, "port"), "Must be a valid integer, unable to parse string as an integer."))
    return issues


def load(path: Path) -> Config:
    """loader.py:35-132: a missing file means all defaults; anything malformed raises ConfigError."""
    if not path.exists():
        return Config(path, {})
    try:
        with path.open(encoding="utf-8") as handle:
            data = json.load(handle)
    except json.JSONDecodeError as exc:
        raise ConfigError(path, f"JSON syntax error at line {exc.lineno}, column {exc.colno}: {_sentence(exc.msg)}")
    except UnicodeDecodeError:
        raise ConfigError(path, "The file is not valid UTF-8.")
    except PermissionError:
        raise  # upstream lets the traceback through for an unreadable data directory
    except OSError as exc:
        raise ConfigError(path, f"Unable to read the file: {_sentence(exc.strerror or type(exc).__name__)}")
    if not isinstance(data, dict):
        found = {list: "list", str: "str", int: "int", float: "float", bool: "bool"}.get(type(data), "NoneType")
        raise ConfigError(path, "The top level of config.json must be a JSON object.", [((), f"Expected an object, but found {found}.")])
    issues = _schema_issues(data)
    if issues:
        raise ConfigError(path, f"Found {len(issues)} invalid setting(s).", issues)
    return Config(path, data)


def _missing_env(value, path, under_extras=False) -> list:
    """loader.py:286-321. Paths show model fields by their camelCase alias; `channels.*` keys are extras, kept as written."""
    if isinstance(value, str):
        names = dict.fromkeys(ENV_REF.findall(value))
        return [(path, f"Environment variable '{name}' is not set.") for name in names if name not in os.environ]
    if isinstance(value, dict):
        issues = []
        for key, item in value.items():
            part = key if under_extras or not isinstance(key, str) else camel(key)
            issues.extend(_missing_env(item, (*path, part), under_extras or (not path and snake(key) == "channels")))
        return issues
    if isinstance(value, list):
        issues = []
        for index, item in enumerate(value):
            issues.extend(_missing_env(item, (*path, index), under_extras))
        return issues
    return []


def _substitute(value):
    if isinstance(value, str):
        return ENV_REF.sub(lambda match: os.environ[match.group(1)], value)
    if isinstance(value, dict):
        return {key: _substitute(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_substitute(item) for item in value]
    return value


def resolve_env(config: Config) -> Config:
    """Interpolate ${VAR} in string values, after validation and in memory only (loader.py:193-215).

    "Set" means present in the environment: an empty value is set and resolves to "".
    """
    issues = _missing_env(config.data, ())
    if issues:
        raise ConfigError(config.path, f"Found {len(issues)} missing environment variable reference(s).", issues)
    return Config(config.path, _substitute(config.data))
