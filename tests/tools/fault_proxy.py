#!/usr/bin/env python3
"""A reverse HTTP proxy for registry tests that misbehaves on purpose.

It forwards every request to an upstream registry (keeping the Host header, so the
registry's Location URLs point back at the proxy) and, on a chosen share of requests,
injects: HTTP 500, HTTP 429 with Retry-After, a connection dropped in the middle of the
request or response body, or a slow response. It can also add a fixed latency to every
request (a remote registry's round trip). Standard library only.

  fault_proxy.py --upstream 127.0.0.1:5000 [--port 0] [--port-file F] [--latency-ms 50]
                 [--fault-rate 0.2] [--faults 500,429,drop,slow] [--seed 1]

GET /__proxy/stats answers the counts of requests and injected faults as JSON.
"""
import argparse
import http.client
import http.server
import json
import random
import socket
import sys
import threading
import time

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
              "trailers", "transfer-encoding", "upgrade"}


class State:
    def __init__(self, args):
        self.args = args
        self.random = random.Random(args.seed)
        self.lock = threading.Lock()
        self.stats = {"requests": 0, "500": 0, "429": 0, "drop": 0, "slow": 0, "body_bytes_in": 0}

    def pick_fault(self, method, path):
        with self.lock:
            self.stats["requests"] += 1
            if path == "/v2/" or path.startswith("/__proxy"):
                return None  # keep the ping clean so tests exercise transfers
            if self.random.random() >= self.args.fault_rate:
                return None
            fault = self.random.choice(self.args.faults)
            self.stats[fault] += 1
            return fault

    def count(self, key, amount):
        with self.lock:
            self.stats[key] += amount


def make_handler(state):
    args = state.args

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *values):  # quiet: tests read the stats instead
            if args.verbose:
                sys.stderr.write("proxy: " + (format % values) + "\n")

        def read_body_chunks(self):
            """Yields the request body, whether sized or chunked."""
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                while True:
                    size_line = self.rfile.readline()
                    size = int(size_line.split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        return
                    data = self.rfile.read(size)
                    self.rfile.readline()
                    yield data
            else:
                remaining = int(self.headers.get("Content-Length", "0") or "0")
                while remaining > 0:
                    data = self.rfile.read(min(remaining, 1 << 16))
                    if not data:
                        return
                    remaining -= len(data)
                    yield data

        def reply(self, status, body, headers=()):
            data = body.encode()
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":  # a body after HEAD would corrupt the kept-alive connection
                self.wfile.write(data)

        def drop(self):
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

        def handle_any(self):
            if self.path == "/__proxy/stats":
                with state.lock:
                    self.reply(200, json.dumps(state.stats))
                return
            if args.latency_ms:
                time.sleep(args.latency_ms / 1000.0)
            for pattern, status in args.status_for:
                if pattern.search(self.command + ":" + self.path):
                    for _ in self.read_body_chunks():
                        pass
                    self.reply(status, json.dumps({"errors": [{"code": "DENIED", "message": "injected status"}]}))
                    return
            fault = state.pick_fault(self.command, self.path)
            sized = "Content-Length" in self.headers and int(self.headers["Content-Length"] or 0) > 0
            chunked = self.headers.get("Transfer-Encoding", "").lower() == "chunked"
            if fault in ("500", "429"):
                for _ in self.read_body_chunks():
                    pass
                errors = {"500": ("UNKNOWN", "injected failure"), "429": ("TOOMANYREQUESTS", "injected throttle")}
                code, message = errors[fault]
                headers = [("Retry-After", str(args.retry_after))] if fault == "429" else []
                self.reply(int(fault), json.dumps({"errors": [{"code": code, "message": message}]}), headers)
                return
            if fault == "drop" and (sized or chunked):
                # Take half of the body, then hang up: the upstream never sees this request.
                total = int(self.headers.get("Content-Length", "0") or "0")
                taken = 0
                for data in self.read_body_chunks():
                    taken += len(data)
                    if taken >= max(1, total // 2):
                        break
                self.drop()
                return
            upstream = http.client.HTTPConnection(args.upstream_host, args.upstream_port, timeout=300)
            upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for name, value in self.headers.items():
                if name.lower() not in HOP_BY_HOP:
                    upstream.putheader(name, value)
            if chunked:
                upstream.putheader("Transfer-Encoding", "chunked")
            upstream.endheaders()
            started = time.monotonic()
            sent = 0
            for data in self.read_body_chunks():
                state.count("body_bytes_in", len(data))
                sent += len(data)
                if args.upload_rate:
                    ahead = sent / args.upload_rate - (time.monotonic() - started)
                    if ahead > 0:
                        time.sleep(ahead)
                upstream.send(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)
            expected = int(self.headers.get("Content-Length", "0") or "0")
            if not chunked and sent < expected:
                # The client went away mid-body: hang up on the registry too, as a direct
                # connection would have.
                upstream.close()
                self.drop()
                return
            if chunked:
                upstream.send(b"0\r\n\r\n")
            response = upstream.getresponse()
            body = response.read() if self.command != "HEAD" else b""
            upstream.close()
            self.send_response(response.status, response.reason)
            for name, value in response.getheaders():
                if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                    self.send_header(name, value)
            length = response.getheader("Content-Length") if self.command == "HEAD" else str(len(body))
            if length is not None:
                self.send_header("Content-Length", length)
            self.end_headers()
            if fault == "drop" and len(body) > 1:
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.drop()
                return
            if fault == "slow":
                # Trickle the answer out over about args.slow_ms.
                pieces = 10
                step = max(1, (len(body) + pieces - 1) // pieces)
                for start in range(0, max(len(body), 1), step):
                    time.sleep(args.slow_ms / 1000.0 / pieces)
                    self.wfile.write(body[start:start + step])
                    self.wfile.flush()
                return
            self.wfile.write(body)

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--upstream", required=True, help="HOST:PORT of the registry")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", help="write the chosen port here once listening")
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--faults", default="500,429,drop,slow")
    parser.add_argument("--retry-after", type=int, default=1)
    parser.add_argument("--slow-ms", type=float, default=1500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--upload-rate", type=float, default=0,
                        help="limit request bodies to this many bytes per second (0: no limit)")
    parser.add_argument("--status-for", action="append", default=[],
                        help="METHOD:PATH-REGEX=STATUS answers matching requests with STATUS")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    args.upstream_host, port = args.upstream.rsplit(":", 1)
    args.upstream_port = int(port)
    import re
    args.status_for = [(re.compile(rule.rsplit("=", 1)[0]), int(rule.rsplit("=", 1)[1])) for rule in args.status_for]
    args.faults = [fault for fault in args.faults.split(",") if fault]
    for fault in args.faults:
        if fault not in ("500", "429", "drop", "slow"):
            parser.error("unknown fault " + fault)
    state = State(args)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(state))
    server.daemon_threads = True
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as out:
            out.write(str(server.server_address[1]))
        import os
        os.rename(args.port_file + ".tmp", args.port_file)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
