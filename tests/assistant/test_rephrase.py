"""The optional language model: called the OpenAI way, and never allowed to break a reply."""

from __future__ import annotations

import json

import pytest

from shopmind.assistant.rephrase import ChatCompletionsRephraser

REPLY = "Order O000123 was shipped on 2025-02-11. Tracking number: TRK0000000003."


def _server(answer: str, seen: list[dict[str, object]]) -> object:
    def send(url: str, headers: dict[str, str], body: bytes, timeout: float) -> bytes:
        seen.append({"url": url, "headers": headers, "body": json.loads(body)})
        return json.dumps({"choices": [{"message": {"content": answer}}]}).encode()

    return send


def test_rewords_through_chat_completions() -> None:
    seen: list[dict[str, object]] = []
    friendly = "Good news! O000123 left us on 2025-02-11; track it with TRK0000000003."
    rephrase = ChatCompletionsRephraser(
        "http://llm:8080/v1/",
        "tiny",
        api_key="k",
        send=_server(friendly, seen),  # type: ignore[arg-type]
    )
    assert rephrase(REPLY, "en") == friendly
    (call,) = seen
    assert call["url"] == "http://llm:8080/v1/chat/completions"
    assert call["headers"]["Authorization"] == "Bearer k"  # type: ignore[index]
    body = call["body"]
    assert body["model"] == "tiny" and body["messages"][1]["content"] == REPLY  # type: ignore[index]


def test_a_dropped_fact_keeps_the_template() -> None:
    rephrase = ChatCompletionsRephraser(
        "http://llm/v1",
        "tiny",
        send=_server("Your parcel is on its way!", []),  # type: ignore[arg-type]
    )
    assert rephrase(REPLY, "en") == REPLY


@pytest.mark.parametrize("failure", [OSError("connection refused"), TimeoutError("slow")])
def test_an_unavailable_server_keeps_the_template(failure: Exception) -> None:
    def send(url: str, headers: dict[str, str], body: bytes, timeout: float) -> bytes:
        raise failure

    assert ChatCompletionsRephraser("http://llm/v1", "tiny", send=send)(REPLY, "zh") == REPLY


def test_garbage_answer_keeps_the_template() -> None:
    def send(url: str, headers: dict[str, str], body: bytes, timeout: float) -> bytes:
        return b"<html>502</html>"

    assert ChatCompletionsRephraser("http://llm/v1", "tiny", send=send)(REPLY, "en") == REPLY


def test_url_must_be_http() -> None:
    with pytest.raises(ValueError, match="http"):
        ChatCompletionsRephraser("llm:8080", "tiny")
