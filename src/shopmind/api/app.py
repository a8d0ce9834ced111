"""The FastAPI application: health, version, and the routers of the engines."""

from __future__ import annotations

import logging
import os
import platform
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware
from pydantic import BaseModel
from threadpoolctl import threadpool_limits

from shopmind import __version__, embeddings
from shopmind.api import (
    assistant,
    dashboard,
    data,
    forecast,
    inventory,
    marketing,
    overview,
    pricing,
    privacy,
    recommend,
)
from shopmind.api.auth import KeyRing, Scope, require
from shopmind.api.errors import error_response, install_error_handlers
from shopmind.api.limits import BodySizeLimit, RateLimit
from shopmind.api.models import ModelHolder
from shopmind.config import Settings
from shopmind.data.schema import SCHEMA_VERSION
from shopmind.data.store import Store
from shopmind.privacy import install_log_masking

__all__ = ["SETTINGS_VARIABLE", "create_app", "worker_app"]

log = logging.getLogger("shopmind.api")


class Health(BaseModel):
    status: str
    store: str
    schema_version: int | None


class Version(BaseModel):
    shopmind: str
    schema_version: int
    python: str
    model_version: str | None


class Reloaded(BaseModel):
    model_version: str
    engines: list[str]


SETTINGS_VARIABLE = "SHOPMIND_WORKER_SETTINGS"
"""How `shopmind serve --workers N` hands its settings (as JSON) to the worker processes."""


def worker_app() -> FastAPI:
    """The app of one worker process of `shopmind serve --workers N`."""
    text = os.environ.get(SETTINGS_VARIABLE)
    return create_app(Settings.model_validate_json(text) if text else None)


def create_app(settings: Settings | None = None, *, store: Store | None = None) -> FastAPI:
    """Build the service; `store` may be injected (tests), otherwise it is opened from settings.
    The newest trained models under the settings' artifacts folder are loaded at start."""
    settings = settings or Settings()
    install_log_masking()
    keyring = KeyRing.parse(settings.api_key_entries())
    models = ModelHolder(settings.artifacts_dir)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = store is None
        app.state.store = store or Store(settings.store_url)
        # Requests run in parallel threads; each one's numerical work is small, so one BLAS
        # (and torch) thread per request beats threads fighting over the two cores. Set before
        # loading: a thread keeps the torch limit it first ran the sentence model with.
        blas = threadpool_limits(1)
        text_threads = embeddings.limit_threads(1)
        await run_in_threadpool(models.try_load)
        if not keyring.keys:
            log.warning("no API keys are configured: every write and admin endpoint answers 401")
        try:
            yield
        finally:
            blas.restore_original_limits()
            embeddings.limit_threads(text_threads)
            if owned:
                app.state.store.close()

    app = FastAPI(
        title="shopmind",
        version=__version__,
        summary="The shop's own AI: recommendations, marketing, pricing, stock and an assistant.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.keyring = keyring
    app.state.models = models
    if store is not None:
        app.state.store = store
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    app.add_middleware(
        RateLimit,
        open_per_minute=settings.rate_limit_open,
        keyed_per_minute=settings.rate_limit_keyed,
        key_id=keyring.key_id,
    )
    # The chat widget runs on the shop's own pages: other origins may post messages, and only
    # messages (no cookies, no API-key header), so keyed endpoints stay out of their reach.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=[o.strip() for o in settings.chat_origins.split(",") if o.strip()],
        allow_methods=["POST"],
        allow_headers=["Content-Type"],
        allow_credentials=False,
    )

    @app.get("/health", response_model=Health, tags=["service"])
    async def health(request: Request) -> Health | object:
        """Whether the service and its store answer."""
        current: Store = request.app.state.store
        if not current.ping():
            return error_response(503, "unavailable", "the store does not answer")
        return Health(status="ok", store="ok", schema_version=current.schema_version)

    @app.get("/version", response_model=Version, tags=["service"])
    async def version() -> Version:
        """The running release and the store schema it speaks."""
        return Version(
            shopmind=__version__,
            schema_version=SCHEMA_VERSION,
            python=platform.python_version(),
            model_version=models.version,
        )

    @app.post(
        "/admin/reload",
        response_model=Reloaded,
        tags=["service"],
        dependencies=[Depends(require(Scope.ADMIN))],
    )
    async def reload() -> Reloaded:
        """Load the newest trained models without a restart; on failure the old ones serve."""
        loaded = await run_in_threadpool(models.load_newest)
        return Reloaded(model_version=loaded.version, engines=sorted(loaded.models))

    app.include_router(data.router)
    app.include_router(recommend.router)
    app.include_router(marketing.router)
    app.include_router(forecast.router)
    app.include_router(inventory.router)
    app.include_router(pricing.router)
    app.include_router(assistant.router)
    app.include_router(privacy.router)
    app.include_router(overview.router)
    app.include_router(dashboard.router)
    app.mount("/static", dashboard.static_files(), name="static")
    return app
