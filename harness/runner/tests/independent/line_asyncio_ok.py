"""Correct `line` echo server: asyncio streams, readline with a limit.

Framing: `line` (max 64 KiB). StreamReader.readline() waits for a whole
line however it is split across reads; the `limit` makes an over-long line
an error instead of unbounded buffering; a line without its newline at EOF
is not echoed; a client silent for 1 s is dropped.
"""

import asyncio

import _fixture

MAX_LINE = 64 * 1024
IDLE = 1.0


async def handle(reader, writer):
    try:
        while True:
            line = await asyncio.wait_for(reader.readline(), IDLE)
            if not line.endswith(b"\n"):
                break  # EOF, with or without a partial line
            writer.write(line)
            await writer.drain()
    except (ValueError, asyncio.TimeoutError, ConnectionError):
        pass  # over-long line, idle client, reset
    finally:
        writer.close()


async def main():
    args = _fixture.parse_args()
    server = await asyncio.start_server(handle, "127.0.0.1", args.port, limit=MAX_LINE)
    _fixture.announce(server.sockets[0].getsockname()[1])
    async with server:
        await server.serve_forever()


asyncio.run(main())
