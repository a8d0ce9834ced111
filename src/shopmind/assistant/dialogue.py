"""The conversation: understand a message, act on the shop's data, answer, or hand off.

One `Assistant.reply` per customer message. The conversation's state (what it is about, which
order, what the assistant is waiting for) is kept by id in a ConversationLog, so any worker can
answer the next message. Orders are shown only to their owner: the signed-in customer, or
whoever gave the order number together with the order's e-mail address; every other look-up
gets the same answer as an order that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, Protocol

from shopmind.assistant import slots
from shopmind.assistant.examples import OUT_OF_SCOPE
from shopmind.assistant.policy import ServicePolicy
from shopmind.assistant.replies import Replies
from shopmind.assistant.repository import ConversationLog, Order, ShopRepository, TicketDesk
from shopmind.errors import InvalidRequestError

if TYPE_CHECKING:
    from shopmind.assistant.intents import IntentPrediction
    from shopmind.assistant.retrieval import FaqIndex, ProductSearch
    from shopmind.recommend.engine import RecommendEngine

__all__ = ["MAX_MESSAGE_CHARS", "Assistant", "IntentDetector", "Reply", "conversation_key"]

MAX_MESSAGE_CHARS: Final = 2000
_MAX_TURNS: Final = 60
"""Turns kept per conversation (and copied into a ticket)."""

ORDER_INTENTS: Final = frozenset(
    {"order_status", "cancel_order", "change_address", "return_item", "refund_status"}
)
FAQ_INTENTS: Final = frozenset(
    {"delivery_options", "payment_problem", "coupon", "account", "product_question"}
)
_ORDER_ASIDES: Final = frozenset({"human_agent", "complaint", "affirm", "deny"})
"""Intents that may mention an order number without being one of the order intents."""
_POLICY_FIRST: Final = frozenset({"return_item", "refund_status"})
"""Order intents that, without an order, start with the shop's general answer."""

_SURE_PRODUCT: Final = 0.75
"""A message the intent model could not place is a product search when a product matches
this well (search scores are about 1 for a close match)."""

Rephraser = Callable[[str, str], str]
"""(reply, language) -> the same facts in other words; see rephrase.py."""


class IntentDetector(Protocol):
    """What the dialogue needs of an intent model (IntentClassifier is one)."""

    def detect(self, text: str) -> IntentPrediction: ...


@dataclass(frozen=True)
class Reply:
    conversation_id: str
    text: str
    intent: str
    confidence: float
    language: str
    actions: list[dict[str, Any]] = field(default_factory=list)
    """What the assistant did: looked up an order, asked for a detail, cancelled, handed off."""
    sources: list[dict[str, Any]] = field(default_factory=list)
    """Where the answer came from: faq, order or product ids."""
    ticket_id: int | None = None


@dataclass
class _State:
    """One conversation, kept as JSON between messages."""

    language: str = "en"
    turns: list[dict[str, Any]] = field(default_factory=list)
    topic: str | None = None
    """The last intent that was about an order or a product."""
    awaiting: str | None = None
    """order | email | confirm_cancel | product | handoff_offer: what the next message answers."""
    order_id: str | None = None
    candidates: list[str] = field(default_factory=list)
    """Orders the customer could mean, newest first (for "no, the other one")."""
    email: str | None = None
    verified: list[str] = field(default_factory=list)
    """Orders whose e-mail the customer gave correctly."""
    misses: int = 0
    failed_lookups: int = 0
    ticket_id: int | None = None

    @classmethod
    def restore(cls, stored: dict[str, Any] | None) -> _State:
        """The state as saved; fields a newer or older release does not know are dropped."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (stored or {}).items() if k in known})


@dataclass
class _Turn:
    """The reply being built for one message."""

    intent: str
    confidence: float
    texts: list[str] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)
    ticket_id: int | None = None
    conversation_id: str = ""
    customer_id: str | None = None
    """The signed-in customer, None for a visitor."""


class Assistant:
    """Answers customers from the shop's data; each dependency is injectable."""

    def __init__(
        self,
        intents: IntentDetector,
        faqs: FaqIndex,
        products: ProductSearch,
        shop: ShopRepository,
        tickets: TicketDesk,
        conversations: ConversationLog,
        *,
        recommender: RecommendEngine | None = None,
        replies: Replies | None = None,
        policy: ServicePolicy | None = None,
        rephraser: Rephraser | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.intents = intents
        self.faqs = faqs
        self.products = products
        self.shop = shop
        self.tickets = tickets
        self.conversations = conversations
        self.recommender = recommender
        self.replies = replies or Replies()
        self.policy = policy or ServicePolicy()
        self.rephraser = rephraser
        self.clock = clock or _today
        """Today, for return periods (a benchmark on old data sets its own)."""

    # --- the turn -----------------------------------------------------------------------------

    def reply(self, conversation_id: str, text: str, *, customer_id: str | None = None) -> Reply:
        """Answer one message. `customer_id` is the signed-in customer (already verified by
        the caller), or None for a visitor."""
        text = _checked(conversation_id, text)
        key = conversation_key(conversation_id, customer_id)
        stored = self.conversations.load(key)
        state = _State.restore(stored)
        state.language = slots.detect_language(text, default=state.language)
        for email in slots.emails(text):
            state.email = email
        turn = self._understand(state, text)
        turn.conversation_id, turn.customer_id = conversation_id, customer_id
        state.turns.append(_entry("customer", text, turn.intent, turn.confidence))
        self._act(state, turn, text)
        answer = " ".join(turn.texts)
        if self.rephraser is not None:
            answer = self.rephraser(answer, state.language)
        state.turns.append(_entry("assistant", answer))
        state.turns = state.turns[-_MAX_TURNS:]
        self.conversations.save(key, asdict(state))
        return Reply(
            conversation_id=conversation_id,
            text=answer,
            intent=turn.intent,
            confidence=round(turn.confidence, 4),
            language=state.language,
            actions=turn.actions,
            sources=turn.sources,
            ticket_id=turn.ticket_id,
        )

    def _understand(self, state: _State, text: str) -> _Turn:
        """The intent, where what the assistant asked for and explicit phrases beat the model."""
        if slots.wants_human(text):
            return _Turn("human_agent", 1.0)
        if state.topic in ORDER_INTENTS and slots.only_details(text):
            return _Turn(state.topic, 1.0)  # "O000123" or "anna@example.com" on its own
        prediction = self.intents.detect(slots.without_details(text) or text)
        intent = prediction.intent if prediction.in_scope else OUT_OF_SCOPE
        confidence = prediction.confidence
        if slots.order_numbers(text) and intent not in ORDER_INTENTS | _ORDER_ASIDES:
            # a message with an order number is about that order: the likeliest order intent
            ranked = [name for name, _ in prediction.alternatives if name in ORDER_INTENTS]
            intent = (ranked or ["order_status"])[0]
        elif intent in ("product_search", "product_question") and slots.asks_stock(text):
            intent = "stock_check"
        awaiting = state.awaiting
        if awaiting in ("confirm_cancel", "handoff_offer"):
            if slots.means_no(text) or intent == "deny":
                return _Turn("deny", max(confidence, 0.9))
            if slots.means_yes(text) or intent == "affirm":
                return _Turn("affirm", max(confidence, 0.9))
        answered = (awaiting == "order" and slots.order_numbers(text)) or (
            awaiting == "email" and slots.emails(text)
        )
        if answered and state.topic:
            return _Turn(intent if intent in ORDER_INTENTS else state.topic, 1.0)
        if awaiting == "product" and state.topic and intent not in ORDER_INTENTS:
            return _Turn(state.topic, confidence)
        if slots.order_numbers(text) and intent in ("affirm", "deny", OUT_OF_SCOPE) and state.topic:
            return _Turn(state.topic, 1.0)  # "O000123" on its own, or "no, O000124"
        return _Turn(intent, confidence)

    def _act(self, state: _State, turn: _Turn, text: str) -> None:
        intent = turn.intent
        awaiting, state.awaiting = state.awaiting, None
        if intent != OUT_OF_SCOPE:
            state.misses = 0
        if intent == "human_agent":
            self._handoff(state, turn, "customer asked for a person")
        elif intent == "complaint":
            self._handoff(state, turn, "complaint", key="complaint")
        elif intent in ("affirm", "deny"):
            self._confirmation(state, turn, text, awaiting)
        elif intent in ORDER_INTENTS:
            self._order_intent(state, turn, text)
        elif intent in FAQ_INTENTS:
            self._faq(state, turn, text)
        elif intent == "product_search":
            self._search(state, turn, text)
        elif intent == "stock_check":
            self._stock(state, turn, text)
        elif intent == "recommendation":
            self._recommend(state, turn, text)
        elif intent in ("greeting", "thanks", "goodbye"):
            self._say(state, turn, intent)
        else:
            self._not_understood(state, turn, text)

    # --- orders -------------------------------------------------------------------------------

    def _order_intent(self, state: _State, turn: _Turn, text: str) -> None:
        state.topic = turn.intent
        numbers = slots.order_numbers(text)
        if numbers:
            state.order_id = self._spelling(numbers[0])
            state.candidates = [state.order_id] if turn.customer_id is None else state.candidates
        elif turn.customer_id is not None and not self._fits(state, turn.intent):
            self._pick_own_order(state, turn)
            if state.order_id is None:
                return
        if state.order_id is None:
            if turn.intent in _POLICY_FIRST:
                self._faq(state, turn, text, quiet=True)
            self._ask(state, turn, "order")
            return
        order = self._authorised(state, turn)
        if order is not None:
            self._on_order(state, turn, order)

    def _spelling(self, number: str) -> str:
        """Order numbers are matched as typed, else in capitals ("o000123" -> "O000123")."""
        if number != number.upper() and self.shop.order(number) is not None:
            return number
        return number.upper()

    def _wanted(self, intent: str) -> tuple[str, ...]:
        """The order statuses an intent is usually about ("cancel my order": an unshipped one)."""
        return {
            "cancel_order": self.policy.cancellable,
            "change_address": self.policy.cancellable,
            "return_item": ("delivered",),
            "refund_status": ("returned", "cancelled"),
        }.get(intent, ())

    def _fits(self, state: _State, intent: str) -> bool:
        """Whether the order in focus is the one a signed-in customer's new request is about."""
        if state.order_id is None:
            return False
        wanted = self._wanted(intent)
        order = self.shop.order(state.order_id) if wanted else None
        return not wanted or order is None or order.status in wanted

    def _pick_own_order(self, state: _State, turn: _Turn) -> None:
        assert turn.customer_id is not None
        orders = self.shop.orders_of(turn.customer_id, limit=5)
        turn.actions.append({"type": "list_orders", "count": len(orders)})
        if not orders:
            turn.texts.append(self.replies.render("no_orders", state.language))
            state.order_id = None
            return
        wanted = self._wanted(turn.intent)
        current = [o for o in orders if o.order_id == state.order_id]
        best = next((o for o in orders if o.status in wanted), (current or orders)[0])
        state.candidates = [o.order_id for o in orders]
        state.order_id = best.order_id

    def _authorised(self, state: _State, turn: _Turn) -> Order | None:
        """The order in focus if this customer may see it; otherwise asks for the e-mail or
        answers exactly as for an order that does not exist."""
        order_id = state.order_id
        assert order_id is not None
        if state.failed_lookups >= self.policy.max_failed_lookups:
            turn.texts.append(self.replies.render("dont_know", state.language))
            state.awaiting = "handoff_offer"
            return None
        order = self.shop.order(order_id)
        owner = None if order is None else order.customer_id
        allowed = owner is not None and (owner == turn.customer_id or order_id in state.verified)
        if not allowed and turn.customer_id is None and state.email is None:
            self._ask(state, turn, "email")
            return None
        if not allowed and order is not None and state.email is not None:
            on_file = self.shop.customer_email(order.customer_id)
            allowed = on_file is not None and on_file.strip().lower() == state.email
            if allowed:
                state.verified.append(order_id)
        turn.actions.append({"type": "order_lookup", "order_id": order_id, "found": allowed})
        if not allowed:
            state.failed_lookups += 1
            if turn.customer_id is None:  # the next e-mail (or another number) is tried on this
                state.email, state.awaiting = None, "email"
            else:
                state.order_id = None
            turn.texts.append(
                self.replies.render("order_not_found", state.language, order_id=order_id)
            )
            return None
        turn.sources.append({"type": "order", "id": order_id})
        return order

    def _on_order(self, state: _State, turn: _Turn, order: Order) -> None:
        fields = self._order_fields(order, state.language)
        lang = state.language
        status = order.status
        if turn.intent == "order_status":
            turn.texts.append(self.replies.render(f"status_{status}", lang, **fields))
            others = [c for c in state.candidates if c != order.order_id]
            if others and turn.customer_id is not None:
                turn.texts.append(
                    self.replies.render("other_orders", lang, orders=", ".join(others[:4]))
                )
        elif turn.intent == "cancel_order":
            if self.policy.can_cancel(order):
                state.awaiting = "confirm_cancel"
                turn.texts.append(self.replies.render("confirm_cancel", lang, **fields))
            elif status in ("shipped", "delivered"):
                turn.texts.append(self.replies.render("cancel_too_late", lang, **fields))
            else:
                turn.texts.append(self.replies.render("cancel_not_possible", lang, **fields))
        elif turn.intent == "change_address":
            if self.policy.can_cancel(order):
                ticket = self._ticket(state, turn, "address change")
                fields["ticket_id"] = ticket
                turn.texts.append(self.replies.render("address_ticket", lang, **fields))
            else:
                turn.texts.append(self.replies.render("address_too_late", lang, **fields))
        elif turn.intent == "return_item":
            until = self.policy.return_until(order)
            if order.returned:
                key = "return_done"
            elif status == "cancelled":
                key = "return_cancelled"
            elif until is None:
                key = "return_not_delivered"
            else:
                key = "return_eligible" if self.clock() <= until else "return_expired"
            turn.texts.append(self.replies.render(key, lang, **fields))
        else:  # refund_status
            key = (
                "refund_returned"
                if order.returned
                else "refund_cancelled"
                if status == "cancelled"
                else "refund_none"
            )
            turn.texts.append(self.replies.render(key, lang, **fields))

    def _order_fields(self, order: Order, language: str) -> dict[str, object]:
        until = self.policy.return_until(order)
        joiner = "、" if language == "zh" else ", "
        items = joiner.join(
            f"{line.quantity:g} x {line.title}" if line.quantity != 1 else line.title
            for line in order.lines[:3]
        )
        if len(order.lines) > 3:
            items += f" (+{len(order.lines) - 3})"
        return {
            "order_id": order.order_id,
            "status": order.status,
            "items": items or "-",
            "total": self.policy.money(order.total),
            "ordered_at": _day(order.ordered_at),
            "shipped_at": _day(order.shipped_at),
            "delivered_at": _day(order.delivered_at),
            "tracking_number": order.tracking_number or "-",
            "return_until": _day(until),
            "return_days": self.policy.return_days,
            "refund_days": self.policy.refund_days,
        }

    def _confirmation(self, state: _State, turn: _Turn, text: str, awaiting: str | None) -> None:
        lang = state.language
        if turn.intent == "deny" and slots.means_other(text) and state.topic in ORDER_INTENTS:
            others = [c for c in state.candidates if c != state.order_id]
            if len(others) >= 1 and (len(others) == 1 or turn.customer_id is not None):
                state.order_id = others[0]
                turn.intent = state.topic or turn.intent
                order = self._authorised(state, turn)
                if order is not None:
                    self._on_order(state, turn, order)
                return
            state.order_id = None
            self._ask(state, turn, "order")
            return
        if awaiting == "confirm_cancel" and state.order_id is not None:
            if turn.intent == "affirm":
                order = self.shop.cancel(state.order_id)
                turn.actions.append({"type": "cancel_order", "order_id": order.order_id})
                fields = self._order_fields(order, lang)
                turn.texts.append(self.replies.render("cancel_done", lang, **fields))
            else:
                fields = {"order_id": state.order_id}
                turn.texts.append(self.replies.render("cancel_kept", lang, **fields))
            return
        if awaiting == "handoff_offer" and turn.intent == "affirm":
            self._handoff(state, turn, "customer accepted a person")
            return
        key = "affirm_idle" if turn.intent == "affirm" else "deny_idle"
        turn.texts.append(self.replies.render(key, lang))

    # --- answers, products and hand-offs ------------------------------------------------------

    def _faq(self, state: _State, turn: _Turn, text: str, *, quiet: bool = False) -> bool:
        """The shop's FAQ answer; says "I don't know" (unless quiet) when nothing is close."""
        hit = self.faqs.answer(text, language=state.language)
        if hit is None:
            if turn.intent == "product_question" and self._product_answer(state, turn, text):
                return True
            if not quiet:
                turn.texts.append(self.replies.render("dont_know", state.language))
                state.awaiting = "handoff_offer"
            return False
        turn.texts.append(self.replies.render("faq", state.language, answer=hit.answer))
        turn.sources.append({"type": "faq", "id": hit.faq_id, "score": round(hit.score, 4)})
        return True

    def _product_answer(self, state: _State, turn: _Turn, text: str) -> bool:
        hits = self.products.search(text, k=1)
        if not hits:
            return False
        self._stock_of(state, turn, hits[0].product_id, hits[0].title)
        return True

    def _search(self, state: _State, turn: _Turn, text: str) -> None:
        state.topic = "product_search"
        found = self.products.search(text, k=10)
        units = self.shop.stocks([h.product_id for h in found])  # one query for all the hits
        hits = [h for h in found if units.get(h.product_id, 1.0) > 0]  # no stock kept: offered
        if not hits:
            turn.texts.append(self.replies.render("products_none", state.language))
            return
        listed = [self._label(h.title, h.price) for h in hits[:3]]
        turn.texts.append(
            self.replies.render("products_found", state.language, products="; ".join(listed))
        )
        turn.sources += [{"type": "product", "id": h.product_id} for h in hits[:3]]

    def _stock(self, state: _State, turn: _Turn, text: str) -> None:
        state.topic = "stock_check"
        hits = self.products.search(text, k=1)
        if not hits:
            self._ask(state, turn, "product")
            return
        self._stock_of(state, turn, hits[0].product_id, hits[0].title)

    def _stock_of(self, state: _State, turn: _Turn, product_id: str, title: str) -> None:
        units = self.shop.stock(product_id)
        turn.actions.append({"type": "stock_lookup", "product_id": product_id})
        turn.sources.append({"type": "product", "id": product_id})
        if units is None or units > 0:
            shown = "-" if units is None else f"{units:g}"
            turn.texts.append(
                self.replies.render("in_stock", state.language, title=title, units=shown)
            )
        else:
            turn.texts.append(self.replies.render("out_of_stock", state.language, title=title))

    def _recommend(self, state: _State, turn: _Turn, text: str) -> None:
        if self.recommender is None:
            self._search(state, turn, text)
            return
        recommendation = self.recommender.recommend(turn.customer_id, k=3)
        turn.actions.append({"type": "recommend", "strategy": recommendation.strategy})
        if not recommendation.items:
            turn.texts.append(self.replies.render("products_none", state.language))
            return
        listed = "; ".join(item.title for item in recommendation.items)
        turn.texts.append(self.replies.render("recommendations", state.language, products=listed))
        turn.sources += [{"type": "product", "id": i.product_id} for i in recommendation.items]

    def _label(self, title: str, price: float | None) -> str:
        return title if price is None else f"{title} ({self.policy.money(price)})"

    def _not_understood(self, state: _State, turn: _Turn, text: str) -> None:
        if self._faq(state, turn, text, quiet=True):
            state.misses = 0
            return
        if self.products.search(text, k=1, min_score=_SURE_PRODUCT):
            turn.intent = "product_search"  # a product the model had no words for
            state.misses = 0
            self._search(state, turn, text)
            return
        state.misses += 1
        if state.misses >= self.policy.handoff_after:
            self._handoff(state, turn, "not understood")
            state.misses = 0
        else:
            turn.texts.append(self.replies.render("rephrase", state.language))

    def _say(self, state: _State, turn: _Turn, key: str) -> None:
        turn.texts.append(self.replies.render(key, state.language))

    def _ask(self, state: _State, turn: _Turn, what: str) -> None:
        state.awaiting = what
        key = {"order": "ask_order", "email": "ask_email", "product": "ask_product"}[what]
        turn.actions.append({"type": "ask", "for": what})
        turn.texts.append(self.replies.render(key, state.language))

    def _handoff(
        self,
        state: _State,
        turn: _Turn,
        reason: str,
        *,
        key: str = "handoff",
    ) -> None:
        ticket_id = self._ticket(state, turn, reason)
        turn.texts.append(self.replies.render(key, state.language, ticket_id=ticket_id))

    def _ticket(self, state: _State, turn: _Turn, reason: str) -> int:
        understood = {
            "intent": turn.intent,
            "topic": state.topic,
            "order_id": state.order_id
            if state.order_id in state.verified or turn.customer_id
            else None,
            "language": state.language,
            "signed_in": turn.customer_id is not None,
        }
        ticket = self.tickets.open(
            turn.conversation_id,
            customer_id=turn.customer_id,
            reason=reason,
            intent=turn.intent,
            understood=understood,
            transcript=list(state.turns),
        )
        state.ticket_id = ticket.ticket_id
        turn.ticket_id = ticket.ticket_id
        turn.actions.append({"type": "handoff", "ticket_id": ticket.ticket_id, "reason": reason})
        return ticket.ticket_id


def conversation_key(conversation_id: str, customer_id: str | None) -> str:
    """Where a conversation's state is kept: per customer, so that another customer (or a
    visitor) using the same conversation id never continues it."""
    return f"{customer_id or '-'}/{conversation_id}"


def _checked(conversation_id: str, text: str) -> str:
    if not conversation_id or len(conversation_id) > 128:
        raise InvalidRequestError("conversation_id must be 1 to 128 characters")
    stripped = text.strip() if isinstance(text, str) else ""
    if not stripped:
        raise InvalidRequestError("the message is empty")
    if len(stripped) > MAX_MESSAGE_CHARS:
        raise InvalidRequestError(
            f"the message has {len(stripped)} characters; at most {MAX_MESSAGE_CHARS}"
        )
    return stripped


def _entry(
    role: str, text: str, intent: str | None = None, confidence: float | None = None
) -> dict[str, Any]:
    entry: dict[str, Any] = {"role": role, "text": text, "at": datetime.now(UTC).isoformat()}
    if intent is not None:
        entry["intent"] = intent
        entry["confidence"] = None if confidence is None else round(confidence, 4)
    return entry


def _day(value: datetime | None) -> str:
    return "-" if value is None else value.strftime("%Y-%m-%d")


def _today() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
