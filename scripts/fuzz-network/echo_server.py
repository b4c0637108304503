#!/usr/bin/env python3
"""A small u16be echo server for scripts/fuzz-network.sh: each frame is a
2-byte big-endian length and that many payload bytes, echoed back whole.
Loopback only; one thread per connection; a connection ends at the peer's
EOF (no partial reply), on a reset, or after 10 s of silence.

Usage: echo_server.py PORT"""
import socket
import socketserver
import sys


class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        sock = self.request
        sock.settimeout(10)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buf = b""
        try:
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                buf += data
                out = []
                while len(buf) >= 2:
                    n = int.from_bytes(buf[:2], "big")
                    if len(buf) < 2 + n:
                        break
                    out.append(buf[: 2 + n])
                    buf = buf[2 + n :]
                if out:
                    sock.sendall(b"".join(out))
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 1024


if __name__ == "__main__":
    port = int(sys.argv[1])
    with Server(("127.0.0.1", port), Echo) as s:
        print(f"listening on 127.0.0.1:{port}", flush=True)
        s.serve_forever()
