#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""A small IMDSv2 mock for perfagent's system tests (standard library only).

Modes:
  ok        IMDSv2 with tokens required: PUT /latest/api/token with a TTL
            header of 1..21600 (else 400; 403 with X-Forwarded-For), then
            GETs with a valid, unexpired token (else 401).
  hang      accept connections and never answer.
  slow      answer like ok, but only after 5 s.
  401, 403, 404, 500
            that status for every request.
  garbage   tokens as in ok, then 200 with a body that is not JSON.
  oversize  tokens as in ok, then 200 with a 200 KiB body.

--asg NAME serves the instance's aws:autoscaling:groupName tag (as with
metadata tags allowed; without it that path is 404, as with tags off).
--delay SECONDS holds every answer that long (a metadata service slow at
boot), in any mode.

With --port 0 the kernel picks a free port, printed as "PORT <n>" on stdout.
Binds 127.0.0.1 only. Logs one line per request to stderr.
"""
import argparse
import http.server
import json
import secrets
import sys
import threading
import time

TOKEN_PATH = "/latest/api/token"
TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds"
TOKEN_HEADER = "X-aws-ec2-metadata-token"
MAX_TTL = 21600


class State:
    def __init__(self, args):
        self.args = args
        self.tokens = {}  # token -> expiry (monotonic seconds)
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def new_token(self, ttl):
        token = secrets.token_urlsafe(42)
        with self.lock:
            self.tokens[token] = time.monotonic() + ttl
        return token

    def token_valid(self, token):
        if not token:
            return False
        with self.lock:
            expiry = self.tokens.get(token)
            if expiry is not None and expiry <= time.monotonic():
                del self.tokens[token]
                expiry = None
        return expiry is not None

    def document(self):
        a = self.args
        return {
            "accountId": a.account_id,
            "architecture": a.architecture,
            "availabilityZone": a.region + "a",
            "billingProducts": None,
            "devpayProductCodes": None,
            "imageId": a.image_id,
            "instanceId": a.instance_id,
            "instanceType": a.instance_type,
            "kernelId": None,
            "marketplaceProductCodes": None,
            "pendingTime": "2026-01-01T00:00:00Z",
            "privateIp": "10.0.0.10",
            "ramdiskId": None,
            "region": a.region,
            "version": "2017-09-30",
        }

    def meta(self, path):
        """A few plain meta-data leaves, for curl users poking at the mock."""
        a = self.args
        leaves = {
            "/latest/meta-data/instance-id": a.instance_id,
            "/latest/meta-data/instance-type": a.instance_type,
            "/latest/meta-data/placement/region": a.region,
            "/latest/meta-data/placement/availability-zone": a.region + "a",
            "/latest/dynamic/instance-identity/document":
                json.dumps(self.document(), indent=2),
        }
        if a.asg is not None:
            leaves["/latest/meta-data/tags/instance/aws:autoscaling:groupName"] = a.asg
        return leaves.get(path)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "EC2ws"
    sys_version = ""

    @property
    def state(self):
        return self.server.state

    def log_message(self, fmt, *args):
        sys.stderr.write("imds_mock: %s %s\n" % (self.address_string(), fmt % args))
        sys.stderr.flush()

    def reply(self, status, body=b"", headers=None):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def drain_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if 0 < n <= 65536:
            self.rfile.read(n)

    def fault(self):
        """Handles the fault modes; True when the request was answered."""
        mode = self.state.args.mode
        if self.state.args.delay and self.state.stop.wait(self.state.args.delay):
            return True
        if mode == "hang":
            # Hold the connection open without a byte until shutdown.
            self.state.stop.wait()
            self.close_connection = True
            return True
        if mode in ("401", "403", "404", "500"):
            self.reply(int(mode), "%s\n" % mode)
            return True
        if mode == "slow":
            if self.state.stop.wait(5.0):
                return True
        return False

    def do_PUT(self):
        self.drain_body()
        if self.fault():
            return
        if self.path != TOKEN_PATH:
            self.reply(403 if self.path.endswith("/api/token") else 405)
            return
        if self.headers.get("X-Forwarded-For") is not None:
            self.reply(403, "Forbidden\n")
            return
        try:
            ttl = int(self.headers.get(TTL_HEADER, ""))
        except ValueError:
            ttl = 0
        if not 1 <= ttl <= MAX_TTL:
            self.reply(400, "Bad Request\n")
            return
        token = self.state.new_token(ttl)
        self.reply(200, token, {TTL_HEADER: str(ttl)})

    def do_GET(self):
        if self.fault():
            return
        if not self.state.token_valid(self.headers.get(TOKEN_HEADER)):
            self.reply(401, "Unauthorized\n")
            return
        # Bad bodies come after a good token exchange, as from a broken IMDS.
        if self.state.args.mode == "garbage":
            self.reply(200, "<html>this is not an identity document</html>\n")
            return
        if self.state.args.mode == "oversize":
            self.reply(200, "x" * (200 * 1024))
            return
        body = self.state.meta(self.path.split("?")[0])
        if body is None:
            self.reply(404, "Not Found\n")
            return
        self.reply(200, body)

    do_HEAD = do_GET

    def do_POST(self):
        self.drain_body()
        self.reply(405)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def parse_args(argv):
    p = argparse.ArgumentParser(description="IMDSv2 mock for perfagent tests")
    p.add_argument("--port", type=int, default=0, help="0: pick one, print PORT <n>")
    p.add_argument("--mode", default="ok",
                   choices=["ok", "hang", "slow", "401", "403", "404", "500",
                            "garbage", "oversize"])
    p.add_argument("--instance-type", default="c6in.large")
    p.add_argument("--instance-id", default="i-0123456789abcdef0")
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--account-id", default="123456789012")
    p.add_argument("--image-id", default="ami-0123456789abcdef0")
    p.add_argument("--architecture", default="x86_64")
    p.add_argument("--asg", default=None, help="the Auto Scaling group tag's value")
    p.add_argument("--delay", type=float, default=0, metavar="SECONDS",
                   help="hold every answer this long")
    return p.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    srv = Server(("127.0.0.1", args.port), Handler)
    srv.state = State(args)
    print("PORT %d" % srv.server_address[1], flush=True)
    sys.stderr.write("imds_mock: mode %s on 127.0.0.1:%d\n" %
                     (args.mode, srv.server_address[1]))
    sys.stderr.flush()
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        srv.state.stop.set()
        srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
