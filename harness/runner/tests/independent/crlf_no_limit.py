"""Buggy `crlf` echo server: buffers until CRLF, with no limit.

Framing: `crlf` (max 64 KiB). Bug: the buffer grows until a `\r\n` shows
up, so a peer that never sends one makes the server buffer forever (here
up to a 64 MiB safety valve, so the fixture cannot eat the test machine).
Everything else is right: it searches the whole buffer, so a CRLF split
across reads is found. With `--idle-timeout S` it drops a connection that
stays silent for S seconds (a short one closes soon after an over-long line
stops coming, which must not pass for refusing it).
"""

import _fixture

SAFETY_VALVE = 64 * 1024 * 1024  # not part of the bug: protects the test machine


ARGS = _fixture.parse_args()


def handle(conn):
    conn.settimeout(ARGS.idle_timeout)
    with conn:
        buf = b""
        while True:
            try:
                data = conn.recv(4096)
            except TimeoutError:
                return
            if not data or len(buf) > SAFETY_VALVE:
                return
            buf += data
            while b"\r\n" in buf:
                line, buf = buf.split(b"\r\n", 1)
                conn.sendall(line + b"\r\n")


_fixture.serve_forever(handle, ARGS.port)
