"""`gateway`: the startup sequence of upstream cli/gateway.py:152-255 and cli/gateway_runtime.py:289-966.

Order matters to a deployer and is kept: config and ${VAR} resolution, the WebUI rule, the
provider check, the port pre-flight, the "Starting" line, state and workspace writes, the
synchronous channel-dependency installs, and only then the health listener.
"""

import socket
import sys
from pathlib import Path

from . import __version__, channels, health, lifecycle, log, provider, state, webui
from .config import default_config_path
from .diagnostics import ConfigError, status_command


def _port_taken(host: str, port: int) -> bool:
    """webui_support.py:_tcp_endpoint_reachable: something already accepts connections there."""
    try:
        with socket.create_connection((health.browser_host(host).strip("[]"), port), timeout=0.5):
            return True
    except OSError:
        return False


def _print_port_conflict(config, settings, port: int) -> None:
    log.console("Error: nanobot cannot start because one of its local ports is already in use.")
    log.console(f"  WebUI: {webui.browser_url(settings)}")
    log.console(f"  Gateway health: {health.health_url(config.gateway_host, port)}")
    log.console()
    log.console("If this is an existing nanobot instance, use it or stop it first:")
    log.console("  nanobot gateway status")
    log.console("  nanobot gateway stop")
    log.console("Or choose different ports with --port and --gateway-port.")


def _report_provider(config, settings, error: str) -> int:
    """webui_support.py:124-175: with the WebUI on, start anyway; without it, refuse."""
    if channels.websocket_enabled(config):
        log.console(f"Provider/model setup is incomplete: {error}")
        log.console("Gateway will start so you can configure a provider and model in WebUI Settings → Models.")
        log.console(f"WebUI: {webui.browser_url(settings)}")
        if settings.secret:
            key = "tokenIssueSecret" if settings.token_issue_secret.strip() else "token"
            log.console(f"If prompted, enter the configured channels.websocket.{key} value (see {config.path}).")
        return 0
    log.console(f"Gateway cannot start: {error}")
    log.console("Complete provider/model setup:")
    log.console(f'  WebUI: run nanobot webui --config "{config.path}", then open Settings → Models')
    log.console(f'  CLI:   run nanobot onboard --wizard --config "{config.path}"')
    log.console(f"  Check: {status_command(config.path)}")
    return 1


def run(config, port=None, workspace_option=None) -> int:
    try:
        settings = webui.validate(config)
    except ConfigError as error:
        error.report()
        return 1
    provider_error = provider.setup_error(config)
    if provider_error and _report_provider(config, settings, provider_error):
        return 1

    host = config.gateway_host
    port = port if port is not None else config.gateway_port
    # Simplification: upstream also refuses when the WebUI port is taken; the stand-in only
    # logs that channel's start failure, so parallel test runs on one host do not collide.
    if _port_taken(host, port):
        _print_port_conflict(config, settings, port)
        return 1

    with state.explain_permission_errors():
        record = state.run_record_path(config.data_dir, workspace_option, config.path, default_config_path())
        try:
            state.claim_run_record(record, config.path, config.workspace, health.health_url(host, port))
        except state.AlreadyRunning:
            log.console("Gateway is already running.")
            return 1

    log.console(f"🐈 Starting nanobot gateway version {__version__} on port {port}...")
    soul = config.workspace / "SOUL.md"
    has_soul = soul.is_file() and bool(soul.read_text(encoding="utf-8", errors="replace").strip())
    # The stand-in's own line, which nanoforge's tests and guide grep for.
    log.console(
        f"example-gateway {__version__}: listening on {host}:{port}, model={config.model}, "
        f"soul={'loaded' if has_soul else 'none'} ({soul})"
    )

    with state.explain_permission_errors():
        workspace_id = state.sync_workspace(config.workspace)
        sessions = state.sessions_dir(config.data_dir, config.workspace, workspace_id)
        state.runtime_dirs(config.data_dir)
        state.home_dirs()

    # ChannelManager's constructor: enabled channels, then the blocking dependency installs.
    enabled = channels.enabled_channels(config)
    failures = channels.ensure_dependencies(enabled)
    running = [name for name in enabled if name not in failures]
    if running:
        log.console(f"✓ Channels enabled: {', '.join(running)}")
    else:
        log.console("Warning: No channels enabled")
    log.console("✓ Heartbeat: every 1800s")
    log.console("✓ Dream: every 2h")

    shutdown = lifecycle.ShutdownRequest("gateway")
    shutdown.install()
    try:
        health_server = health.start(host, port)
    except OSError as exc:
        # Upstream catches a crash inside its loop, prints this and returns normally (exit 0).
        log.console("\nError: Gateway crashed unexpectedly")
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        state.release_run_record(record)
        return 0
    servers = [health_server]
    if "websocket" in running:
        servers.append(webui.start(settings, config.model))
    for server in servers:
        if server is not None:
            lifecycle.serve_in_background(server)

    shutdown.wait()
    log.info("Stopping all channels...")
    lifecycle.stop_servers(servers)
    flushed = state.flush_sessions(sessions)
    log.info(f"Shutdown: flushed {flushed} session(s) to disk")
    state.release_run_record(record)
    return 0
