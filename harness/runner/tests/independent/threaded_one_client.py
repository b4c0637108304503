"""Buggy `line` echo server: a thread per client, but one lock around them all.

Framing: `line` (max 64 KiB). Reading is right (buffered readline with a
limit). Bug: "the handler touches shared state, so take the lock" - the
lock is held for the whole conversation, so one client that stops
mid-line blocks every other client until it leaves.
"""

import threading

import _fixture

MAX_LINE = 64 * 1024
lock = threading.Lock()


def handle(conn):
    with conn, lock:  # the bug: held while waiting for this client's bytes
        conn.settimeout(1.0)
        reader = conn.makefile("rb")
        try:
            while True:
                line = reader.readline(MAX_LINE + 1)
                if not line.endswith(b"\n"):
                    return  # EOF, or a line over the maximum
                conn.sendall(line)
        except OSError:
            return  # idle client, reset


_fixture.serve_forever(handle, _fixture.parse_args().port)
