"""An independent WebSocket client (Python `websockets`) speaking Godot 4's protocol.

Usage: python_client.py URL [CA_FILE]. Prints "ID <n>" once the server's id message (one
binary message of exactly 4 bytes, i32 little-endian) arrives, sends "python:<n>", echoes the
next message back prefixed with "echo:", then closes cleanly and prints "DONE".
"""
import asyncio
import ssl
import struct
import sys

import websockets


async def main(url, cafile):
    context = ssl.create_default_context(cafile=cafile) if cafile else None
    async with websockets.connect(url, ssl=context, open_timeout=20) as ws:
        first = await asyncio.wait_for(ws.recv(), 20)
        if not isinstance(first, bytes) or len(first) != 4:
            raise SystemExit(f"bad id message: {first!r}")
        (peer_id,) = struct.unpack("<i", first)
        print("ID", peer_id, flush=True)
        await ws.send(b"python:" + str(peer_id).encode())
        message = await asyncio.wait_for(ws.recv(), 20)
        if not isinstance(message, bytes):
            raise SystemExit(f"expected a binary packet, got {message!r}")
        await ws.send(b"echo:" + message)
    print("DONE", flush=True)


asyncio.run(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None))
