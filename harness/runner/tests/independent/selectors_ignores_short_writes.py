"""Buggy `line` echo server: a selectors loop that ignores short writes.

Framing: `line`. Reading is right (an input buffer, lines cut from it
whatever the reads were). Bug: `sock.send(reply)` on a non-blocking socket
may send only part of the reply (or raise BlockingIOError when the
client's window is full), and the return value is ignored: the rest of the
reply is silently lost.
"""

import selectors

import _fixture


def main():
    listener = _fixture.listen(_fixture.parse_args().port)
    listener.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ, None)
    _fixture.announce(listener.getsockname()[1])
    while True:
        for key, _ in sel.select():
            if key.data is None:
                sock, _ = listener.accept()
                sock.setblocking(False)
                sel.register(sock, selectors.EVENT_READ, bytearray())
                continue
            sock, buf = key.fileobj, key.data
            try:
                data = sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                sel.unregister(sock)
                sock.close()
                continue
            buf += data
            while b"\n" in buf:
                end = buf.index(b"\n") + 1
                try:
                    sock.send(buf[:end])  # the bug: the count sent is ignored
                except OSError:
                    pass  # ... and so is a full send buffer
                del buf[:end]
            if len(buf) > 64 * 1024:
                sel.unregister(sock)
                sock.close()


main()
