"""Buggy `line` echo server: treats each recv() as one line.

Framing: `line`. Bug: `conn.recv(4096)` returns whatever has arrived, not
one line; the server strips it and answers with one line per recv, so a
line that arrives in pieces is echoed as several lines, and two lines in
one read as one.
"""

import _fixture


def handle(conn):
    with conn:
        while True:
            data = conn.recv(4096)
            if not data:
                return
            text = data.decode().strip()
            conn.sendall(text.encode() + b"\n")


_fixture.serve_forever(handle, _fixture.parse_args().port)
