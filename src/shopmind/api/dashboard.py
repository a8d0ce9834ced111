"""The web dashboard: one page (static/index.html) whose modules call the JSON API.

Everything it needs, the chart library included, is served from the package: the shop's
machine may have no internet. The pages live in static/pages/, one module per engine.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

__all__ = ["STATIC", "router", "static_files"]

STATIC = Path(__file__).resolve().parent / "static"

router = APIRouter(include_in_schema=False)


def static_files() -> StaticFiles:
    return StaticFiles(directory=STATIC)


@router.get("/")
async def home() -> RedirectResponse:
    return RedirectResponse("/dashboard")


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard() -> HTMLResponse:
    """The dashboard; its pages are addressed by fragment (/dashboard#marketing)."""
    return HTMLResponse((STATIC / "index.html").read_text(encoding="utf-8"))
