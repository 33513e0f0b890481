#!/usr/bin/env python3
"""A reverse HTTP proxy for registry tests that misbehaves on purpose.

It forwards every request to an upstream registry (keeping the Host header, so the
registry's Location URLs point back at the proxy) and, on a chosen share of requests,
injects: HTTP 500, HTTP 429 with Retry-After, a connection dropped in the middle of the
request or response body, or a slow response. It can also add a fixed latency to every
request (a remote registry's round trip). Standard library only.

It can also answer with URLs in every form RFC 3986 allows a registry to use, each relative
to the request it answers (RFC 7231 §7.1.2), as registries other than distribution do:
  --location-form FORM   the Location of every answer to an upload request (/blobs/uploads/)
  --redirect-blobs FORM  blob GETs answered 307 to .../blobs/redirected-<digest>, then served
  --realm-form FORM      a bearer challenge's realm moved onto the proxy: serve it with --route
FORM is as-is (the registry's own), absolute-url, absolute-path, relative ("<uuid>?_state=..."),
dot-relative ("./<uuid>..."), dotdot-relative ("../uploads/<uuid>..."); with "-no-query"
appended the proxy keeps the upload's query (_state) itself and adds it back to the next
request for that upload, as for a registry whose Locations have no query.

  fault_proxy.py --upstream 127.0.0.1:5000 [--port 0] [--port-file F] [--latency-ms 50]
                 [--fault-rate 0.2] [--faults 500,429,drop,slow] [--seed 1]
                 [--location-form relative] [--redirect-blobs dotdot-relative]
                 [--realm-form relative --route /token=127.0.0.1:5001]

GET /__proxy/stats answers the counts of requests, injected faults and rewritten URLs as JSON.
"""
import argparse
import http.client
import http.server
import json
import posixpath
import random
import re
import socket
import sys
import threading
import time
import urllib.parse

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
              "trailers", "transfer-encoding", "upgrade"}


class State:
    def __init__(self, args):
        self.args = args
        self.random = random.Random(args.seed)
        self.lock = threading.Lock()
        self.stats = {"requests": 0, "500": 0, "429": 0, "drop": 0, "slow": 0, "body_bytes_in": 0,
                      "locations_rewritten": 0, "redirects": 0, "realms_rewritten": 0, "queries_restored": 0}
        self.upload_queries = {}  # upload path -> the query its Location had, for "-no-query" forms

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

    def count(self, key, amount=1):
        with self.lock:
            self.stats[key] += amount

    def remember_query(self, path, query):
        with self.lock:
            self.upload_queries[path] = query

    def restore_query(self, target):
        """The request target with the upload's kept query in front of the client's own."""
        path, _, query = target.partition("?")
        with self.lock:
            kept = self.upload_queries.get(path)
        if not kept or "_state=" in query:
            return target
        self.count("queries_restored")
        return path + "?" + kept + ("&" + query if query else "")


FORMS = ("as-is", "absolute-url", "absolute-path", "relative", "dot-relative", "dotdot-relative")


def url_in_form(form, target, request_target, host):
    """`target` (an absolute URL or path) written as `form` relative to the request."""
    if form == "as-is":
        return target
    parts = urllib.parse.urlsplit(target)
    path, query = parts.path, ("?" + parts.query if parts.query else "")
    if form == "absolute-url":
        return "http://" + host + path + query
    if form == "absolute-path":
        return path + query
    directory = request_target.partition("?")[0].rsplit("/", 1)[0] + "/"
    relative = posixpath.relpath(path, directory)
    if path.endswith("/") and not relative.endswith("/"):
        relative += "/"
    if form == "relative":
        # RFC 3986 §4.2: a first segment with a ':' ("sha256:...") would read as a scheme.
        return ("./" if ":" in relative.split("/")[0] else "") + relative + query
    if form == "dot-relative":
        return "./" + relative + query
    if form == "dotdot-relative":
        return "../" + directory.rstrip("/").rsplit("/", 1)[1] + "/" + relative + query
    raise ValueError("unknown form " + form)


def split_form(form):
    """"relative-no-query" -> ("relative", True)."""
    if form and form.endswith("-no-query"):
        return form[: -len("-no-query")], True
    return form, False


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
            target = self.path
            upstream_host, upstream_port = args.upstream_host, args.upstream_port
            for prefix, host, port in args.route:
                if target.startswith(prefix):
                    upstream_host, upstream_port = host, port
            redirect_form, redirect_without_query = split_form(args.redirect_blobs)
            blob = re.match(r"^(/v2/.+/blobs/)(redirected-)?([a-z0-9]+:[0-9a-f]+)($|\?)", target)
            if blob and blob.group(2):
                target = blob.group(1) + blob.group(3)  # where a redirect sent the client
            elif blob and redirect_form and self.command == "GET":
                for _ in self.read_body_chunks():
                    pass
                # The same directory, so the relative form is "./redirected-sha256:..." (RFC
                # 3986 §4.2: without "./" the colon would make "redirected-sha256" a scheme).
                redirected = blob.group(1) + "redirected-" + blob.group(3) + ("" if redirect_without_query else "?via=proxy")
                state.count("redirects")
                self.send_response(307)
                self.send_header("Location", url_in_form(redirect_form, redirected, self.path, self.headers["Host"]))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if "/blobs/uploads/" in target:
                target = state.restore_query(target)
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
            upstream = http.client.HTTPConnection(upstream_host, upstream_port, timeout=300)
            upstream.putrequest(self.command, target, skip_host=True, skip_accept_encoding=True)
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
                    self.send_header(name, self.rewritten(name, value))
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

        def rewritten(self, name, value):
            """A Location or challenge header as --location-form / --realm-form ask."""
            form, without_query = split_form(args.location_form)
            if name.lower() == "location" and form and form != "as-is" and "/blobs/uploads/" in self.path:
                if without_query:
                    parts = urllib.parse.urlsplit(value)
                    if parts.query:
                        state.remember_query(parts.path, parts.query)
                    value = parts.path
                state.count("locations_rewritten")
                return url_in_form(form, value, self.path, self.headers["Host"])
            if name.lower() == "www-authenticate" and args.realm_form:
                def move(match):
                    state.count("realms_rewritten")
                    path = urllib.parse.urlsplit(match.group(1)).path
                    return 'realm="' + url_in_form(args.realm_form, path, self.path, self.headers["Host"]) + '"'
                return re.sub(r'realm="([^"]*)"', move, value)
            return value

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
    parser.add_argument("--location-form", default="",
                        help="rewrite upload answers' Location into this form (see above)")
    parser.add_argument("--redirect-blobs", default="", help="answer blob GETs with 307 in this form")
    parser.add_argument("--realm-form", default="", help="move a bearer realm onto the proxy in this form")
    parser.add_argument("--route", action="append", default=[],
                        help="PATH-PREFIX=HOST:PORT sends matching requests to another upstream")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    for option in ("location_form", "redirect_blobs", "realm_form"):
        if getattr(args, option) and split_form(getattr(args, option))[0] not in FORMS:
            parser.error("unknown form " + getattr(args, option))
    args.route = [(rule.split("=", 1)[0], rule.split("=", 1)[1].rsplit(":", 1)[0], int(rule.rsplit(":", 1)[1]))
                  for rule in args.route]
    args.upstream_host, port = args.upstream.rsplit(":", 1)
    args.upstream_port = int(port)
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
