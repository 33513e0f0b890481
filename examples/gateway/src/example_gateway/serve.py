"""`serve`: the OpenAI-compatible API command (upstream cli/commands.py:318-404)."""

from . import api, lifecycle, log, provider, state
from .config import pick
from .httpbase import is_loopback_host


def run(config, host=None, port=None, timeout=None) -> int:
    section = config.section("api")
    host = host if host is not None else str(pick(section, "host", "127.0.0.1"))
    port = port if port is not None else int(pick(section, "port", 8900))
    timeout = timeout if timeout is not None else float(pick(section, "timeout", 120.0))
    api_key = str(pick(section, "api_key", "") or "").strip()
    if not is_loopback_host(host) and not api_key:
        log.console(
            f"Error: host {host} is available beyond this device but api_key is not set. "
            "Set api.api_key in config to prevent unauthenticated access."
        )
        return 1
    with state.explain_permission_errors():
        state.sync_workspace(config.workspace)
    error = provider.setup_error(config)
    if error:
        log.console(f"Error: {error}")  # AgentLoop.from_config's ValueError
        return 1

    log.console("🐈 Starting OpenAI-compatible API server")
    log.console(f"  Endpoint : http://{host}:{port}/v1/chat/completions")
    log.console(f"  Model    : {config.model}")
    log.console("  Session  : api:default")
    log.console(f"  Timeout  : {timeout}s")
    if not is_loopback_host(host):
        log.console("API is available beyond this device (authentication required).")
    log.console()

    shutdown = lifecycle.ShutdownRequest("api")
    shutdown.install()
    server = api.make_server(host, port, api_key, config.model)
    lifecycle.serve_in_background(server)
    # aiohttp's run_app prints these; nanobot routes them through loguru at INFO.
    log.info(f"======== Running on http://{host}:{port} ========")
    log.info("(Press CTRL+C to quit)")
    shutdown.wait()
    lifecycle.stop_servers([server])
    return 0
