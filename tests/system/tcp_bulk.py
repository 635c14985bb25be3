#!/usr/bin/env python3
"""One bulk TCP transfer over this namespace's loopback for SECONDS (default
1.5): a sender that writes 1 MiB at a time as fast as it can, a reader that
reads as fast as it can. With small tcp_rmem/tcp_wmem maxima both buffers sit
at their maximum while they limit the flow: the evidence of the buffer rules.
Usage: tcp_bulk.py [SECONDS]"""
import socket
import sys
import threading
import time


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1.5
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)

    def sink():
        conn, _ = srv.accept()
        while conn.recv(1 << 20):
            pass

    threading.Thread(target=sink, daemon=True).start()
    sender = socket.create_connection(srv.getsockname())
    buf, end = b"x" * (1 << 20), time.time() + seconds
    while time.time() < end:
        sender.sendall(buf)


if __name__ == "__main__":
    main()
