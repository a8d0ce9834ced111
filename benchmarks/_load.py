"""Shared by the serving benchmarks: a server in its own process on a free loopback port, and an
open-loop client that sends requests at a fixed rate and measures each latency from the moment
it was due (so a slow server cannot hide its queueing), with the server's memory sampled."""

from __future__ import annotations

import asyncio
import gc
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2 as httpx
import numpy as np


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    json: Any = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not come up")


def uvicorn(app: str, *options: str) -> list[str]:
    return [sys.executable, "-m", "uvicorn", app, *options, "--log-level", "warning"]


def rss_mb(pid: int) -> float:
    """The resident memory of a process and its children (a server's workers), from /proc."""
    total = 0.0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) / 1024.0
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:  # the process is gone
        return total
    return total + sum(rss_mb(int(child)) for child in children)


async def open_loop(
    base: str,
    calls: list[Call],
    rate: int,
    seconds: float,
    headers: dict[str, str] | None = None,
    pid: int | None = None,
) -> dict[str, Any]:
    """Request i (calls[i % len(calls)]) is due at start + i / rate, whatever happened before.
    Latencies of the answers under 400 count; anything else is an error. With `pid`, the
    server's memory is sampled every second."""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    memory: list[tuple[float, float]] = []
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    async with httpx.AsyncClient(
        base_url=base, limits=limits, timeout=10.0, headers=headers or {}
    ) as client:
        start = time.perf_counter() + 0.2

        async def one(i: int) -> None:
            call = calls[i % len(calls)]
            due = start + i / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            try:
                response = await client.request(call.method, call.path, json=call.json)
                failure = None if response.status_code < 400 else str(response.status_code)
            except httpx.HTTPError as error:
                failure = type(error).__name__
            if failure is None:
                latencies.append(time.perf_counter() - due)
            else:
                errors[failure] = errors.get(failure, 0) + 1

        async def sample_memory() -> None:
            while pid is not None and time.perf_counter() < start + seconds:
                memory.append((time.perf_counter() - start, rss_mb(pid)))
                await asyncio.sleep(1.0)

        total = int(rate * seconds)
        await asyncio.gather(sample_memory(), *(one(i) for i in range(total)))
        elapsed = time.perf_counter() - start
    values = np.array(latencies) * 1000.0

    def pct(q: float) -> float | None:
        return round(float(np.percentile(values, q)), 2) if len(values) else None

    out: dict[str, Any] = {
        "requests": total,
        "errors": sum(errors.values()),
        "achieved_rps": round(len(latencies) / elapsed, 1),
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
    }
    if errors:
        out["error_kinds"] = errors
    if memory:
        out["memory"] = memory
    return out


def measure(
    command: list[str],
    env: dict[str, str],
    calls: list[Call],
    *,
    rate: int,
    seconds: float,
    warmup: float,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Serve `command` on a free port, warm it up, then measure it under the load."""
    port = free_port()
    quiet = subprocess.DEVNULL
    process = subprocess.Popen([*command, "--port", str(port)], env=env, stdout=quiet, stderr=quiet)
    try:
        wait_ready(f"http://127.0.0.1:{port}/health")
        # The client must not pause to collect the garbage of the set-up (the generated shop).
        gc.collect()
        gc.freeze()
        base = f"http://127.0.0.1:{port}"
        asyncio.run(open_loop(base, calls, rate, warmup, headers))
        return asyncio.run(open_loop(base, calls, rate, seconds, headers, pid=process.pid))
    finally:
        process.terminate()
        process.wait(timeout=30)
