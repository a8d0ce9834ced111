"""An optional large language model that rewords the assistant's answers; off by default.

Any server that speaks OpenAI's chat-completions protocol works (vLLM, llama.cpp, Ollama, a
hosted API). It only rephrases a finished answer: the facts come from the shop's data, and when
the model is slow, down or returns something odd the original answer is sent unchanged.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.request
from collections.abc import Callable
from typing import Any, Final

__all__ = ["ChatCompletionsRephraser", "Send"]

log = logging.getLogger("shopmind.assistant")

Send = Callable[[str, dict[str, str], bytes, float], bytes]
"""(url, headers, body, timeout seconds) -> response body; injectable for tests."""

_PROMPT: Final = (
    "You rewrite a shop assistant's reply so that it sounds friendly and natural. Keep every "
    "fact exactly: order numbers, dates, amounts, tracking numbers, ticket numbers, product "
    "names. Add nothing. Answer in {language}, with the rewritten reply only."
)
_LANGUAGE_NAMES: Final = {"en": "English", "zh": "Simplified Chinese"}
_FACT: Final = re.compile(r"[A-Za-z]*\d[\w.,:-]*")


def _facts(text: str) -> set[str]:
    """Numbers, ids, dates and amounts: what a rewording must keep."""
    return {fact.rstrip(".,:-") for fact in _FACT.findall(text)}


def _post(url: str, headers: dict[str, str], body: bytes, timeout: float) -> bytes:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        data: bytes = response.read()
        return data


class ChatCompletionsRephraser:
    """Calls `{base_url}/chat/completions`; a failure or a changed fact keeps the original."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout: float = 5.0,
        send: Send | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(
                f"the language model URL must start with http:// or https://: {base_url}"
            )
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.api_key = api_key
        self.timeout = timeout
        self.send = send or _post

    def __call__(self, reply: str, language: str) -> str:
        body: dict[str, Any] = {
            "model": self.model,
            "temperature": 0.2,
            "messages": [
                {
                    "role": "system",
                    "content": _PROMPT.format(language=_LANGUAGE_NAMES.get(language, "English")),
                },
                {"role": "user", "content": reply},
            ],
        }
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        try:
            raw = self.send(self.url, headers, json.dumps(body).encode(), self.timeout)
            text = json.loads(raw)["choices"][0]["message"]["content"].strip()
        except Exception as exc:  # any failure of an optional helper must not fail the reply
            log.warning("language model unavailable, sending the template answer: %s", exc)
            return reply
        if not text or not _facts(reply) <= _facts(text):
            log.warning("language model changed or dropped a fact; sending the template answer")
            return reply
        return str(text)
