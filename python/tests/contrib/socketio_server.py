"""A python-socketio server (on aiohttp) for the SocketIOUser tests. Usage: socketio_server.py PORT

- ``echo`` events come back as ``echoed`` events with the same data;
- a ``send`` (the ``message`` event) is answered by a ``message`` saying ``got <data>``;
- ``ask`` is acknowledged with ``{"answer": data}`` at once, ``slow`` after 2 s.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import socketio
from aiohttp import web

sio = socketio.AsyncServer(async_mode="aiohttp")


@sio.on("echo")
async def echo(sid: str, data: Any) -> None:
    await sio.emit("echoed", data, to=sid)


@sio.on("message")
async def message(sid: str, data: Any) -> None:
    await sio.send(f"got {data}", to=sid)


@sio.on("ask")
async def ask(sid: str, data: Any) -> Any:
    return {"answer": data}


@sio.on("slow")
async def slow(sid: str, data: Any) -> Any:
    await asyncio.sleep(2)
    return "late"


def main() -> None:
    app = web.Application()
    sio.attach(app)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)


if __name__ == "__main__":
    main()
