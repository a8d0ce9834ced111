"""Request limits: the body size (on the declared length and on the bytes actually received)
and the request rate per client (a token bucket per API key, or per address without one)."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BodySizeLimit", "RateLimit"]


class _TooLarge(Exception):
    pass


class BodySizeLimit:
    """Answers 413 before the app sees a body larger than `max_bytes`."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._reject(send)

    async def _reject(self, send: Send) -> None:
        message = f"the request body is larger than {self.max_bytes} bytes"
        await _error(send, 413, "payload_too_large", message)


async def _error(
    send: Send, status: int, code: str, message: str, headers: tuple[tuple[bytes, bytes], ...] = ()
) -> None:
    """An error response in the API's shape, sent before the app sees the request."""
    body = json.dumps({"error": {"code": code, "message": message, "details": []}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RateLimit:
    """Answers 429 (with Retry-After) to a client past its rate: `keyed_per_minute` for a
    request with a configured API key (`key_id` maps a presented key to its id, or None),
    `open_per_minute` for one without, per client address. A bucket holds ten seconds' worth of
    requests, so short bursts pass; 0 turns a limit off."""

    MAX_CLIENTS = 100_000
    """Buckets kept; past it, the full ones (idle clients) are forgotten."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        open_per_minute: int,
        keyed_per_minute: int,
        key_id: Callable[[str], str | None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.rates = {"open": open_per_minute / 60.0, "key": keyed_per_minute / 60.0}
        self.key_id = key_id
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def _client(self, scope: Scope) -> tuple[str, str]:
        headers = dict(scope.get("headers", []))
        presented = headers.get(b"x-api-key", b"").decode("latin-1")
        bearer = headers.get(b"authorization", b"").decode("latin-1")
        if not presented and bearer.lower().startswith("bearer "):
            presented = bearer[7:].strip()
        known = self.key_id(presented) if presented else None
        if known is not None:  # an unknown key counts as none, or random keys would dodge it
            return "key", f"key:{known}"
        address = scope.get("client") or ("unknown", 0)
        return "open", f"address:{address[0]}"

    def _allow(self, kind: str, client: str) -> float:
        """0 when the request may pass, else the seconds until it would."""
        rate = self.rates[kind]
        capacity = max(rate * 10.0, 1.0)
        now = self.clock()
        tokens, then = self._buckets.get(client, (capacity, now))
        tokens = min(capacity, tokens + (now - then) * rate)
        if tokens < 1.0:
            self._buckets[client] = (tokens, now)
            return (1.0 - tokens) / rate
        if len(self._buckets) >= self.MAX_CLIENTS and client not in self._buckets:
            self._forget(now)
        self._buckets[client] = (tokens - 1.0, now)
        return 0.0

    def _forget(self, now: float) -> None:
        for client, (tokens, then) in list(self._buckets.items()):
            kind = "key" if client.startswith("key:") else "open"
            rate = self.rates[kind]
            if tokens + (now - then) * rate >= max(rate * 10.0, 1.0):
                del self._buckets[client]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        kind, client = self._client(scope)
        if self.rates[kind] <= 0:
            await self.app(scope, receive, send)
            return
        wait = self._allow(kind, client)
        if wait > 0:
            retry = str(max(1, math.ceil(wait)))
            message = f"too many requests from this client; retry in {retry} s"
            await _error(
                send, 429, "too_many_requests", message, ((b"retry-after", retry.encode()),)
            )
            return
        await self.app(scope, receive, send)
