"""The assistant over HTTP: customers' messages, customer tokens, and the hand-off tickets."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from shopmind.api.auth import AuthError, Scope, require
from shopmind.api.models import ModelHolder
from shopmind.assistant.dialogue import MAX_MESSAGE_CHARS, Assistant, conversation_key
from shopmind.assistant.engine import AssistantEngine
from shopmind.assistant.identity import DEFAULT_TTL_SECONDS, TokenError, issue_token, verify_token
from shopmind.assistant.rephrase import ChatCompletionsRephraser
from shopmind.assistant.replies import Replies
from shopmind.assistant.repository import (
    StoreConversations,
    StoreShop,
    StoreTickets,
)
from shopmind.assistant.repository import (
    Ticket as StoredTicket,
)
from shopmind.config import Settings
from shopmind.data.store import Store

__all__ = ["router"]

router = APIRouter(tags=["assistant"])

MAX_ID = 2**63 - 1
"""The largest ticket id a 64-bit database column holds."""

_ID = r"^[A-Za-z0-9_.:-]+$"


class Message(BaseModel):
    conversation_id: str = Field(
        min_length=8,
        max_length=128,
        pattern=_ID,
        description="Chosen by the client, e.g. a random UUID; the same id continues the chat.",
    )
    text: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)
    customer_token: str | None = Field(
        None, max_length=1000, description="From POST /assistant/tokens, for a signed-in customer."
    )


class Answer(BaseModel):
    conversation_id: str
    reply: str
    intent: str
    confidence: float
    language: str
    actions: list[dict[str, Any]]
    sources: list[dict[str, Any]]
    ticket_id: int | None
    model_version: str | None


class TokenRequest(BaseModel):
    customer_id: str = Field(min_length=1, max_length=200)
    ttl_seconds: int = Field(DEFAULT_TTL_SECONDS, ge=60, le=7 * 24 * 3600)


class Token(BaseModel):
    customer_token: str
    expires_in: int


class Ticket(BaseModel):
    ticket_id: int
    conversation_id: str
    customer_id: str | None
    status: Literal["open", "resolved"]
    reason: str
    intent: str | None
    understood: dict[str, Any]
    transcript: list[dict[str, Any]]
    created_at: datetime
    resolved_at: datetime | None
    resolution: str | None


class TicketRequest(BaseModel):
    conversation_id: str = Field(min_length=1, max_length=128)
    reason: str = Field(min_length=1, max_length=500)
    customer_id: str | None = Field(None, max_length=200)


class Resolution(BaseModel):
    resolution: str = Field(min_length=1, max_length=5000)


def _ticket(ticket: StoredTicket) -> Ticket:
    return Ticket.model_validate(ticket, from_attributes=True)


def _secret(request: Request) -> str:
    settings: Settings = request.app.state.settings
    if not settings.assistant_secret:
        raise AuthError(
            503,
            "customer_tokens_off",
            "customer tokens are off: set SHOPMIND_ASSISTANT_SECRET to sign them",
        )
    return settings.assistant_secret


def _assistant(request: Request) -> tuple[Assistant, str]:
    holder: ModelHolder = request.app.state.models
    loaded = holder.serving("assistant")
    engine: AssistantEngine = loaded.models["assistant"]
    store: Store = request.app.state.store
    settings: Settings = request.app.state.settings
    if not hasattr(request.app.state, "replies"):  # read once; a bad file fails loudly
        path = settings.assistant_replies
        request.app.state.replies = Replies.from_file(path) if path else Replies()
    rephraser = None
    if settings.assistant_llm_url:
        rephraser = ChatCompletionsRephraser(
            settings.assistant_llm_url,
            settings.assistant_llm_model,
            api_key=settings.assistant_llm_key,
        )
    assistant = engine.assistant(
        StoreShop(store),
        StoreTickets(store),
        StoreConversations(store),
        recommender=loaded.models.get("recommend"),
        replies=request.app.state.replies,
        rephraser=rephraser,
    )
    return assistant, loaded.version


@router.post("/assistant/messages", response_model=Answer)
async def message(request: Request, body: Message) -> Answer:
    """One customer message in, the assistant's reply out, with the intent it understood,
    how sure it is, what it did and where the answer came from. A signed-in customer's
    orders need their customer token; a visitor gives the order number and its e-mail."""
    customer_id = None
    if body.customer_token is not None:
        try:
            customer_id = verify_token(body.customer_token, _secret(request))
        except TokenError:
            raise AuthError(
                401, "invalid_customer_token", "the customer token is invalid or expired"
            ) from None
    assistant, version = _assistant(request)
    answer = await run_in_threadpool(
        assistant.reply, body.conversation_id, body.text, customer_id=customer_id
    )
    return Answer(
        conversation_id=answer.conversation_id,
        reply=answer.text,
        intent=answer.intent,
        confidence=answer.confidence,
        language=answer.language,
        actions=answer.actions,
        sources=answer.sources,
        ticket_id=answer.ticket_id,
        model_version=version,
    )


@router.post(
    "/assistant/tokens", response_model=Token, dependencies=[Depends(require(Scope.WRITE))]
)
async def token(request: Request, body: TokenRequest) -> Token:
    """A customer token for the shop's signed-in customer, to pass with their messages."""
    signed = issue_token(body.customer_id, _secret(request), ttl_seconds=body.ttl_seconds)
    return Token(customer_token=signed, expires_in=body.ttl_seconds)


@router.get(
    "/assistant/tickets", response_model=list[Ticket], dependencies=[Depends(require(Scope.WRITE))]
)
async def tickets(
    request: Request,
    status: Annotated[Literal["open", "resolved"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[Ticket]:
    """Hand-offs to a person, newest first, with the transcript and what was understood."""
    desk = StoreTickets(request.app.state.store)
    return [_ticket(t) for t in await run_in_threadpool(desk.list, status, limit)]


@router.get(
    "/assistant/tickets/{ticket_id}",
    response_model=Ticket,
    dependencies=[Depends(require(Scope.WRITE))],
)
async def ticket(request: Request, ticket_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> Ticket:
    return _ticket(await run_in_threadpool(StoreTickets(request.app.state.store).get, ticket_id))


@router.post(
    "/assistant/tickets",
    response_model=Ticket,
    status_code=201,
    dependencies=[Depends(require(Scope.WRITE))],
)
async def open_ticket(request: Request, body: TicketRequest) -> Ticket:
    """Hand a conversation to a person by hand (e.g. from the dashboard)."""
    store: Store = request.app.state.store
    stored = StoreConversations(store).load(
        conversation_key(body.conversation_id, body.customer_id)
    )
    transcript = list(stored.get("turns", [])) if stored else []
    desk = StoreTickets(store)
    opened = await run_in_threadpool(
        lambda: desk.open(
            body.conversation_id,
            customer_id=body.customer_id,
            reason=body.reason,
            intent=None,
            understood={},
            transcript=transcript,
        )
    )
    return _ticket(opened)


@router.post(
    "/assistant/tickets/{ticket_id}/resolve",
    response_model=Ticket,
    dependencies=[Depends(require(Scope.WRITE))],
)
async def resolve(
    request: Request, ticket_id: Annotated[int, Path(ge=1, le=MAX_ID)], body: Resolution
) -> Ticket:
    """Close a ticket with what was done."""
    desk = StoreTickets(request.app.state.store)
    return _ticket(await run_in_threadpool(desk.resolve, ticket_id, body.resolution))
