#!/usr/bin/env python3
"""N loopback connects on PORT in this network namespace, one after the
other: connect, accept, close both. Each is one connect-latency sample of
the tcp probe (tests/system/test_probes.sh, bench/tcp_connect_bpf_stats.sh).
Usage: tcp_connects.py PORT N"""
import socket
import sys


def main():
    port, n = int(sys.argv[1]), int(sys.argv[2])
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(128)
    for _ in range(n):
        c = socket.create_connection(("127.0.0.1", port))
        a, _ = listener.accept()
        a.close()
        c.close()


if __name__ == "__main__":
    main()
