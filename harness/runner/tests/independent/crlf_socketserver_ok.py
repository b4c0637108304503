"""Correct `crlf` echo server: socketserver with buffered readline.

Framing: `crlf` (max 64 KiB). rfile.readline(limit) stops at a `\n` or
after `limit` bytes; a message is complete only when it ends with `\r\n`
(a lone `\n` may be payload), and a message over the maximum closes the
connection. A client silent for 1 s is dropped.
"""

import socket
import socketserver

import _fixture

MAX = 64 * 1024


class Echo(socketserver.StreamRequestHandler):
    timeout = 1.0  # idle timeout, applied to the socket

    def handle(self):
        message = b""
        try:
            while True:
                chunk = self.rfile.readline(MAX + 2 - len(message))
                if not chunk:
                    return  # EOF; a partial message gets no reply
                message += chunk
                if message.endswith(b"\r\n"):
                    self.wfile.write(message)
                    message = b""
                elif len(message) >= MAX + 2:
                    return  # no CRLF within the maximum
        except (socket.timeout, ConnectionError):
            return


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


with Server(("127.0.0.1", _fixture.parse_args().port), Echo) as server:
    _fixture.announce(server.server_address[1])
    server.serve_forever()
