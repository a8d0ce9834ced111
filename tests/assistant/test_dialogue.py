"""The dialogue: every intent's happy path, multi-turn slots, corrections, customer isolation,
thresholds and hand-off, Chinese, and malformed messages."""

from __future__ import annotations

import pytest

from shopmind.assistant.dialogue import MAX_MESSAGE_CHARS, Assistant, Reply
from shopmind.assistant.policy import ServicePolicy
from shopmind.assistant.replies import Replies
from shopmind.errors import InvalidRequestError
from tests.assistant.conftest import MakeAssistant


def talk(assistant: Assistant, *messages: str, customer: str | None = None) -> list[Reply]:
    return [assistant.reply("conv-0001", m, customer_id=customer) for m in messages]


def order_sources(reply: Reply) -> set[str]:
    return {s["id"] for s in reply.sources if s["type"] == "order"}


# --- orders for visitors: number, then e-mail -------------------------------------------------


def test_visitor_gives_number_then_email_and_gets_the_status(make_assistant: MakeAssistant) -> None:
    ask, email, status = talk(
        make_assistant(), "where is my order?", "it's O000003", "ben@example.com"
    )
    assert {"type": "ask", "for": "order"} in ask.actions
    assert {"type": "ask", "for": "email"} in email.actions
    assert "TRK0000000003" in status.text and "shipped" in status.text
    assert order_sources(status) == {"O000003"}


def test_number_and_email_in_one_message(make_assistant: MakeAssistant) -> None:
    (reply,) = talk(make_assistant(), "where is order o000001? my mail is anna@example.com")
    assert order_sources(reply) == {"O000001"}
    assert "delivered on 2025-02-13" in reply.text


def test_wrong_email_answers_exactly_as_an_unknown_order(make_assistant: MakeAssistant) -> None:
    """The reply must not reveal that the order exists: same text as for a made-up number."""
    someone_elses = talk(make_assistant(), "where is order O000003? I am anna@example.com")[0]
    made_up = talk(make_assistant(), "where is order O000999? I am anna@example.com")[0]
    assert someone_elses.text == made_up.text.replace("O000999", "O000003")
    assert "TRK" not in someone_elses.text and not order_sources(someone_elses)
    assert someone_elses.actions[-1] == {
        "type": "order_lookup",
        "order_id": "O000003",
        "found": False,
    }


def test_verified_order_stays_verified_in_the_conversation(make_assistant: MakeAssistant) -> None:
    replies = talk(make_assistant(), "where is O000001?", "anna@example.com", "can I return it?")
    assert "until 2025-03-15" in replies[-1].text  # delivered 02-13 + 30 days
    assert order_sources(replies[-1]) == {"O000001"}


def test_failed_lookups_are_limited(make_assistant: MakeAssistant) -> None:
    assistant = make_assistant(policy=ServicePolicy(max_failed_lookups=2))
    for number in ("O000101", "O000102"):
        talk(assistant, f"where is {number}? me@example.com")
    (blocked,) = talk(assistant, "where is O000003? ben@example.com")
    assert not order_sources(blocked)
    assert "don't know" in blocked.text


# --- signed-in customers ----------------------------------------------------------------------


def test_signed_in_customer_sees_own_newest_order_and_the_others(
    make_assistant: MakeAssistant,
) -> None:
    (reply,) = talk(make_assistant(), "where is my order", customer="C1")
    assert order_sources(reply) == {"O000002"}  # the newest of C1's orders
    assert "O000001" in reply.text and "O000004" in reply.text  # the other recent ones


def test_signed_in_customer_cannot_see_another_customers_order(
    make_assistant: MakeAssistant,
) -> None:
    (reply,) = talk(make_assistant(), "where is O000003?", customer="C1")
    assert not order_sources(reply)
    assert "couldn't find an order O000003" in reply.text


def test_conversations_are_kept_per_customer(make_assistant: MakeAssistant) -> None:
    """A visitor reusing a signed-in customer's conversation id does not inherit its orders."""
    assistant = make_assistant()
    talk(assistant, "where is my order", customer="C1")
    (reply,) = talk(assistant, "can I return it?")
    assert not order_sources(reply)
    assert {"type": "ask", "for": "order"} in reply.actions


def test_the_other_order_correction(make_assistant: MakeAssistant) -> None:
    first, other = talk(make_assistant(), "where is my order", "no, the other order", customer="C1")
    assert order_sources(first) == {"O000002"}
    assert order_sources(other) == {"O000001"}
    assert other.intent == "order_status"


def test_cancel_asks_for_confirmation_then_cancels(make_assistant: MakeAssistant) -> None:
    assistant = make_assistant()
    ask, done = talk(assistant, "please cancel my order", "yes", customer="C1")
    assert order_sources(ask) == {"O000002"}  # the one that has not shipped
    assert "Shall I cancel order O000002" in ask.text and "25.00 EUR" in ask.text
    assert {"type": "cancel_order", "order_id": "O000002"} in done.actions
    assert assistant.shop.order("O000002").status == "cancelled"  # type: ignore[union-attr]


def test_cancel_declined_keeps_the_order(make_assistant: MakeAssistant) -> None:
    assistant = make_assistant()
    _, kept = talk(assistant, "cancel my order", "no", customer="C1")
    assert "stays as it is" in kept.text
    assert assistant.shop.order("O000002").status == "paid"  # type: ignore[union-attr]


def test_shipped_orders_cannot_be_cancelled(make_assistant: MakeAssistant) -> None:
    (reply,) = talk(make_assistant(), "cancel O000003 ben@example.com")
    assert "already been shipped" in reply.text
    assert not any(a["type"] == "cancel_order" for a in reply.actions)


def test_address_change_before_shipping_opens_a_ticket(make_assistant: MakeAssistant) -> None:
    assistant = make_assistant()
    (reply,) = talk(assistant, "change the address of O000002", customer="C1")
    assert reply.ticket_id is not None
    ticket = assistant.tickets.get(reply.ticket_id)
    assert ticket.reason == "address change" and ticket.understood["order_id"] == "O000002"
    (late,) = talk(assistant, "change the address of O000003 ben@example.com")
    assert "can't be changed" in late.text and late.ticket_id is None


@pytest.mark.parametrize(
    ("order_id", "expected"),
    [
        ("O000001", "can be returned until 2025-03-15"),
        ("O000006", "return period of order O000006 ended on 2024-12-04"),
        ("O000002", "hasn't been delivered yet"),
        ("O000004", "already received the return"),
    ],
)
def test_return_eligibility_follows_the_policy(
    make_assistant: MakeAssistant, order_id: str, expected: str
) -> None:
    (reply,) = talk(make_assistant(), f"I want to return {order_id}", customer="C1")
    assert expected in reply.text


def test_return_period_is_the_shops(make_assistant: MakeAssistant) -> None:
    (reply,) = talk(
        make_assistant(policy=ServicePolicy(return_days=14)), "return O000001", customer="C1"
    )
    assert "ended on 2025-02-27" in reply.text


@pytest.mark.parametrize(
    ("order_id", "expected"),
    [("O000004", "received the return"), ("O000001", "no refund is due")],
)
def test_refund_status(make_assistant: MakeAssistant, order_id: str, expected: str) -> None:
    (reply,) = talk(make_assistant(), f"where is my refund for {order_id}", customer="C1")
    assert expected in reply.text
    (cancelled,) = talk(make_assistant(), "refund for O000005? ben@example.com")
    assert "was cancelled" in cancelled.text


def test_return_question_without_an_order_gets_the_policy_and_a_question(
    make_assistant: MakeAssistant,
) -> None:
    (reply,) = talk(make_assistant(), "what is your return policy")
    assert "within 30 days" in reply.text
    assert {"type": "faq", "id": "ret", "score": reply.sources[0]["score"]} in reply.sources
    assert {"type": "ask", "for": "order"} in reply.actions


def test_customer_without_orders(make_assistant: MakeAssistant) -> None:
    (reply,) = talk(make_assistant(), "where is my order", customer="C9")
    assert "any orders" in reply.text


# --- answers, products, recommendations -------------------------------------------------------


def test_faq_answer_names_its_source(make_assistant: MakeAssistant) -> None:
    (reply,) = talk(make_assistant(), "how much is shipping to my house?")
    assert reply.intent == "delivery_options"
    assert "4.95 EUR" in reply.text
    assert reply.sources[0]["type"] == "faq" and reply.sources[0]["id"] == "ship"


def test_unknown_faq_says_i_dont_know_and_offers_a_person(make_assistant: MakeAssistant) -> None:
    assistant = make_assistant()
    dont_know, handed = talk(assistant, "can I pay with seashells or gold bars?", "yes")
    assert "don't know" in dont_know.text and not dont_know.sources
    assert handed.ticket_id is not None


def test_product_search_lists_products_in_stock(make_assistant: MakeAssistant) -> None:
    (reply,) = talk(make_assistant(), "I'm looking for a phone charger")
    ids = [s["id"] for s in reply.sources]
    assert ids[0] == "P3" and "Voltix USB-C Fast Charger" in reply.text
    assert "P2" not in ids  # sold out


def test_stock_check(make_assistant: MakeAssistant) -> None:
    sold_out, available = talk(
        make_assistant(), "is the green tea in stock?", "is the trail running shoe in stock?"
    )
    assert "sold out" in sold_out.text and sold_out.sources == [{"type": "product", "id": "P2"}]
    assert "in stock (5 available)" in available.text


def test_recommendations_come_from_the_recommender(make_assistant: MakeAssistant) -> None:
    from shopmind.recommend.engine import Recommendation, Scored

    class Fixed:
        def recommend(self, customer_id: str | None, *, k: int) -> Recommendation:
            assert customer_id == "C1"
            return Recommendation("personal", [Scored("P4", "Homely Ceramic Coffee Mug", 1, "")])

    (reply,) = talk(
        make_assistant(recommender=Fixed()), "what do you recommend for me?", customer="C1"
    )
    assert "Homely Ceramic Coffee Mug" in reply.text
    assert reply.sources == [{"type": "product", "id": "P4"}]


# --- hand-off and the threshold ----------------------------------------------------------------


def test_human_please_always_hands_off_with_the_transcript(make_assistant: MakeAssistant) -> None:
    assistant = make_assistant()
    talk(assistant, "hello")
    (reply,) = talk(assistant, "I want to talk to a real person")
    assert reply.intent == "human_agent" and reply.ticket_id is not None
    ticket = assistant.tickets.get(reply.ticket_id)
    assert ticket.status == "open"
    assert [t["role"] for t in ticket.transcript] == ["customer", "assistant", "customer"]
    assert ticket.transcript[-1]["text"] == "I want to talk to a real person"


def test_not_understood_asks_to_rephrase_then_hands_off(make_assistant: MakeAssistant) -> None:
    assistant = make_assistant(policy=ServicePolicy(handoff_after=2))
    first, second = talk(assistant, "blorp zzz", "qwerty uiop")
    assert first.intent == "out_of_scope" and "say it another way" in first.text
    assert first.ticket_id is None
    assert second.ticket_id is not None
    assert assistant.tickets.get(second.ticket_id).reason == "not understood"


def test_understood_message_resets_the_count(make_assistant: MakeAssistant) -> None:
    replies = talk(make_assistant(), "blorp zzz", "hello", "qwerty uiop")
    assert all(r.ticket_id is None for r in replies)


def test_complaint_opens_a_ticket(make_assistant: MakeAssistant) -> None:
    (reply,) = talk(make_assistant(), "my mug arrived broken!!")
    assert reply.intent == "complaint" and reply.ticket_id is not None
    assert "sorry" in reply.text


@pytest.mark.parametrize(
    ("message", "intent"),
    [("hello", "greeting"), ("thank you", "thanks"), ("bye", "goodbye"), ("yes", "affirm")],
)
def test_small_talk(make_assistant: MakeAssistant, message: str, intent: str) -> None:
    (reply,) = talk(make_assistant(), message)
    assert reply.intent == intent and reply.text


# --- Chinese ------------------------------------------------------------------------------------


def test_chinese_order_question_is_answered_in_chinese(make_assistant: MakeAssistant) -> None:
    ask, status = talk(make_assistant(), "我的订单到哪了？", "订单号 O000003，邮箱 ben@example.com")
    assert ask.language == "zh" and "订单号" in ask.text
    assert status.language == "zh" and "TRK0000000003" in status.text and "发货" in status.text


def test_chinese_faq(make_assistant: MakeAssistant) -> None:
    (reply,) = talk(make_assistant(), "你们的退货政策是什么")
    assert reply.sources[0]["id"] == "zh-ret" and "30天" in reply.text


def test_chinese_human_request(make_assistant: MakeAssistant) -> None:
    (reply,) = talk(make_assistant(), "转人工")
    assert reply.ticket_id is not None and "工单" in reply.text


# --- templates, rephrasing, malformed input -------------------------------------------------


def test_shop_edited_template(make_assistant: MakeAssistant) -> None:
    replies = Replies({"greeting": {"en": "Moin! What can we do for you?"}})
    (reply,) = talk(make_assistant(replies=replies), "hello")
    assert reply.text == "Moin! What can we do for you?"


def test_rephraser_rewrites_the_answer(make_assistant: MakeAssistant) -> None:
    (reply,) = talk(make_assistant(rephraser=lambda text, lang: f"[{lang}] {text}"), "hello")
    assert reply.text.startswith("[en] Hello!")


@pytest.mark.parametrize(
    ("conversation", "text", "problem"),
    [
        ("conv-0001", "   ", "empty"),
        ("conv-0001", "x" * (MAX_MESSAGE_CHARS + 1), "at most"),
        ("", "hello", "conversation_id"),
    ],
)
def test_malformed_messages(
    make_assistant: MakeAssistant, conversation: str, text: str, problem: str
) -> None:
    assistant = make_assistant()
    with pytest.raises(InvalidRequestError, match=problem):
        assistant.reply(conversation, text)
    assert assistant.conversations.load(f"-/{conversation}") is None  # nothing stored


def test_state_saved_by_another_release_is_read(make_assistant: MakeAssistant) -> None:
    assistant = make_assistant(policy=ServicePolicy(handoff_after=2))
    assistant.conversations.save("-/conv-0001", {"misses": 1, "a_field_from_the_future": True})
    (reply,) = talk(assistant, "blorp zzz")
    assert reply.ticket_id is not None  # the stored miss counted


def test_a_message_with_an_order_number_is_about_that_order(make_assistant: MakeAssistant) -> None:
    """The keyword model places nothing here; the order number and e-mail say enough."""
    (reply,) = talk(make_assistant(), "O000003 ben@example.com")
    assert reply.intent == "order_status" and order_sources(reply) == {"O000003"}


def test_unplaced_message_naming_a_product_is_a_search(make_assistant: MakeAssistant) -> None:
    (reply,) = talk(make_assistant(), "Stride trail running shoes")
    assert reply.intent == "product_search"
    assert reply.sources[0] == {"type": "product", "id": "P1"}


def test_chinese_order_number_and_email_without_spaces(make_assistant: MakeAssistant) -> None:
    (reply,) = talk(make_assistant(), "我的订单O000003到哪了？邮箱是ben@example.com")
    assert reply.language == "zh" and order_sources(reply) == {"O000003"}


def test_language_stays_when_the_message_is_only_an_address(make_assistant: MakeAssistant) -> None:
    _, status = talk(make_assistant(), "我的订单 O000003 到哪了？", "ben@example.com")
    assert status.language == "zh" and "发货" in status.text


def test_wrong_email_can_be_corrected(make_assistant: MakeAssistant) -> None:
    replies = talk(
        make_assistant(), "where is O000003?", "anna@example.com", "sorry, it's ben@example.com"
    )
    assert not order_sources(replies[1]) and order_sources(replies[2]) == {"O000003"}
