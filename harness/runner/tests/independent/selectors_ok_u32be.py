"""Correct `u32be,max=1MiB` echo server: one thread, non-blocking selectors loop.

Framing: `u32be,max=1MiB`. Per connection an input buffer (frames are cut
from it whatever the reads were), an output buffer (send() may take only
part of it: the rest waits for EVENT_WRITE), a length checked against MAX
before any body is awaited, reading paused while replies back up, replies
flushed after the peer's EOF before closing, and a 1 s idle timeout.
"""

import selectors
import socket
import struct
import time

import _fixture

MAX = 1024 * 1024
IDLE = 1.0
BACKLOG = 1024 * 1024  # stop reading while this much is waiting to be sent


class Conn:
    def __init__(self, sock):
        self.sock = sock
        self.inbuf = bytearray()
        self.outbuf = bytearray()
        self.eof = False
        self.last = time.monotonic()


def main():
    listener = _fixture.listen(_fixture.parse_args().port)
    listener.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ, None)
    _fixture.announce(listener.getsockname()[1])

    def close(c):
        sel.unregister(c.sock)
        c.sock.close()

    def update(c):
        events = 0
        if not c.eof and len(c.outbuf) < BACKLOG:
            events |= selectors.EVENT_READ
        if c.outbuf:
            events |= selectors.EVENT_WRITE
        if not events:  # EOF seen and every reply sent
            c.sock.shutdown(socket.SHUT_WR)
            close(c)
        else:
            sel.modify(c.sock, events, c)

    while True:
        for key, mask in sel.select(timeout=0.1):
            if key.data is None:
                sock, _ = listener.accept()
                sock.setblocking(False)
                sel.register(sock, selectors.EVENT_READ, Conn(sock))
                continue
            c = key.data
            try:
                if mask & selectors.EVENT_READ:
                    data = c.sock.recv(65536)
                    c.last = time.monotonic()
                    if not data:
                        c.eof = True  # a partial frame left in inbuf gets no reply
                    c.inbuf += data
                    while len(c.inbuf) >= 4:
                        (length,) = struct.unpack_from(">I", c.inbuf)
                        if length > MAX:
                            raise ValueError("frame too large")
                        if len(c.inbuf) < 4 + length:
                            break
                        c.outbuf += c.inbuf[: 4 + length]
                        del c.inbuf[: 4 + length]
                if mask & selectors.EVENT_WRITE and c.outbuf:
                    sent = c.sock.send(c.outbuf)
                    del c.outbuf[:sent]
                update(c)
            except (ValueError, OSError):
                close(c)
        now = time.monotonic()
        for key in list(sel.get_map().values()):
            c = key.data
            if c is not None and not c.outbuf and now - c.last > IDLE:
                close(c)


main()
