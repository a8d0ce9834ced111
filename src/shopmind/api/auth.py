"""API keys: reads are open, writes need a `write` key, administration an `admin` key.

Keys come from configuration as 'scope:secret' (or 'scope:sha256:<hex>', so the secret itself
need not be stored). Only digests are kept in memory and compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from fastapi import Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from shopmind.errors import ConfigError, ShopmindError

__all__ = ["AuthError", "KeyRing", "Scope", "digest", "new_key", "require"]


class Scope(StrEnum):
    WRITE = "write"
    ADMIN = "admin"


_GRANTS = {Scope.WRITE: {Scope.WRITE}, Scope.ADMIN: {Scope.WRITE, Scope.ADMIN}}


class AuthError(ShopmindError):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.http_status = status
        self.code = code


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_key() -> str:
    """A fresh random secret, for `shopmind demo` and for shops creating keys."""
    return "sm_" + secrets.token_urlsafe(24)


@dataclass(frozen=True)
class KeyRing:
    """The configured keys, as (digest, scope) pairs."""

    keys: tuple[tuple[str, Scope], ...]

    @classmethod
    def parse(cls, entries: Iterable[str]) -> KeyRing:
        keys: list[tuple[str, Scope]] = []
        for entry in entries:
            scope_name, _, secret = entry.partition(":")
            if scope_name not in Scope.__members__.values() or not secret:
                raise ConfigError(
                    f"API key entry {scope_name!r}:... is not 'write:SECRET' or 'admin:SECRET'"
                )
            hashed = secret.removeprefix("sha256:") if secret.startswith("sha256:") else None
            keys.append((hashed.lower() if hashed else digest(secret), Scope(scope_name)))
        return cls(tuple(keys))

    def key_id(self, secret: str) -> str | None:
        """A short id of a configured key (the start of its digest), None for any other."""
        presented = digest(secret)
        found = None
        for known, _ in self.keys:
            if hmac.compare_digest(known, presented):
                found = known[:16]
        return found

    def scope_of(self, secret: str) -> Scope | None:
        presented = digest(secret)
        found: Scope | None = None
        for known, scope in self.keys:
            if hmac.compare_digest(known, presented):
                found = scope
        return found


_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key.")
_bearer = HTTPBearer(auto_error=False, description="An API key as a bearer token.")


def require(scope: Scope) -> Callable[..., Awaitable[Scope]]:
    """A dependency that lets the request through only with a key granting `scope`."""

    async def check(
        request: Request,
        header_key: str | None = Security(_header),
        bearer: HTTPAuthorizationCredentials | None = Security(_bearer),
    ) -> Scope:
        secret = header_key or (bearer.credentials if bearer else None)
        if not secret:
            raise AuthError(
                401,
                "unauthenticated",
                "this endpoint needs an API key (X-API-Key header or Bearer token)",
            )
        ring: KeyRing = request.app.state.keyring
        granted = ring.scope_of(secret)
        if granted is None:
            raise AuthError(401, "unauthenticated", "the API key is not valid")
        if scope not in _GRANTS[granted]:
            raise AuthError(
                403,
                "forbidden",
                f"this API key may not {scope.value}; it has scope {granted.value}",
            )
        return granted

    return check
