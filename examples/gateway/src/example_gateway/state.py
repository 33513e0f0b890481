"""Files the gateway writes at start, where upstream writes them (see README's table).

Writing them for real is the point: a deployer's volume layout, ownership and read-only
mounts fail on the stand-in exactly where they would fail on Nanobot.
"""

import hashlib
import json
import os
import secrets
import sys
import time
from pathlib import Path

from . import __version__, log

# utils/helpers.py:847-898 (sync_workspace_templates): created, never overwritten.
TEMPLATES = {
    "AGENTS.md": "# Agent Instructions\n\nFollow SOUL.md and USER.md.\n",
    "HEARTBEAT.md": "# Heartbeat Tasks\n\n<!-- Tasks the heartbeat checks every interval. -->\n",
    "SOUL.md": "# Soul\n\nI am a helpful assistant.\n",
    "USER.md": "# User\n\n<!-- What the agent knows about its user. -->\n",
    "memory/MEMORY.md": "# Long-term Memory\n",
    "memory/history.jsonl": "",
    "prompts/README.md": "# Prompts\n",
}


def _nearest_existing(path: Path) -> Path:
    path = Path(path)
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _explain_not_writable(exc: PermissionError) -> None:
    """Upstream's entrypoint.sh:41-52 prints this before Python runs; the stand-in prints it itself."""
    target = _nearest_existing(Path(exc.filename or "."))
    if target.is_file():
        target = target.parent
    try:
        owner = target.stat().st_uid
    except OSError:
        owner = "?"
    sys.stderr.write(
        f"Error: {target} is not writable (owned by UID {owner}, running as UID {os.getuid()}).\n\n"
        "Fix (pick one):\n"
        "  Host:   sudo chown -R 1000:1000 ~/.nanobot\n"
        "  Docker: docker run --user $(id -u):$(id -g) ...\n"
        "  Podman: podman run --userns=keep-id ...\n"
    )
    sys.stderr.flush()


class explain_permission_errors:
    """Print the not-writable line, then let the PermissionError propagate (traceback, exit 1) as upstream."""

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if isinstance(exc, PermissionError):
            _explain_not_writable(exc)
        return False


def ensure_dir(path: Path, mode=None) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    if mode is not None:
        try:
            os.chmod(path, mode)
        except OSError:
            pass  # upstream suppresses chmod failures too (session/manager.py)
    return path


def _write_new(path: Path, text: str) -> None:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def sync_workspace(workspace: Path) -> str:
    """Templates, skills/, cron/jobs.json and the workspace id; returns the id."""
    ensure_dir(workspace)
    for name, text in TEMPLATES.items():
        _write_new(workspace / name, text)
    ensure_dir(workspace / "skills")
    _write_new(workspace / "cron" / "jobs.json", '{\n  "version": 1,\n  "jobs": []\n}\n')
    marker = workspace / ".nanobot" / "workspace-id"
    if marker.exists():
        return marker.read_text(encoding="ascii").strip()
    workspace_id = secrets.token_hex(16)  # session/manager.py:656
    ensure_dir(marker.parent)
    marker.write_text(f"{workspace_id}\n", encoding="ascii")
    return workspace_id


def sessions_dir(data_dir: Path, workspace: Path, workspace_id: str) -> Path:
    """session/manager.py:526-560: <D>/sessions/<id>/, root chmod 0700, never inside the workspace."""
    root = (data_dir / "sessions").resolve(strict=False)
    canonical = workspace.expanduser().resolve(strict=False)
    if root == canonical or root.is_relative_to(canonical):
        raise RuntimeError(
            "session storage must be outside the agent workspace; "
            "move --config outside --workspace or choose a nested workspace directory"
        )
    ensure_dir(root, 0o700)
    return ensure_dir(root / workspace_id)


def runtime_dirs(data_dir: Path) -> None:
    """<D>/media, <D>/logs and <D>/cron (config/paths.py, gateway/runtime.py, cli/runtime_config.py)."""
    for name in ("media", "logs", "cron"):
        ensure_dir(data_dir / name)


def home_dirs() -> list:
    """HOME-based paths upstream uses independently of --config; a probe file proves each is writable."""
    home = Path.home()
    data_home = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache")
    made = []
    for directory in (data_home / "nanobot", cache_home / "nanobot", home / ".nanobot" / "history"):
        ensure_dir(directory)
        (directory / ".example-gateway-write-test").write_text(f"{time.time()}\n", encoding="ascii")
        made.append(directory)
    return made


# --- the run record (gateway/runtime.py, process_runtime.py:205-228) --------------------------

def _proc_identity(pid: int):
    """`pgid:starttime` from /proc; None when the process is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return f"{fields[2]}:{fields[19]}"  # pgrp, starttime


def run_record_path(data_dir: Path, workspace_option, config_path: Path, default_config: Path) -> Path:
    """gateway/runtime.py:648-652: a suffix only for a forced workspace or a non-default config."""
    config_selector = None if config_path.resolve() == default_config.resolve() else str(config_path.resolve())
    raw = "|".join(value for value in (workspace_option, config_selector) if value)
    stem = "gateway" if not raw else "gateway." + hashlib.sha1(raw.encode("utf-8")).hexdigest()[:16]
    return data_dir / "run" / f"{stem}.json"


class AlreadyRunning(Exception):
    pass


def claim_run_record(path: Path, config_path: Path, workspace: Path, health_url: str) -> None:
    """A live process with the same identity wins; a stale record is replaced silently."""
    ensure_dir(path.parent)
    if path.exists():
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
            pid = int(old.get("pid", 0))
        except (ValueError, OSError, AttributeError):
            pid, old = 0, {}
        if pid and pid != os.getpid() and _proc_identity(pid) == old.get("identity"):
            raise AlreadyRunning(pid)
        log.debug(f"Clearing stale gateway state {path}")
    record = {
        "pid": os.getpid(),
        "identity": _proc_identity(os.getpid()),
        "started_at": time.time(),
        "version": __version__,
        "config_path": str(config_path),
        "workspace": str(workspace),
        "health_url": health_url,
    }
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    temp.replace(path)  # atomic, like upstream's save helpers


def release_run_record(path: Path) -> None:
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass


def flush_sessions(directory: Path) -> int:
    """What upstream's shutdown flush leaves behind: the stand-in's one session, as JSONL."""
    session = directory / "gateway_standin.jsonl"
    with session.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"event": "shutdown", "at": time.time()}) + "\n")
    return len(list(directory.glob("*.jsonl")))
