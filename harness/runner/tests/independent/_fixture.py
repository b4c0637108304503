"""What every fixture server shares, and nothing about framing.

Each server takes `--port N` (0 for any free port), binds 127.0.0.1 only,
prints its port as the first line on stdout, and exits on SIGTERM (Python's
default) or when the process that started it dies.
"""

import argparse
import os
import socket
import sys
import threading
import time


PARENT = os.getppid()  # taken at import, as early as possible


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--idle-timeout",
        type=float,
        default=None,
        help="seconds a connection may stay silent before the server drops it"
        " (only servers that say so honour it)",
    )
    return parser.parse_args()


def listen(port):
    """A listening socket on 127.0.0.1:port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(128)
    return sock


def announce(port):
    """Print the port, then exit as soon as the parent process is gone."""
    print(port, flush=True)

    def watch():
        while os.getppid() == PARENT:
            time.sleep(0.2)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def serve_forever(handle, port):
    """Accept on 127.0.0.1:port, one thread per connection running handle(conn)."""
    sock = listen(port)
    announce(sock.getsockname()[1])
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    sys.exit("a helper module for the fixture servers, not a server")
