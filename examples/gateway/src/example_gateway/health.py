"""The gateway's health endpoint (upstream cli/gateway_runtime.py:715-769, 902-906).

Only an exact `GET /health` answers 200 with `json.dumps({"status": "ok"})`, i.e. with a space
after the colon; a query string, another path or another method gets 404 `Not Found`.
"""

import json

from . import log
from .httpbase import Handler, Server, is_loopback_host

BODY = json.dumps({"status": "ok"}).encode()


class HealthHandler(Handler):
    def route(self, method: str):
        if method == "GET" and self.path == "/health":
            self.send(200, BODY, "application/json")
        else:
            self.send(404, b"Not Found", "text/plain")


def browser_host(host: str) -> str:
    """webui_support.py:212-220: a URL that can be opened on this device."""
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    if ":" in host and not host.startswith("["):
        return f"[{host}]"
    return host


def health_url(host: str, port: int) -> str:
    return f"http://{browser_host(host)}:{port}/health"


def start(host: str, port: int) -> Server:
    server = Server(host, port, HealthHandler)
    note = "" if is_loopback_host(host) else f" (listening on {host})"
    log.console(f"✓ Health endpoint: {health_url(host, port)}{note}")
    if not is_loopback_host(host):
        log.console(
            "Warning: the unauthenticated health endpoint is listening beyond loopback and may be "
            f"reachable from other devices. Keep port {port} private or protect it with a firewall or reverse proxy."
        )
    return server
