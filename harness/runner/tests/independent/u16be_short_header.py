"""Buggy `u16be` echo server: reads the header with a single recv(2).

Framing: `u16be`. Bug: `struct.unpack('>H', conn.recv(2))` assumes recv(2)
returns two bytes; when the header arrives split, recv returns one, unpack
raises struct.error and the connection dies. The body is read correctly.
"""

import struct

import _fixture


def recv_exactly(conn, n):
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def handle(conn):
    with conn:
        while True:
            header = conn.recv(2)
            if not header:
                return
            (length,) = struct.unpack(">H", header)  # struct.error on 1 byte
            body = recv_exactly(conn, length)
            if body is None:
                return
            conn.sendall(header + body)


_fixture.serve_forever(handle, _fixture.parse_args().port)
