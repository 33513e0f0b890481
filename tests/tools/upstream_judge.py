#!/usr/bin/env python3
"""Run upstream nanobot's own config checks over the nanoforge config corpus.

Usage: upstream_judge.py [--commit SHA] [--corpus DIR] [--output FILE] UPSTREAM_CHECKOUT

UPSTREAM_CHECKOUT is a checkout (git work tree) of HKUDS/nanobot.  For every
``*.json`` file of the corpus (default: tests/data/nanobot-configs beside this
script's tests/ directory) the judge runs, with ``os.environ`` replaced by the
file's sidecar ``NAME.env`` (empty when there is none):

1. ``nanobot.config.loader.load_config(path)`` (JSON parsing, ``_migrate_config``,
   pydantic validation; pydantic-settings also reads ``NANOBOT_*`` variables
   from the environment here, which is why the sidecar applies already);
2. ``nanobot.config.loader.resolve_config_env_vars(config, config_path=path)``;
3. ``nanobot.providers.factory.validate_provider_setup(config)``, the provider
   check ``nanobot gateway`` runs at start (cli/runtime_config.py
   ``_provider_setup_error``).

It writes ``verdicts.json`` into the corpus directory (sorted, deterministic).

Upstream imports a few packages that are not installed here (loguru, httpx,
filelock, tzlocal, json_repair, tiktoken).  For each one that cannot be
imported, an empty stand-in module is written to a temporary directory that is
appended to ``sys.path`` (so a real installation always wins) and removed at
exit.  None of them takes part in validation except ``tzlocal``: its stand-in
reports the local zone as ``UTC`` (what upstream detects in a container
without a configured zone), which is what ``agents.defaults.timezoneMode:
"auto"`` then uses.

This module is also imported by nanobot-config-schema.py for the shared
upstream set-up and pydantic introspection helpers.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import copy
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import inspect
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import types
import typing
from pathlib import Path
from typing import Any

UPSTREAM_REPOSITORY = "HKUDS/nanobot"
PROG = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "upstream_judge.py"

# Stand-ins for upstream dependencies that are not installed here.  Each is
# written only when the real module cannot be found.
_STUB_SOURCES: dict[str, str] = {
    "loguru": '''"""Stand-in for loguru: every logger method is a no-op."""
class _Logger:
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self
logger = _Logger()
''',
    "httpx": '''"""Stand-in for httpx: names resolve to inert classes (exceptions for *Error)."""
_classes = {}
def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    if name not in _classes:
        base = Exception if name.endswith(("Error", "Exception", "Timeout")) else object
        _classes[name] = type(name, (base,), {"__module__": __name__})
    return _classes[name]
''',
    "filelock": '''"""Stand-in for filelock."""
class Timeout(Exception):
    pass
class FileLock:
    def __init__(self, *args, **kwargs):
        pass
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        return False
''',
    "tzlocal": '''"""Stand-in for tzlocal: the local zone of a container without TZ is UTC."""
def get_localzone_name():
    return "UTC"
''',
    "json_repair": '"""Stand-in for json_repair (not used by config loading)."""\n',
    "tiktoken": '"""Stand-in for tiktoken (not used by config loading)."""\n',
}

# Third-party SDKs imported by channel runtime modules (nanobot/channels/*/runtime.py),
# which also define the channel config models.  While those modules are imported
# (only to read their pydantic config classes), a missing module whose top-level
# name is listed here is replaced by a permissive stand-in.  Channel config
# validation does not use them; the model walk refuses any field type that is
# not a plain JSON type or a pydantic model.
_CHANNEL_SDK_MODULES = frozenset({
    "aiohttp", "botpy", "dingtalk_stream", "discord", "jwt", "lark_oapi", "mcp",
    "mistune", "msgpack", "nh3", "nio", "packaging", "rich", "slack_sdk",
    "slackify_markdown", "socketio", "telegram", "typer", "websockets",
    "wecom_aibot_sdk", "neonize", "segno", "qrcode", "PIL", "markdown_it",
    "botbuilder", "msal", "croniter", "watchfiles", "dulwich", "openai",
    "anthropic", "oauth_cli_kit", "prompt_toolkit", "questionary", "ddgs",
    "readability", "lxml", "lxml_html_clean", "chardet", "defusedxml", "pypdf",
    "docx", "openpyxl", "pptx", "websocket", "socksio", "python_socks",
})


class UpstreamError(Exception):
    """A fatal problem with the upstream checkout or its import."""


def fail(message: str) -> typing.NoReturn:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    raise SystemExit(2)


# ---------------------------------------------------------------------------
# Upstream set-up
# ---------------------------------------------------------------------------


class Upstream(types.SimpleNamespace):
    """Imported upstream modules plus metadata."""


def _git(checkout: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(checkout), *args],
        check=False,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise UpstreamError(result.stderr.strip() or f"git {' '.join(args)} failed")
    return result.stdout.strip()


def _upstream_commit(checkout: Path, commit: str | None) -> str:
    if commit:
        if not re.fullmatch(r"[0-9a-f]{40}", commit):
            raise UpstreamError(f"--commit must be a full 40-hex commit id, got {commit!r}")
        return commit
    try:
        toplevel = Path(_git(checkout, "rev-parse", "--show-toplevel")).resolve()
    except (UpstreamError, OSError):
        toplevel = None
    if toplevel != checkout:
        raise UpstreamError(
            f"cannot tell which upstream commit {checkout} is: it is not the top of a git work "
            "tree; use a git checkout of HKUDS/nanobot or pass --commit <40-hex sha>"
        )
    dirty = _git(checkout, "status", "--porcelain", "--untracked-files=no")
    if dirty:
        raise UpstreamError(
            f"the checkout {checkout} has local changes to tracked files; the data would not "
            f"describe any upstream commit:\n{dirty}"
        )
    return _git(checkout, "rev-parse", "HEAD")


def _write_stubs(names: typing.Iterable[str]) -> tuple[Path, list[str]]:
    stub_dir = Path(tempfile.mkdtemp(prefix="nanobot-upstream-stubs-"))
    atexit.register(shutil.rmtree, stub_dir, True)
    written: list[str] = []
    for name in sorted(names):
        if importlib.util.find_spec(name) is not None:
            continue
        (stub_dir / f"{name}.py").write_text(_STUB_SOURCES[name], encoding="utf-8")
        written.append(name)
    return stub_dir, written


def open_upstream(checkout_arg: str, commit: str | None = None) -> Upstream:
    """Validate the checkout, put it first on sys.path and import upstream's config code."""
    checkout = Path(checkout_arg).expanduser().resolve()
    if not checkout.is_dir():
        raise UpstreamError(f"{checkout_arg}: not a directory")
    required = [
        "pyproject.toml",
        "nanobot/__init__.py",
        "nanobot/config/schema.py",
        "nanobot/config/loader.py",
        "nanobot/config/errors.py",
        "nanobot/config_base.py",
        "nanobot/providers/registry.py",
        "nanobot/providers/factory.py",
    ]
    missing = [rel for rel in required if not (checkout / rel).is_file()]
    pyproject = (checkout / "pyproject.toml").read_text(encoding="utf-8") if not missing else ""
    if missing or not re.search(r'(?m)^name\s*=\s*"nanobot-ai"\s*$', pyproject):
        detail = f"missing {', '.join(missing)}" if missing else 'pyproject.toml does not name "nanobot-ai"'
        raise UpstreamError(f"{checkout} is not a checkout of {UPSTREAM_REPOSITORY} ({detail})")
    sha = _upstream_commit(checkout, commit)

    if "nanobot" in sys.modules:
        raise UpstreamError("a module named 'nanobot' is already imported")
    sys.dont_write_bytecode = True  # keep the checkout clean
    sys.path.insert(0, str(checkout))
    stub_dir, stubbed = _write_stubs(_STUB_SOURCES)
    sys.path.append(str(stub_dir))

    modules: dict[str, types.ModuleType] = {}
    for name in (
        "nanobot.config_base",
        "nanobot.config.errors",
        "nanobot.config.schema",
        "nanobot.config.loader",
        "nanobot.providers.registry",
        "nanobot.providers.factory",
    ):
        try:
            modules[name] = importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - report any import failure
            raise UpstreamError(
                f"importing upstream module {name} failed: {type(exc).__name__}: {exc}"
            ) from exc
    origin = Path(modules["nanobot.config.schema"].__file__ or "").resolve()
    if checkout not in origin.parents:
        raise UpstreamError(f"nanobot was imported from {origin}, not from {checkout}")
    # ToolsConfig's tool config types are forward references; load_config resolves
    # them on first use, do it now so model_fields are complete.
    modules["nanobot.config.schema"]._resolve_tool_config_refs()

    import pydantic
    import pydantic_settings

    return Upstream(
        checkout=checkout,
        commit=sha,
        stubbed=stubbed,
        schema=modules["nanobot.config.schema"],
        loader=modules["nanobot.config.loader"],
        errors=modules["nanobot.config.errors"],
        config_base=modules["nanobot.config_base"],
        registry=modules["nanobot.providers.registry"],
        factory=modules["nanobot.providers.factory"],
        pydantic_version=pydantic.VERSION,
        pydantic_settings_version=pydantic_settings.__version__,
        python_version=platform.python_version(),
    )


# --- channel config models ---------------------------------------------------


class _SdkStub(type):
    """Metaclass of permissive stand-in classes for missing channel SDK names."""

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _SdkStub(name, (), {"__module__": cls.__module__})

    def __getitem__(cls, item: Any) -> Any:
        return cls

    def __or__(cls, other: Any) -> Any:
        return cls

    def __ror__(cls, other: Any) -> Any:
        return cls

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if len(args) == 1 and callable(args[0]) and not kwargs:
            return args[0]  # used as a decorator
        return cls


class _SdkStubLoader(importlib.abc.Loader):
    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = types.ModuleType(spec.name)
        module.__path__ = []  # type: ignore[attr-defined]

        def __getattr__(name: str) -> Any:
            if name.startswith("__"):
                raise AttributeError(name)
            return _SdkStub(name, (), {"__module__": spec.name})

        module.__getattr__ = __getattr__  # type: ignore[attr-defined]
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        return None


class _SdkStubFinder(importlib.abc.MetaPathFinder):
    def __init__(self) -> None:
        self.stubbed: set[str] = set()

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname.split(".")[0] not in _CHANNEL_SDK_MODULES:
            return None
        for finder in sys.meta_path:
            if finder is self:
                continue
            find = getattr(finder, "find_spec", None)
            if find is None:
                continue
            try:
                if find(fullname, path, target) is not None:
                    return None
            except (ImportError, ValueError):
                continue
        self.stubbed.add(fullname.split(".")[0])
        return importlib.machinery.ModuleSpec(fullname, _SdkStubLoader(), is_package=True)


def channel_models(up: Upstream) -> dict[str, dict[str, Any]]:
    """Map each channel package name to its config model (and instance support).

    The model is the class the channel's runtime validates its section with
    (``<Model>.model_validate(config)`` in the channel class's ``__init__``).
    """
    if hasattr(up, "_channels"):
        return up._channels
    finder = _SdkStubFinder()
    sys.meta_path.append(finder)
    try:
        try:
            registry = importlib.import_module("nanobot.channels.registry")
            plugin_mod = importlib.import_module("nanobot.channels.plugin")
        except Exception as exc:  # noqa: BLE001
            raise UpstreamError(f"importing nanobot.channels failed: {type(exc).__name__}: {exc}") from exc
        result: dict[str, dict[str, Any]] = {}
        for name in sorted(registry._channel_package_names()):
            try:
                plugin = plugin_mod.load_channel_package(name)
                if plugin is None:
                    continue
                module_name, _, class_name = plugin.runtime.partition(":")
                module = importlib.import_module(module_name)
            except Exception as exc:  # noqa: BLE001
                raise UpstreamError(
                    f"importing channel {name!r} failed: {type(exc).__name__}: {exc}"
                ) from exc
            channel_cls = getattr(module, class_name)
            init_src = inspect.getsource(channel_cls.__init__)
            found = re.findall(r"\b([A-Za-z_][A-Za-z0-9_]*)\.model_validate\(config\)", init_src)
            if len(set(found)) != 1:
                raise UpstreamError(
                    f"cannot tell the config model of channel {name!r} from {plugin.runtime}.__init__"
                )
            model = getattr(module, found[0])
            result[name] = {
                "model": model,
                "multi_instance": bool(plugin.management.multi_instance),
                "default_enabled": bool(plugin.default_enabled),
            }
    finally:
        sys.meta_path.remove(finder)
    up.channel_sdk_stubbed = sorted(finder.stubbed)
    up._channels = result
    return result


# ---------------------------------------------------------------------------
# pydantic introspection shared with the schema generator
# ---------------------------------------------------------------------------


def extra_policy(model: type) -> str:
    return model.model_config.get("extra") or "ignore"


def validate_by_name(model: type) -> bool:
    config = model.model_config
    return bool(config.get("validate_by_name") or config.get("populate_by_name"))


def accepted_names(model: type, name: str, field: Any) -> list[str]:
    """Every input key that fills this field, in pydantic's lookup priority."""
    from pydantic import AliasChoices, AliasPath

    names: list[str] = []

    def add_choice(choice: Any) -> None:
        if isinstance(choice, AliasPath):
            if len(choice.path) != 1 or not isinstance(choice.path[0], str):
                raise UpstreamError(f"{model.__name__}.{name}: nested AliasPath is not supported")
            choice = choice.path[0]
        if choice not in names:
            names.append(choice)

    va = field.validation_alias
    if isinstance(va, AliasChoices):
        for choice in va.choices:
            add_choice(choice)
    elif va is not None:
        add_choice(va)
    elif field.alias is not None:
        add_choice(field.alias)
    if validate_by_name(model) or not names:
        add_choice(name)
    return names


def canonical_key(name: str, field: Any) -> str:
    return field.serialization_alias or field.alias or name


def _is_model(tp: Any) -> bool:
    from pydantic import BaseModel

    return isinstance(tp, type) and issubclass(tp, BaseModel)


def type_of(tp: Any, where: str, found: dict[str, type] | None = None) -> Any:
    """Translate a field annotation to the TYPE grammar of the schema file."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is str:
        return "str"
    if tp is bool:
        return "bool"
    if tp is int:
        return "int"
    if tp is float:
        return "float"
    if tp is Any or tp is object:
        return "any"
    if tp is None or tp is type(None):
        return "none"
    if origin is typing.Annotated:
        return type_of(args[0], where, found)
    if origin in (list, typing.List):  # noqa: UP006
        return {"list": type_of(args[0], where, found) if args else "any"}
    if origin in (dict, typing.Dict):  # noqa: UP006
        if args and args[0] is not str:
            raise UpstreamError(f"{where}: dict keys of type {args[0]!r} are not supported")
        return {"dict": type_of(args[1], where, found) if args else "any"}
    if origin is typing.Literal:
        return {"literal": list(args)}
    if origin is typing.Union or origin is types.UnionType:
        return {"union": [type_of(arg, where, found) for arg in args]}
    if _is_model(tp):
        if found is not None:
            other = found.get(tp.__name__)
            if other is not None and other is not tp:
                raise UpstreamError(f"two different models are named {tp.__name__}")
            found[tp.__name__] = tp
        return {"model": tp.__name__}
    raise UpstreamError(f"{where}: unsupported field type {tp!r}")


def field_constraints(field: Any, where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for meta in field.metadata:
        recognised = False
        for attr in ("ge", "le", "gt", "lt", "min_length", "max_length", "pattern", "multiple_of"):
            value = getattr(meta, attr, None)
            if value is not None:
                out[attr] = value
                recognised = True
        if not recognised and type(meta).__name__ not in {"Strict"}:
            raise UpstreamError(f"{where}: unsupported field metadata {meta!r}")
        if type(meta).__name__ == "Strict":
            out["strict"] = bool(getattr(meta, "strict", True))
    return out


def reachable_models(up: Upstream) -> dict[str, type]:
    """Every pydantic model reachable from Config, plus the channel config models."""
    found: dict[str, type] = {}
    pending: list[type] = [up.schema.Config]
    pending.extend(info["model"] for info in channel_models(up).values())
    found[up.schema.Config.__name__] = up.schema.Config
    for model in pending:
        found.setdefault(model.__name__, model)
    seen: set[type] = set()
    while pending:
        model = pending.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, field in model.model_fields.items():
            before = set(found)
            type_of(field.annotation, f"{model.__name__}.{name}", found)
            for new in sorted(set(found) - before):
                pending.append(found[new])
    # ProvidersConfig turns dict extras into ProviderConfig: already reached.
    return found


def field_type_models(tp: Any) -> list[type]:
    """Models that a value of annotation *tp* may be validated as."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if _is_model(tp):
        return [tp]
    if origin is typing.Annotated:
        return field_type_models(args[0])
    if origin is typing.Union or origin is types.UnionType:
        out: list[type] = []
        for arg in args:
            out.extend(field_type_models(arg))
        return out
    return []


# ---------------------------------------------------------------------------
# Ignored keys
# ---------------------------------------------------------------------------


def _field_lookup(model: type) -> dict[str, tuple[str, int]]:
    """input key -> (python field name, priority: lower wins)."""
    table: dict[str, tuple[str, int]] = {}
    for name, field in model.model_fields.items():
        for priority, key in enumerate(accepted_names(model, name, field)):
            table.setdefault(key, (name, priority))
    return table


def _join(path: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in path)


def ignored_keys(up: Upstream, data: Any) -> list[str]:
    """Keys of the (migrated) input that upstream drops without a word.

    A key is ignored when its model neither has a field of that name/alias nor
    keeps extras, or when a higher-priority name of the same field is also
    present (pydantic reads one name per field).  Channel sections
    (extras of ChannelsConfig) are walked with the channel's own config model,
    which upstream applies when the channel starts; a multi-instance channel's
    ``instances`` items are walked with the same model.
    """
    out: list[str] = []
    channels = channel_models(up)
    provider_model = up.schema.ProviderConfig

    def walk_value(tp: Any, value: Any, path: tuple[Any, ...]) -> None:
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if origin is typing.Annotated:
            walk_value(args[0], value, path)
        elif _is_model(tp):
            if isinstance(value, dict):
                walk_model(tp, value, path)
        elif origin is typing.Union or origin is types.UnionType:
            models = field_type_models(tp)
            if isinstance(value, dict) and len(models) == 1:
                walk_model(models[0], value, path)
        elif origin in (list, typing.List) and isinstance(value, list) and args:  # noqa: UP006
            for index, item in enumerate(value):
                walk_value(args[0], item, (*path, index))
        elif origin in (dict, typing.Dict) and isinstance(value, dict) and len(args) == 2:  # noqa: UP006
            for key, item in value.items():
                walk_value(args[1], item, (*path, key))

    def walk_model(model: type, data: dict[str, Any], path: tuple[Any, ...]) -> None:
        lookup = _field_lookup(model)
        best: dict[str, tuple[int, str]] = {}
        for key in data:
            if key in lookup:
                field_name, priority = lookup[key]
                if field_name not in best or priority < best[field_name][0]:
                    best[field_name] = (priority, key)
        for key, value in data.items():
            if key in lookup:
                field_name, _ = lookup[key]
                if best[field_name][1] != key:
                    out.append(_join((*path, key)))
                    continue
                walk_value(model.model_fields[field_name].annotation, value, (*path, key))
                continue
            policy = extra_policy(model)
            if policy != "allow":
                # "forbid" is reported by upstream as an error, not ignored.
                if policy == "ignore":
                    out.append(_join((*path, key)))
                continue
            if model is up.schema.ProvidersConfig and isinstance(value, dict):
                walk_model(provider_model, value, (*path, key))
            elif model is up.schema.ChannelsConfig and key in channels and isinstance(value, dict):
                info = channels[key]
                section = value
                if info["multi_instance"] and isinstance(value.get("instances"), list):
                    for index, item in enumerate(value["instances"]):
                        if isinstance(item, dict):
                            walk_model(info["model"], item, (*path, key, "instances", index))
                    section = {k: v for k, v in value.items() if k != "instances"}
                walk_model(info["model"], section, (*path, key))

    if isinstance(data, dict):
        walk_model(up.schema.Config, data, ())
    return sorted(set(out))


# ---------------------------------------------------------------------------
# The judge
# ---------------------------------------------------------------------------


def read_env_file(path: Path) -> dict[str, str]:
    """Read a Docker-style env file: KEY=VALUE lines, '#' comments, blank lines."""
    env: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.lstrip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key:
            raise UpstreamError(f"{path}:{number}: expected KEY=VALUE")
        env[key] = value
    return env


@contextlib.contextmanager
def replaced_environ(env: dict[str, str]) -> typing.Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _issues(issues: typing.Iterable[Any]) -> list[dict[str, str]]:
    return [{"path": _join(tuple(issue.path)), "message": issue.message} for issue in issues]


def judge_file(up: Upstream, path: Path) -> dict[str, Any]:
    ConfigLoadError = up.errors.ConfigLoadError
    env_path = path.with_suffix(".env")
    env = read_env_file(env_path) if env_path.exists() else {}
    verdict: dict[str, Any]
    with replaced_environ(env):
        try:
            config = up.loader.load_config(path)
        except ConfigLoadError as exc:
            return {"stage": exc.kind, "summary": exc.summary, "issues": _issues(exc.issues)}
        raw = json.loads(path.read_text(encoding="utf-8"))
        ignored = ignored_keys(up, up.loader._migrate_config(copy.deepcopy(raw)))
        try:
            config = up.loader.resolve_config_env_vars(config, config_path=path)
        except ConfigLoadError as exc:
            verdict = {"stage": exc.kind, "summary": exc.summary, "issues": _issues(exc.issues)}
        else:
            try:
                up.factory.validate_provider_setup(config)
            except ValueError as exc:  # what cli/runtime_config.py _provider_setup_error catches
                verdict = {"stage": "provider", "summary": str(exc), "issues": []}
            else:
                verdict = {"stage": "ok", "summary": "", "issues": []}
    verdict["ignored"] = ignored
    return verdict


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    parser.add_argument("checkout", metavar="UPSTREAM_CHECKOUT", help="HKUDS/nanobot checkout")
    parser.add_argument("--commit", help="upstream commit id, when the checkout is not a git work tree")
    default_corpus = Path(__file__).resolve().parent.parent / "data" / "nanobot-configs"
    parser.add_argument("--corpus", type=Path, default=default_corpus, help="corpus directory")
    parser.add_argument("--output", type=Path, help="default: CORPUS/verdicts.json")
    args = parser.parse_args(argv)

    corpus: Path = args.corpus
    output: Path = args.output or corpus / "verdicts.json"
    if not corpus.is_dir():
        fail(f"corpus directory {corpus} does not exist")
    files = sorted(p for p in corpus.glob("*.json") if p.resolve() != output.resolve())
    if not files:
        fail(f"no *.json files in {corpus}")
    orphans = sorted(p.name for p in corpus.glob("*.env") if not p.with_suffix(".json").exists())
    if orphans:
        fail(f"env sidecars without a config: {', '.join(orphans)}")

    try:
        up = open_upstream(args.checkout, args.commit)
        channel_models(up)
        configs = {path.name: judge_file(up, path) for path in files}
    except UpstreamError as exc:
        fail(str(exc))

    result = {
        "upstream": {"repository": UPSTREAM_REPOSITORY, "commit": up.commit},
        "python": up.python_version,
        "pydantic": up.pydantic_version,
        "pydantic_settings": up.pydantic_settings_version,
        "configs": configs,
    }
    text = json.dumps(result, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    output.write_text(text, encoding="utf-8")

    stages: dict[str, int] = {}
    for verdict in configs.values():
        stages[verdict["stage"]] = stages.get(verdict["stage"], 0) + 1
    print(f"upstream {UPSTREAM_REPOSITORY}@{up.commit}")
    print(
        f"python {up.python_version}, pydantic {up.pydantic_version}, "
        f"pydantic-settings {up.pydantic_settings_version}"
    )
    print(f"stand-ins for missing modules: {', '.join(up.stubbed) or 'none'}")
    print(f"channel SDK stand-ins (channel models only): {', '.join(up.channel_sdk_stubbed) or 'none'}")
    for name, verdict in configs.items():
        line = f"{verdict['stage']:<14} {name}"
        if verdict["summary"]:
            line += f"  -- {verdict['summary']}"
        print(line)
    print(
        f"{len(configs)} configs: "
        + ", ".join(f"{stage} {count}" for stage, count in sorted(stages.items()))
    )
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
