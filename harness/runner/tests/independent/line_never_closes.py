"""Buggy `line` echo server: never closes a connection after the peer's EOF.

Framing: `line` (max 64 KiB). Reading is right. Bug: connections are kept
in a registry (for a "who is online" list) and only the registry closes
them; when the peer closes, the reader loop ends but nobody removes the
socket, so the peer never sees the server's EOF.
"""

import threading

import _fixture

MAX_LINE = 64 * 1024
online = {}
online_lock = threading.Lock()


def handle(conn):
    with online_lock:
        online[conn.fileno()] = conn
    reader = conn.makefile("rb")
    try:
        while True:
            line = reader.readline(MAX_LINE + 1)
            if not line.endswith(b"\n"):
                break  # EOF, or a line over the maximum
            conn.sendall(line)
    except OSError:
        pass
    # the bug: missing `del online[conn.fileno()]; conn.close()`


_fixture.serve_forever(handle, _fixture.parse_args().port)
