"""Customer tokens: round trip, and no forging, stretching or reuse under another secret."""

from __future__ import annotations

import pytest

from shopmind.assistant.identity import TokenError, issue_token, verify_token


def test_round_trip() -> None:
    token = issue_token("C00042", "s3cret", now=1000.0)
    assert verify_token(token, "s3cret", now=1001.0) == "C00042"


def test_unicode_customer_id() -> None:
    assert verify_token(issue_token("客户-7", "k"), "k") == "客户-7"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t.replace(t.split(".")[0], "QzAwMDQz"),  # another customer id (C00043)
        lambda t: ".".join([t.split(".")[0], "99999999999", t.split(".")[2]]),  # later expiry
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # changed signature
        lambda t: "not-a-token",
        lambda t: "",
    ],
)
def test_tampered_tokens_are_rejected(tamper: object) -> None:
    token = issue_token("C00042", "s3cret", now=1000.0)
    with pytest.raises(TokenError):
        verify_token(tamper(token), "s3cret", now=1001.0)  # type: ignore[operator]


def test_expired_and_foreign_tokens_are_rejected() -> None:
    token = issue_token("C00042", "s3cret", ttl_seconds=60, now=1000.0)
    with pytest.raises(TokenError):
        verify_token(token, "s3cret", now=1061.0)
    with pytest.raises(TokenError):
        verify_token(token, "other-secret", now=1001.0)


def test_issuing_needs_a_secret_and_an_id() -> None:
    with pytest.raises(ValueError, match="secret"):
        issue_token("C1", "")
    with pytest.raises(ValueError, match="customer_id"):
        issue_token("", "k")
