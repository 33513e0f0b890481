#!/usr/bin/env python3
"""A token server for registry tests: the distribution spec's bearer-token flow.

Answers GET /token?service=&scope=... (Basic credentials) and POST /token (OAuth2 form,
grant_type=password) with an RS256 JWT signed by the test key (through `openssl dgst`),
carrying the test certificate in its x5c header, which the registry's auth.token
rootcertbundle trusts. Users come from --user NAME:PASSWORD; --pull-only NAME grants that
user pull but never push. Standard library plus the openssl command.

  token_server.py --key key.pem --cert cert.pem --issuer test-issuer --service test-registry
                  --user alice:secret [--pull-only bob] [--port-file F]
GET /__stats answers how many tokens were issued and refused.
"""
import argparse
import base64
import http.server
import json
import subprocess
import sys
import threading
import time
import urllib.parse


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--key", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--issuer", required=True)
    parser.add_argument("--service", required=True)
    parser.add_argument("--user", action="append", default=[])
    parser.add_argument("--pull-only", action="append", default=[])
    parser.add_argument("--port-file")
    parser.add_argument("--expires-in", type=int, default=300)
    args = parser.parse_args()
    users = dict(entry.split(":", 1) for entry in args.user)
    der = subprocess.run(["openssl", "x509", "-in", args.cert, "-outform", "DER"], check=True,
                         capture_output=True).stdout
    header = b64url(json.dumps({"typ": "JWT", "alg": "RS256",
                                "x5c": [base64.b64encode(der).decode()]}).encode())
    stats = {"issued": 0, "refused": 0}
    lock = threading.Lock()

    def sign(claims):
        payload = header + "." + b64url(json.dumps(claims).encode())
        signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", args.key], input=payload.encode(),
                                   check=True, capture_output=True).stdout
        return payload + "." + b64url(signature)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *values):
            pass

        def answer(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def issue(self, user, password, service, scopes):
            if user is not None and users.get(user) != password:
                with lock:
                    stats["refused"] += 1
                return self.answer(401, {"details": "invalid username or password"})
            access = []
            for scope in scopes:
                parts = scope.split(":")
                if len(parts) < 3 or parts[0] != "repository" or user is None:
                    continue
                actions = [a for a in parts[-1].split(",") if a in ("pull", "push")]
                if user in args.pull_only:
                    actions = [a for a in actions if a == "pull"]
                access.append({"type": "repository", "name": ":".join(parts[1:-1]), "actions": actions})
            now = int(time.time())
            claims = {"iss": args.issuer, "sub": user or "", "aud": service, "exp": now + args.expires_in,
                      "nbf": now - 10, "iat": now, "jti": str(now) + str(id(access)), "access": access}
            token = sign(claims)
            with lock:
                stats["issued"] += 1
            self.answer(200, {"token": token, "access_token": token, "expires_in": args.expires_in,
                              "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))})

        def do_GET(self):
            url = urllib.parse.urlparse(self.path)
            if url.path == "/__stats":
                with lock:
                    return self.answer(200, dict(stats))
            query = urllib.parse.parse_qs(url.query)
            user = password = None
            authorization = self.headers.get("Authorization", "")
            if authorization.lower().startswith("basic "):
                user, _, password = base64.b64decode(authorization[6:]).decode().partition(":")
            scopes = [s for value in query.get("scope", []) for s in value.split(" ")]
            self.issue(user, password, query.get("service", [""])[0], scopes)

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0") or "0")
            form = urllib.parse.parse_qs(self.rfile.read(length).decode())
            if form.get("grant_type", [""])[0] != "password":
                return self.answer(400, {"error": "unsupported_grant_type"})
            scopes = [s for value in form.get("scope", []) for s in value.split(" ")]
            self.issue(form.get("username", [""])[0], form.get("password", [""])[0],
                       form.get("service", [""])[0], scopes)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as out:
            out.write(str(server.server_address[1]))
        import os
        os.rename(args.port_file + ".tmp", args.port_file)
    print(server.server_address[1], flush=True)
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
