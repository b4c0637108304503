"""Correct `varint,offset=1,max=1MiB` echo server (MQTT-like): asyncio streams.

Framing: one type byte, a LEB128 length (7 bits per byte, low group first,
high bit = more), then the payload. readexactly() waits for every byte
however the reads are cut; the length is checked against MAX as soon as
it is known (and a length field longer than 10 bytes is refused), so an
oversized frame closes the connection at once. A client silent for 1 s is
dropped.
"""

import asyncio

import _fixture

MAX = 1024 * 1024
IDLE = 1.0


async def read_frame(reader):
    head = await reader.readexactly(1)  # the type byte
    length, shift = 0, 0
    while True:
        byte = await reader.readexactly(1)
        head += byte
        length |= (byte[0] & 0x7F) << shift
        if length > MAX or len(head) > 11:
            raise ValueError("frame too large")
        if not byte[0] & 0x80:
            break
        shift += 7
    return head + await reader.readexactly(length)


async def handle(reader, writer):
    try:
        while True:
            writer.write(await asyncio.wait_for(read_frame(reader), IDLE))
            await writer.drain()
    except (asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError, ConnectionError):
        pass  # EOF (mid-frame or not), idle client, oversized frame, reset
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", _fixture.parse_args().port)
    _fixture.announce(server.sockets[0].getsockname()[1])
    async with server:
        await server.serve_forever()


asyncio.run(main())
