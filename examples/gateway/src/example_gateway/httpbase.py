"""The small HTTP plumbing the three listeners share (health, WebUI, API), stdlib only.

Upstream uses a raw asyncio server (health), the websockets library (WebUI) and aiohttp
(API). The stand-in needs no dependencies, so all three are http.server listeners in
daemon threads; what matters to a deployer is the address, status codes and bodies.
"""

import ipaddress
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def is_loopback_host(host: str) -> bool:
    """Upstream's is_loopback_host: localhost, 127.0.0.0/8 and ::1."""
    host = (host or "").strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Server(ThreadingHTTPServer):
    daemon_threads = True  # a SIGTERM must not wait for a slow client
    allow_reuse_address = True
    request_queue_size = 64  # upstream's health server allows 64 concurrent connections

    def __init__(self, host: str, port: int, handler, **attributes):
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        for name, value in attributes.items():
            setattr(self, name, value)
        super().__init__((host, port), handler)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # upstream's health server answers HTTP/1.0 with Connection: close
    timeout = 2.0  # upstream's 2 s read timeout

    def route(self, method: str):  # overridden
        self.send(404, b"Not Found", "text/plain")

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.route("GET")

    def do_POST(self):  # noqa: N802
        self.route("POST")

    def do_HEAD(self):  # noqa: N802
        self.route("HEAD")

    def do_PUT(self):  # noqa: N802
        self.route("PUT")

    def do_DELETE(self):  # noqa: N802
        self.route("DELETE")

    def send(self, status: int, body: bytes, content_type: str, headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002
        pass  # probes every few seconds would flood the container log, as upstream logs none
