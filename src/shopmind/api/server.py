"""Run the service under uvicorn: in this process, or in N worker processes on one listener."""

from __future__ import annotations

import contextlib
import os
import socket
from typing import Literal

import uvicorn
from uvicorn.supervisors import Multiprocess

from shopmind.api.app import SETTINGS_VARIABLE, create_app
from shopmind.config import Settings

__all__ = ["LogLevel", "serve"]

LogLevel = Literal["debug", "info", "warning", "error"]


class _WorkersConfig(uvicorn.Config):
    """uvicorn's configuration, with a listener that keeps TCP_NODELAY.

    uvicorn binds the workers' shared listener with protocol 0; accepted connections inherit
    it, and asyncio switches Nagle's algorithm off only for sockets that say IPPROTO_TCP, so
    every keep-alive answer waited about 40 ms for a delayed ACK (Kludex/uvicorn#3149). The
    same socket is re-wrapped here saying what it is."""

    def bind_socket(self) -> socket.socket:
        bound = super().bind_socket()
        if bound.family not in (socket.AF_INET, socket.AF_INET6):
            return bound
        tcp = socket.socket(bound.family, bound.type, socket.IPPROTO_TCP, fileno=bound.detach())
        tcp.set_inheritable(True)
        return tcp


def serve(
    settings: Settings, host: str, port: int, *, workers: int = 1, log_level: LogLevel = "info"
) -> None:
    """Serve until interrupted. Each worker process builds the app from these very settings."""
    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level)
        return
    os.environ[SETTINGS_VARIABLE] = settings.model_dump_json()
    config = _WorkersConfig(
        "shopmind.api.app:worker_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
    )
    with contextlib.suppress(KeyboardInterrupt):
        Multiprocess(config, sockets=[config.bind_socket()]).run()
