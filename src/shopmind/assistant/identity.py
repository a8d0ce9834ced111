"""Customer tokens: how the shop's website tells the assistant who is signed in.

The shop's backend asks for a token for its signed-in customer (POST /assistant/tokens, with a
write key) and passes it along with the customer's messages. A token is the customer id and an
expiry, signed with HMAC-SHA256 under SHOPMIND_ASSISTANT_SECRET; it cannot be forged or
stretched without the secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Final

__all__ = ["DEFAULT_TTL_SECONDS", "TokenError", "issue_token", "verify_token"]

DEFAULT_TTL_SECONDS: Final = 12 * 3600


class TokenError(ValueError):
    """The token is malformed, forged or expired (deliberately not saying which)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: str, payload: str) -> str:
    return _b64(hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest())


def issue_token(
    customer_id: str,
    secret: str,
    *,
    ttl_seconds: int = DEFAULT_TTL_SECONDS,
    now: float | None = None,
) -> str:
    if not secret:
        raise ValueError("a secret is needed to sign customer tokens")
    if not customer_id:
        raise ValueError("customer_id is empty")
    expires = int((time.time() if now is None else now) + ttl_seconds)
    payload = f"{_b64(customer_id.encode())}.{expires}"
    return f"{payload}.{_signature(secret, payload)}"


def verify_token(token: str, secret: str, *, now: float | None = None) -> str:
    """The customer id in a valid token; TokenError otherwise."""
    try:
        encoded, expires, signature = token.split(".")
        payload = f"{encoded}.{expires}"
        if not hmac.compare_digest(signature, _signature(secret, payload)):
            raise TokenError("invalid customer token")
        if int(expires) < (time.time() if now is None else now):
            raise TokenError("invalid customer token")
        return _unb64(encoded).decode()
    except (ValueError, UnicodeDecodeError):
        raise TokenError("invalid customer token") from None
