"""The listener that `shopmind serve --workers N` shares keeps Nagle's algorithm off."""

from __future__ import annotations

import asyncio
import socket
from concurrent.futures import ThreadPoolExecutor

from shopmind.api.server import _WorkersConfig


def test_workers_listener_gives_connections_tcp_nodelay() -> None:
    config = _WorkersConfig("shopmind.api.app:worker_app", host="127.0.0.1", port=0, workers=2)
    listener = config.bind_socket()
    assert listener.proto == socket.IPPROTO_TCP and listener.get_inheritable()

    async def accepted_nodelay() -> int:
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        async def on_connect(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            accepted = writer.get_extra_info("socket")
            seen.set_result(accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(on_connect, sock=listener)
        _, writer = await asyncio.open_connection(*listener.getsockname()[:2])
        try:
            return await asyncio.wait_for(seen, timeout=5)
        finally:
            writer.close()
            server.close()

    # uvicorn's own listener says protocol 0 and asyncio leaves Nagle on (Kludex/uvicorn#3149).
    with ThreadPoolExecutor(1) as thread:  # a loop of its own, whatever runs in this one
        assert thread.submit(asyncio.run, accepted_nodelay()).result() == 1
