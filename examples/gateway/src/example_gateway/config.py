"""Reads Nanobot's config.json (camelCase keys) with the defaults Nanobot uses."""

import json
import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_HOST = "0.0.0.0"
DEFAULT_PORT = 18790
DEFAULT_WORKSPACE = "~/.nanobot/workspace"


@dataclass
class GatewayConfig:
    host: str
    port: int
    workspace: Path
    model: str


def default_config_path() -> Path:
    return Path(os.environ.get("HOME", "/")) / ".nanobot" / "config.json"


def load_config(path: Path) -> GatewayConfig:
    """Loads `path`; a missing file means all defaults, a malformed one is an error naming it."""
    data = {}
    if path.exists():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise SystemExit(f"example-gateway: {path}: invalid JSON: {error}")
        if not isinstance(data, dict):
            raise SystemExit(f"example-gateway: {path}: expected a JSON object")
    gateway = data.get("gateway") or {}
    defaults = (data.get("agents") or {}).get("defaults") or {}
    port = gateway.get("port", DEFAULT_PORT)
    if not isinstance(port, int) or not 0 < port < 65536:
        raise SystemExit(f"example-gateway: {path}: gateway.port must be a port number, got {port!r}")
    workspace = Path(os.path.expanduser(defaults.get("workspace", DEFAULT_WORKSPACE)))
    return GatewayConfig(
        host=str(gateway.get("host", DEFAULT_HOST)),
        port=port,
        workspace=workspace,
        model=str(defaults.get("model", "")),
    )


def load_soul(workspace: Path) -> str:
    """The agent's personality; empty when the workspace has no SOUL.md."""
    soul = workspace / "SOUL.md"
    return soul.read_text(encoding="utf-8") if soul.exists() else ""
