#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Floods the daemon's control socket, for test_faults.sh.

Usage: ctl_flood.py SOCKET N PROCS HOLD_S

PROCS processes open N connections between them as fast as they can and
hold every one open for HOLD_S seconds. Connection i sends, by i % 6:
nothing; a junk line; 256 random bytes (NULs, stray newlines); half a
request with no newline; 5000 bytes with no newline; a good ping. Then
each process reads what the daemon sent back and closes everything.

Prints one JSON object: connected, connect_errors, and the replies seen by
kind ("ok", "busy", "bad_request", ...; "eof" for a close without a reply,
"none" for nothing at all).
"""
import collections
import json
import multiprocessing
import os
import socket
import sys
import time

PAYLOADS = [
    b"",
    b"hello daemon, this is not json\n",
    None,  # random bytes, drawn per connection
    b'{"cmd":"sta',
    b"x" * 5000,
    b'{"cmd":"ping"}\n',
]


def worker(path, n, first, hold, out):
    conns, errors = [], collections.Counter()
    for i in range(first, first + n):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        # Blocking: a full backlog makes connect wait, not fail (EAGAIN).
        s.setblocking(True)
        try:
            s.connect(path)
        except OSError as e:
            errors[e.__class__.__name__] += 1
            s.close()
            continue
        payload = PAYLOADS[i % len(PAYLOADS)]
        if payload is None:
            payload = os.urandom(256)
        try:
            if payload:
                s.send(payload, socket.MSG_DONTWAIT)
        except OSError:
            pass
        conns.append(s)
    time.sleep(hold)
    replies = collections.Counter()
    for s in conns:
        s.setblocking(False)
        data = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    data += b"<eof>"
                    break
                data += chunk
        except (BlockingIOError, ConnectionResetError):
            pass
        kinds = []
        for line in data.split(b"\n"):
            if line.startswith(b"{"):
                try:
                    j = json.loads(line)
                    kinds.append("ok" if j.get("ok") else j["error"]["code"])
                except (ValueError, KeyError):
                    kinds.append("garbled")
        if not kinds:
            kinds.append("eof" if data.endswith(b"<eof>") else "none")
        replies.update(kinds)
        s.close()
    out.put((len(conns), dict(errors), dict(replies)))


def main():
    path, n, procs, hold = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    out = multiprocessing.Queue()
    per = n // procs
    ps = [multiprocessing.Process(target=worker, args=(path, per, k * per, hold, out))
          for k in range(procs)]
    for p in ps:
        p.start()
    connected, errors, replies = 0, collections.Counter(), collections.Counter()
    for _ in ps:
        c, e, r = out.get()
        connected += c
        errors.update(e)
        replies.update(r)
    for p in ps:
        p.join()
    print(json.dumps({"connected": connected, "connect_errors": dict(errors),
                      "replies": dict(replies)}), flush=True)


main()
