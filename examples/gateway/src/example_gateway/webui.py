"""The WebUI/websocket channel's HTTP side (upstream channels/websocket/runtime.py, webui/ws_http.py).

No websocket protocol: a deployer depends on the listener's address, the wildcard-bind rule,
and who may fetch `/webui/bootstrap` (the credential exchange a browser or proxy performs).
"""

import hmac
import json
import secrets
from pathlib import Path

from . import log
from .config import WILDCARD_HOSTS, Config, pick
from .diagnostics import REQUIREMENTS, ConfigError
from .httpbase import Handler, Server, is_loopback_host
from .health import browser_host

# The bundle `npm run build` in webui/ puts into the package (upstream: nanobot/web/dist,
# found through the nanobot.web package, channels/manager.py _default_webui_dist).
DIST = Path(__file__).resolve().parent / "web" / "dist"
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".json": "application/json"}


class Settings:
    """The fields of WebSocketConfig that matter here, with upstream's defaults."""

    def __init__(self, config: Config):
        section = config.channel("websocket")
        self.host = str(pick(section, "host", "127.0.0.1"))
        self.port = int(pick(section, "port", 8765))
        self.path = str(pick(section, "path", "/") or "/")
        self.token = str(pick(section, "token", "") or "")
        self.token_issue_secret = str(pick(section, "token_issue_secret", "") or "")
        self.trusted_proxy_auth = pick(section, "trusted_proxy_auth", None)
        self.token_ttl_s = int(pick(section, "token_ttl_s", 300))

    @property
    def secret(self) -> str:
        return self.token_issue_secret.strip() or self.token.strip()  # webui_support.py:233-236


def validate(config: Config) -> Settings:
    """runtime.py:284-293, checked after ${VAR} resolution (webui_support.py:129-140)."""
    try:
        settings = Settings(config)
    except (TypeError, ValueError):
        settings = None
    if settings is None or (
        settings.host in WILDCARD_HOSTS
        and not settings.token.strip()
        and not settings.token_issue_secret.strip()
        and settings.trusted_proxy_auth is None
    ):
        raise ConfigError(
            config.path,
            "Gateway configuration is invalid.",
            [(("channels", "websocket"), REQUIREMENTS)],
            footer=f'Fix the listed setting, then retry: nanobot gateway --config "{config.path}"',
        )
    return settings


def browser_url(settings: Settings) -> str:
    return f"http://{browser_host(settings.host)}:{settings.port}"


class WebUIHandler(Handler):
    def route(self, method: str):
        path = self.path.split("?", 1)[0]
        if method == "GET" and path == "/webui/bootstrap":
            self.bootstrap()
        elif method in ("GET", "HEAD") and not path.startswith("/api/") and DIST.is_dir():
            self.static(path)
        else:
            self.send(404, b"Not Found", "text/plain")

    def static(self, path: str):
        """ws_http.py _serve_static: a file of the bundle, else index.html (an SPA route)."""
        relative = path.lstrip("/") or "index.html"
        candidate = (DIST / relative).resolve()
        if not candidate.is_relative_to(DIST) or not candidate.is_file():
            candidate = DIST / "index.html"
        if not candidate.is_file():
            return self.send(404, b"Not Found", "text/plain")
        self.send(200, candidate.read_bytes(), TYPES.get(candidate.suffix, "application/octet-stream"))

    def _secret_matches(self, secret: str) -> bool:
        auth = self.headers.get("Authorization", "")
        bearer = auth[len("Bearer "):] if auth.startswith("Bearer ") else ""
        header = self.headers.get("X-Nanobot-Auth", "")
        return any(hmac.compare_digest(candidate.encode(), secret.encode()) for candidate in (bearer, header) if candidate)

    def bootstrap(self):
        """ws_http.py:589-602. Simplification: trusted-proxy authentication is not implemented."""
        settings = self.server.settings
        secret = settings.secret
        if secret and not self._secret_matches(secret):
            return self.send(401, b"Unauthorized", "text/plain")
        if not secret and not is_loopback_host(self.client_address[0]):
            return self.send(403, b"bootstrap is localhost-only", "text/plain")
        host = self.headers.get("Host") or f"{browser_host(settings.host)}:{settings.port}"
        payload = {
            "token": "nbwt_" + secrets.token_urlsafe(24),
            "ws_path": settings.path,
            "ws_url": f"ws://{host}{settings.path}",
            "expires_in": settings.token_ttl_s,
            "model_name": self.server.model,
        }
        self.send(200, json.dumps(payload).encode(), "application/json", [("Cache-Control", "no-store")])


def start(settings: Settings, model: str):
    """Like upstream, a channel that cannot start is logged and skipped; health stays 200."""
    try:
        server = Server(settings.host, settings.port, WebUIHandler, settings=settings, model=model)
    except OSError as exc:
        log.error(f"Failed to start channel websocket: {exc}")
        return None
    log.info(f"WebSocket server listening on ws://{settings.host}:{settings.port}{settings.path}", channel="websocket")
    return server
