"""`serve`'s OpenAI-compatible HTTP API (upstream cli/commands.py:318-404, api/server.py).

Routes and auth follow upstream; the chat reply is a fixed echo, since the stand-in has no model.
"""

import json
import time
import uuid

from .httpbase import Handler, Server
from .health import BODY as HEALTH_BODY


def _error(status: int, message: str) -> bytes:
    return json.dumps({"error": {"message": message, "type": "invalid_request_error", "code": status}}).encode()


class ApiHandler(Handler):
    protocol_version = "HTTP/1.1"  # aiohttp answers HTTP/1.1
    timeout = 30.0

    def _authorized(self) -> bool:
        """api/server.py:483-504: /health is open; everything else needs the key when one is set."""
        key = self.server.api_key
        if not key:
            return True
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            self.send(401, _error(401, "Missing Authorization header. Use: Bearer <api_key>"), "application/json")
            return False
        if auth[len("Bearer "):] != key:
            self.send(401, _error(401, "Invalid API key"), "application/json")
            return False
        return True

    def route(self, method: str):
        path = self.path.split("?", 1)[0]
        if path == "/health" and method == "GET":
            return self.send(200, HEALTH_BODY, "application/json; charset=utf-8")
        if not self._authorized():
            return None
        model = self.server.model
        if path == "/v1/models" and method == "GET":
            body = {"object": "list", "data": [{"id": model, "object": "model", "created": 0, "owned_by": "nanobot"}]}
            return self.send(200, json.dumps(body).encode(), "application/json; charset=utf-8")
        if path == "/v1/chat/completions" and method == "POST":
            return self.chat()
        return self.send(404, b"404: Not Found", "text/plain; charset=utf-8")

    def chat(self):
        length = int(self.headers.get("Content-Length") or 0)
        try:
            request = json.loads(self.rfile.read(length) or b"{}")
            messages = request.get("messages") or []
            last = next((m.get("content") for m in reversed(messages) if m.get("role") == "user"), "")
        except (ValueError, AttributeError):
            return self.send(400, _error(400, "Invalid JSON body"), "application/json; charset=utf-8")
        body = {
            "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.server.model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": f"echo: {last}"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        }
        self.send(200, json.dumps(body).encode(), "application/json; charset=utf-8")


def make_server(host: str, port: int, api_key: str, model: str) -> Server:
    return Server(host, port, ApiHandler, api_key=api_key, model=model)
