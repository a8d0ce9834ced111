"""Headless Chromium against a live server on a small trained shop.

The browser is Debian's `chromium` (apt-get install chromium), driven by Playwright, which never
downloads a browser of its own here. Without chromium the tests skip on a developer's machine and
fail in CI (CI=true), where .ci/run installs it. Training the small shop takes a minute or two
(mostly the assistant's sentence embeddings); see `base_url` to reuse a running server.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, sync_playwright

from shopmind.api import create_app
from shopmind.artifacts import Artifacts
from shopmind.engine import DASHBOARD_EVALUATIONS, ENGINES
from tests.api.trained import trained_shop

API_KEY = "browser-test-key"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must run the browser tests (.ci/run installs chromium)")
    pytest.skip(f"{reason}: browser tests skipped (apt-get install chromium to run them)")


def chromium_path() -> str:
    found = os.environ.get("SHOPMIND_CHROMIUM") or shutil.which("chromium")
    if not found:
        _unavailable("Debian's chromium is not installed")
    assert found is not None
    return found


@pytest.fixture(scope="session")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A trained shop (all engines, small) served by uvicorn on a free loopback port; or, to
    iterate on a page without training again, a running server at SHOPMIND_BROWSER_URL that
    accepts the admin key API_KEY."""
    chromium_path()  # skip or fail before spending time on training
    running = os.environ.get("SHOPMIND_BROWSER_URL")
    if running:
        yield running.rstrip("/")
        return
    settings, shop, _ = trained_shop(
        tmp_path_factory.mktemp("browser-shop"),
        None,
        seed=11,
        api_keys=f"admin:{API_KEY}",
        n_customers=300,
        n_products=80,
        days=200,
    )
    artifacts = Artifacts(settings.artifacts_dir)
    for name, options in DASHBOARD_EVALUATIONS.items():  # as `make demo` does
        results = ENGINES[name]().evaluate(shop, **options)
        artifacts.save_evaluation(name, artifacts.current(), results)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(settings), log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                # A shop page from another origin loads the widget from this loopback server;
                # Chromium's local-network-access checks (not CORS, which is under test) would
                # stop it before the page sees it. Real shops and shopmind are not both local.
                "--disable-features=LocalNetworkAccessChecks",
            ],
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
