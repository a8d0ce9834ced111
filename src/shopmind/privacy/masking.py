"""Personal fields never reach a log: e-mail addresses and phone numbers are masked in every
log record, and customer ids in request paths are replaced by a pseudonym that is stable for
the life of the process (so one customer's requests can still be followed) and unlinkable
after it."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from typing import Any

__all__ = ["install_log_masking", "mask_personal"]

_KEY = secrets.token_bytes(32)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A leading + or 0 and at least eight more digits: phone-shaped, unlike dates and versions.
_PHONE = re.compile(r"(?<![\w.:/+-])(?:\+|0)\d(?:[ ()-]?\d){7,}(?![\w.:/-])")
_CUSTOMER_IN_PATH = re.compile(r"(/customers/|/recommendations/|customer_id=)([^/\s?&#\"']+)")


def _pseudonym(match: re.Match[str]) -> str:
    digest = hmac.new(_KEY, match.group(2).encode(), hashlib.sha256).hexdigest()[:10]
    return f"{match.group(1)}~{digest}"


def mask_personal(text: str) -> str:
    """`text` with e-mail addresses, phone numbers and customer ids in paths masked."""
    text = _EMAIL.sub("<email>", text)
    text = _PHONE.sub("<phone>", text)
    return _CUSTOMER_IN_PATH.sub(_pseudonym, text)


def install_log_masking() -> None:
    """Mask every log record this process creates, whichever logger or handler (uvicorn's
    access log included). Idempotent."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "masks_personal_data", False):
        return

    def masking_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _mask_record(record)
        return record

    masking_factory.masks_personal_data = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(masking_factory)


_PLAIN = (str, int, float, type(None))


def _mask_record(record: logging.LogRecord) -> None:
    if isinstance(record.args, tuple) and all(isinstance(a, _PLAIN) for a in record.args):
        # Arguments masked one by one keep their shape, which some formatters read (uvicorn's
        # access log takes the path from them).
        if isinstance(record.msg, str):
            record.msg = mask_personal(record.msg)
        record.args = tuple(mask_personal(a) if isinstance(a, str) else a for a in record.args)
    else:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed call: logging reports it when emitted
            return
        masked = mask_personal(message)
        if masked != message:
            record.msg, record.args = masked, None
    if record.exc_info and record.exc_info[1] is not None:
        # Exception messages may quote a request's values: format the traceback now, masked.
        record.exc_text = mask_personal(logging.Formatter().formatException(record.exc_info))
