"""Personal fields are masked in every log record, whichever logger writes it."""

from __future__ import annotations

import logging

import pytest

from shopmind.privacy import install_log_masking, mask_personal


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("order for anna.k+shop@example.co.uk failed", "anna.k+shop@example.co.uk"),
        ("call +49 30 50128814 today", "+49 30 50128814"),
        ("call 030-5012 8814", "030-5012 8814"),
        ('127.0.0.1:5 - "GET /recommendations/C00042?k=5 HTTP/1.1" 200', "C00042"),
        ('"DELETE /customers/zq-7f3a HTTP/1.1" 200', "zq-7f3a"),
        ("GET /customers/C7/profile", "C7"),
        ("GET /trending?customer_id=C9&k=3", "C9"),
    ],
)
def test_personal_fields_are_masked(text: str, hidden: str) -> None:
    assert hidden not in mask_personal(text)


def test_the_same_customer_gets_the_same_pseudonym_and_others_do_not() -> None:
    first, again = mask_personal("/customers/C1/history"), mask_personal("/customers/C1/x")
    assert (
        first.split("/")[2] == again.split("/")[2] != mask_personal("/customers/C2").split("/")[2]
    )


@pytest.mark.parametrize(
    "text",
    [
        "serving models of version 20261128T144816270596Z",
        "imported 12,345 rows in 0.51 s at 2026-11-28 14:43:30",
        "GET /products/P00012/similar 200",
        "ticket 1234567 resolved",
    ],
)
def test_ordinary_log_lines_are_untouched(text: str) -> None:
    assert mask_personal(text) == text


def test_every_logger_is_masked_once_installed(caplog: pytest.LogCaptureFixture) -> None:
    install_log_masking()
    install_log_masking()  # idempotent
    caplog.set_level(logging.INFO)
    access = logging.getLogger("tests.access")  # uvicorn's own may not propagate to caplog
    access.info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:1", "GET", "/customers/C5/profile", "1.1", 200
    )
    logging.getLogger("shopmind.test").warning("no order for %s", "eva@example.org")
    logged = [r.getMessage() for r in caplog.records]
    assert len(logged) == 2
    assert "C5" not in logged[0] and "/customers/~" in logged[0]
    assert "eva@example.org" not in logged[1] and "<email>" in logged[1]


def test_tracebacks_are_masked_too(caplog: pytest.LogCaptureFixture) -> None:
    install_log_masking()
    caplog.set_level(logging.ERROR)
    try:
        raise LookupError("unknown customer 'eva@example.org'")
    except LookupError:
        logging.getLogger("tests.error").exception("Exception in ASGI application")
    (record,) = caplog.records
    assert record.exc_text and "LookupError" in record.exc_text
    assert "eva@example.org" not in caplog.text
