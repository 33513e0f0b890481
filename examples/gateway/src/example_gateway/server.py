"""The HTTP side of the gateway: /health as Nanobot's gateway answers it, stdlib only."""

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class GatewayHandler(BaseHTTPRequestHandler):
    server_version = "example-gateway"

    def do_GET(self):  # noqa: N802 (http.server's naming)
        if self.path.split("?", 1)[0] == "/health":
            self._send(200, {"status": "ok"})
        elif self.path == "/":
            self._send(200, {"name": "example-gateway", "model": self.server.model, "soul": bool(self.server.soul)})
        else:
            self._send(404, {"error": "not found"})

    def _send(self, status, body):
        payload = json.dumps(body, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):  # noqa: A002
        pass  # health checks every few seconds would flood the container log


class GatewayServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, model="", soul=""):
        super().__init__(address, GatewayHandler)
        self.model = model
        self.soul = soul
