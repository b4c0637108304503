"""Buggy `crlf` echo server: looks for CRLF in the newest read only.

Framing: `crlf` (max 64 KiB). Bug: it appends each read to a buffer but
only checks the bytes just read for `\\r\\n`; when the `\\r` ends one read
and the `\\n` starts the next, neither read holds the delimiter, and the
message waits until some later read happens to contain one.
"""

import _fixture

MAX = 64 * 1024


def handle(conn):
    with conn:
        buf = b""
        while True:
            data = conn.recv(4096)
            buf += data
            if not data or len(buf) > MAX + 2:
                return
            if b"\r\n" not in data:  # the bug: should search buf
                continue
            *lines, buf = buf.split(b"\r\n")
            for line in lines:
                conn.sendall(line + b"\r\n")


_fixture.serve_forever(handle, _fixture.parse_args().port)
