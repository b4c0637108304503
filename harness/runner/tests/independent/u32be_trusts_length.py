"""Buggy `u32be` echo server: allocates whatever the header declares.

Framing: `u32be,max=1MiB`. Bug: `bytearray(n)` straight from the 4-byte
header, no limit; a peer declaring a huge length makes the server
allocate it and wait for a body that never comes. (Over 64 MiB it gives
up: a safety valve so the fixture cannot eat the test machine.)
"""

import struct

import _fixture

SAFETY_VALVE = 64 * 1024 * 1024  # not part of the bug: protects the test machine


def recv_into_exactly(conn, buf):
    view = memoryview(buf)
    while view:
        n = conn.recv_into(view)
        if n == 0:
            return False
        view = view[n:]
    return True


def handle(conn):
    with conn:
        while True:
            header = bytearray(4)
            if not recv_into_exactly(conn, header):
                return
            (length,) = struct.unpack(">I", header)
            if length > SAFETY_VALVE:
                return
            body = bytearray(length)  # the bug: trusts the peer's length
            if not recv_into_exactly(conn, body):
                return
            conn.sendall(header + body)


_fixture.serve_forever(handle, _fixture.parse_args().port)
