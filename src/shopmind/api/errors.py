"""Every error leaves the API in one shape: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from shopmind.errors import DataError, ShopmindError

__all__ = ["error_response", "install_error_handlers"]

log = logging.getLogger("shopmind.api")

_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
    503: "unavailable",
}


def error_response(
    status: int, code: str, message: str, details: list[Any] | None = None
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": details or []}}
    return JSONResponse(body, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ShopmindError)
    async def shopmind_error(_: Request, exc: ShopmindError) -> JSONResponse:
        details: list[Any] = []
        message = str(exc)
        if isinstance(exc, DataError):
            details = [i.as_dict() for i in exc.issues]
            count = len(exc.issues) + exc.more
            message = (
                f"{count} problem{'s' if count != 1 else ''} in the input; nothing was written"
            )
        elif exc.http_status >= 500:
            log.error("%s: %s", exc.code, exc)
        return error_response(exc.http_status, exc.code, message, details)

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        code = _CODES.get(exc.status_code, "error")
        return error_response(exc.status_code, code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"location": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
            for e in exc.errors()
        ]
        return error_response(422, "invalid_request", "the request does not match the API", details)

    @app.exception_handler(sa.exc.OperationalError)
    @app.exception_handler(sa.exc.InterfaceError)
    async def store_unavailable(_: Request, exc: sa.exc.DBAPIError) -> JSONResponse:
        # The database went away (restart, network): nothing was committed; the pool
        # reconnects by itself once it is back, so the client should retry.
        log.error("store_unavailable: %s", type(exc.orig).__name__ if exc.orig else exc)
        response = error_response(
            503,
            "store_unavailable",
            "the store (database) cannot be reached; nothing was written; retry shortly",
        )
        response.headers["Retry-After"] = "2"
        return response

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return error_response(
            500, "internal_error", "an unexpected error occurred; see the server log"
        )
