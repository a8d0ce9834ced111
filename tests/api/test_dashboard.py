"""The dashboard's files are served from the package with the right types; / leads to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from shopmind.api import create_app
from shopmind.config import Settings


@pytest.fixture
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("empty-shop"), api_keys="")
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_root_redirects_to_the_dashboard(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code in {307, 302}
    assert response.headers["location"] == "/dashboard"


def test_dashboard_page_loads_its_modules(client: TestClient) -> None:
    response = client.get("/dashboard")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<main id="page"' in response.text
    assert "/static/app.js" in response.text and "/static/vendor/chart.umd.min.js" in response.text


@pytest.mark.parametrize(
    ("path", "marker"),
    [
        ("/static/app.js", "export async function api"),
        ("/static/vendor/chart.umd.min.js", "Chart"),
        ("/static/chat.js", "window.ShopmindChat"),
        ("/static/pages/assistant.js", "export async function render"),
    ],
)
def test_scripts_are_served_as_javascript(client: TestClient, path: str, marker: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert "javascript" in response.headers["content-type"]
    assert marker in response.text


def test_stylesheet_and_unknown_files(client: TestClient) -> None:
    css = client.get("/static/app.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert client.get("/static/nothing-here.js").status_code == 404
    assert client.get("/static/../config.py").status_code == 404


def _preflight(client: TestClient, path: str, headers: str) -> int:
    response = client.options(
        path,
        headers={
            "Origin": "https://shop.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": headers,
        },
    )
    return response.status_code


def test_other_origins_may_post_chat_messages_but_not_send_keys(client: TestClient) -> None:
    assert _preflight(client, "/assistant/messages", "content-type") == 200
    assert _preflight(client, "/assistant/tickets", "content-type, x-api-key") == 400


def test_chat_origins_can_be_limited(tmp_path_factory: pytest.TempPathFactory) -> None:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("shop"), chat_origins="https://my-shop.example"
    )
    with TestClient(create_app(settings)) as limited:
        assert _preflight(limited, "/assistant/messages", "content-type") == 400
