#!/usr/bin/env python3
"""Opens many misbehaving connections to 127.0.0.1:PORT for bench/tls.sh.

  tls_flood.py PORT COUNT SECONDS

A third of the connections send nothing, a third send the first bytes of a
TLS record and stop, and a third send random bytes. All are held open for
SECONDS or until the server closes them. Prints one JSON line with how many
connections were opened and how many the server closed on its own.
"""
import asyncio
import json
import os
import sys


async def one(port, kind, seconds, counts):
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        counts["connect_failed"] += 1
        return
    counts["opened"] += 1
    if kind == 1:
        # A handshake record header promising 512 bytes that never come.
        writer.write(bytes([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]))
    elif kind == 2:
        writer.write(os.urandom(200))
    try:
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), timeout=seconds)
        if data is not None:
            counts["closed_by_server"] += 1
    except (asyncio.TimeoutError, OSError):
        pass
    writer.close()


async def main():
    port, count, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    counts = {"opened": 0, "connect_failed": 0, "closed_by_server": 0}
    await asyncio.gather(*(one(port, i % 3, seconds, counts)
                           for i in range(count)))
    print(json.dumps(counts))


asyncio.run(main())
