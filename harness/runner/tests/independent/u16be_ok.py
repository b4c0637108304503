"""Correct `u16be` echo server: threads and a recv_exactly loop.

Framing: `u16be` (a 2-byte big-endian length, then that many bytes; the
field itself caps a message at 65535). recv_exactly() loops until it has
every byte it asked for, so a header or body split across reads is fine;
EOF before a whole message ends the connection without a reply. A client
silent for 1 s is dropped.
"""

import socket
import struct

import _fixture


def recv_exactly(conn, n):
    """n bytes, or None if the peer closed first."""
    buf = bytearray()
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def handle(conn):
    conn.settimeout(1.0)
    with conn:
        try:
            while True:
                header = recv_exactly(conn, 2)
                if header is None:
                    return
                (length,) = struct.unpack(">H", header)
                body = recv_exactly(conn, length)
                if body is None:
                    return
                conn.sendall(header + body)
        except (socket.timeout, ConnectionError):
            return


_fixture.serve_forever(handle, _fixture.parse_args().port)
