#!/usr/bin/env python3
"""Talks to the control socket the way a stuck or hostile client would.

Usage: ctl_client.py SOCKET MODE
  idle N       open N connections, send nothing, report how many the daemon
               closed within 8 s ("closed N")
  oversize     send 5000 bytes without a newline, print the reply
  junk         send a line that is not JSON, print the reply
  raw LINE     send LINE plus newline, print the reply
"""
import socket
import sys
import time


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(8)
    s.connect(path)
    return s


def reply(s):
    data = b""
    while not data.endswith(b"\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    return data.decode(errors="replace").strip()


def main():
    path, mode = sys.argv[1], sys.argv[2]
    if mode == "idle":
        conns = [connect(path) for _ in range(int(sys.argv[3]))]
        print("connected", len(conns), flush=True)
        deadline = time.time() + 8
        closed = 0
        for c in conns:
            c.settimeout(max(0.1, deadline - time.time()))
            try:
                if c.recv(1) == b"":
                    closed += 1
            except (socket.timeout, ConnectionResetError):
                pass
        print("closed", closed)
    elif mode == "oversize":
        s = connect(path)
        try:
            s.sendall(b"x" * 5000)
        except BrokenPipeError:
            pass
        print(reply(s))
    elif mode == "junk":
        s = connect(path)
        s.sendall(b"hello daemon\n")
        print(reply(s))
    elif mode == "raw":
        s = connect(path)
        s.sendall(sys.argv[3].encode() + b"\n")
        print(reply(s))


main()
