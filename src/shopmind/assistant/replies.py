"""What the assistant says: one template per situation and language, which the shop can edit.

A shop overrides any template with a JSON file `{"key": {"en": "...", "zh": "..."}}`
(`SHOPMIND_ASSISTANT_REPLIES`). An override may use only the placeholders of the template it
replaces, so a typo is caught when the file is loaded, not in front of a customer.
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from shopmind.errors import ConfigError

__all__ = ["DEFAULT_REPLIES", "LANGUAGES", "Replies"]

LANGUAGES: Final = ("en", "zh")

DEFAULT_REPLIES: Final[dict[str, dict[str, str]]] = {
    "greeting": {
        "en": "Hello! I'm the shop's assistant. I can track your orders, help with cancellations "
        "and returns, answer questions and find products. How can I help?",
        "zh": "您好！我是本店的智能助手，可以帮您查询订单、取消订单、办理退货、解答问题和查找商品。"
        "请问有什么可以帮您？",
    },
    "thanks": {
        "en": "You're welcome! Is there anything else I can do for you?",
        "zh": "不客气！还有什么可以帮您的吗？",
    },
    "goodbye": {
        "en": "Goodbye, and thank you for shopping with us!",
        "zh": "再见，感谢您的光临！",
    },
    "rephrase": {
        "en": "Sorry, I didn't quite understand. Could you say it another way? "
        "You can also ask to talk to a person.",
        "zh": "抱歉，我没有完全理解。您能换一种说法吗？您也可以要求转人工客服。",
    },
    "dont_know": {
        "en": "I'm sorry, I don't know the answer to that. Would you like me to pass you to a "
        "colleague?",
        "zh": "抱歉，这个问题我暂时无法回答。需要为您转接人工客服吗？",
    },
    "faq": {"en": "{answer}", "zh": "{answer}"},
    "handoff": {
        "en": "I've passed our conversation to a colleague (ticket #{ticket_id}). They will get "
        "back to you as soon as possible, usually within one working day.",
        "zh": "已为您转接人工客服（工单号 #{ticket_id}），我们会尽快回复您，通常在一个工作日内。",
    },
    "complaint": {
        "en": "I'm very sorry about that. I've passed this to a colleague (ticket #{ticket_id}), "
        "who will look into it and get back to you within one working day.",
        "zh": "非常抱歉给您带来不便。已将您的问题转交同事处理（工单号 #{ticket_id}），"
        "我们会在一个工作日内回复您。",
    },
    "ask_order": {
        "en": "Which order is it about? Please give me the order number; you find it in your "
        "order confirmation e-mail.",
        "zh": "请问是哪一个订单？请提供订单号，您可以在订单确认邮件中找到。",
    },
    "ask_email": {
        "en": "To protect your data, please also tell me the e-mail address you ordered with.",
        "zh": "为保护您的信息安全，请提供下单时使用的电子邮箱地址。",
    },
    "order_not_found": {
        "en": "I couldn't find an order {order_id} with those details. Please check the order "
        "number and the e-mail address.",
        "zh": "没有找到与这些信息相符的订单 {order_id}。请核对订单号和电子邮箱地址。",
    },
    "no_orders": {
        "en": "I don't see any orders on your account yet.",
        "zh": "您的账户中暂时没有订单。",
    },
    "status_placed": {
        "en": "Order {order_id} of {ordered_at} ({items}) has been received and is waiting for "
        "the payment to be confirmed.",
        "zh": "订单 {order_id}（{ordered_at}，{items}）已收到，正在等待付款确认。",
    },
    "status_paid": {
        "en": "Order {order_id} of {ordered_at} ({items}) is paid and being prepared; it "
        "usually leaves our warehouse within 1-2 working days.",
        "zh": "订单 {order_id}（{ordered_at}，{items}）已付款，正在备货，通常1-2个工作日内发货。",
    },
    "status_shipped": {
        "en": "Order {order_id} ({items}) was shipped on {shipped_at}. Tracking number: "
        "{tracking_number}. Standard delivery takes 2-4 working days.",
        "zh": "订单 {order_id}（{items}）已于 {shipped_at} 发货，快递单号：{tracking_number}。"
        "标准配送需要2-4个工作日。",
    },
    "status_delivered": {
        "en": "Order {order_id} ({items}) was delivered on {delivered_at}.",
        "zh": "订单 {order_id}（{items}）已于 {delivered_at} 送达。",
    },
    "status_cancelled": {
        "en": "Order {order_id} ({items}) has been cancelled.",
        "zh": "订单 {order_id}（{items}）已取消。",
    },
    "status_returned": {
        "en": "We have received the return of order {order_id} ({items}).",
        "zh": "我们已收到订单 {order_id}（{items}）的退货。",
    },
    "other_orders": {
        "en": "Your other recent orders: {orders}. Tell me the number if you meant another one.",
        "zh": "您最近的其他订单：{orders}。如果您指的是其他订单，请告诉我订单号。",
    },
    "confirm_cancel": {
        "en": "Shall I cancel order {order_id} ({items}, {total})? Please answer yes or no.",
        "zh": "要取消订单 {order_id}（{items}，{total}）吗？请回答“是”或“否”。",
    },
    "cancel_done": {
        "en": "Done: order {order_id} is cancelled. If you have paid already, the money is back "
        "on your payment method within {refund_days} working days.",
        "zh": "好的，订单 {order_id} 已取消。"
        "如果您已付款，款项将在{refund_days}个工作日内原路退回。",
    },
    "cancel_kept": {
        "en": "All right, order {order_id} stays as it is.",
        "zh": "好的，订单 {order_id} 保持不变。",
    },
    "cancel_too_late": {
        "en": "Order {order_id} has already been shipped, so I can't cancel it any more. Once "
        "it has arrived you can return it within {return_days} days.",
        "zh": "订单 {order_id} 已经发货，无法再取消。"
        "收到商品后，您可以在{return_days}天内办理退货。",
    },
    "cancel_not_possible": {
        "en": "Order {order_id} is {status}, so there is nothing to cancel.",
        "zh": "订单 {order_id} 的状态是“{status}”，无需取消。",
    },
    "address_ticket": {
        "en": "Order {order_id} hasn't shipped yet, so its address can still be changed. I've "
        "asked a colleague to update it (ticket #{ticket_id}); you'll get a confirmation by "
        "e-mail.",
        "zh": "订单 {order_id} 尚未发货，可以修改地址。已请同事为您修改（工单号 #{ticket_id}），"
        "修改后会通过邮件通知您。",
    },
    "address_too_late": {
        "en": "Order {order_id} has already been shipped, so its delivery address can't be "
        "changed any more. The carrier's tracking page ({tracking_number}) may let you "
        "redirect the parcel.",
        "zh": "订单 {order_id} 已经发货，无法再修改收货地址。您可以在快递公司的物流页面"
        "（单号 {tracking_number}）尝试改派。",
    },
    "return_eligible": {
        "en": "Order {order_id} can be returned until {return_until}. Go to 'My orders', choose "
        "the order and 'Return items', and print the free return label.",
        "zh": "订单 {order_id} 可以在 {return_until} 之前退货。请在“我的订单”中选择该订单并点击"
        "“退货”，打印免费退货单。",
    },
    "return_expired": {
        "en": "I'm sorry: the return period of order {order_id} ended on {return_until} "
        "({return_days} days after delivery).",
        "zh": "抱歉，订单 {order_id} 的退货期限已于 {return_until} 结束（签收后{return_days}天）。",
    },
    "return_not_delivered": {
        "en": "Order {order_id} hasn't been delivered yet ({status}). Once it has arrived you "
        "have {return_days} days to return it; until it ships, you can also cancel it.",
        "zh": "订单 {order_id} 尚未送达（{status}）。收到后您有{return_days}天的退货期；"
        "发货前您也可以直接取消订单。",
    },
    "return_done": {
        "en": "We have already received the return of order {order_id}; the refund follows "
        "within {refund_days} working days of receipt.",
        "zh": "我们已收到订单 {order_id} 的退货，退款将在收货后{refund_days}个工作日内完成。",
    },
    "return_cancelled": {
        "en": "Order {order_id} was cancelled, so there is nothing to return.",
        "zh": "订单 {order_id} 已取消，无需退货。",
    },
    "refund_returned": {
        "en": "We received the return of order {order_id}. Refunds are paid within "
        "{refund_days} working days of receipt, to the payment method you used.",
        "zh": "我们已收到订单 {order_id} 的退货，退款将在{refund_days}个工作日内原路退回。",
    },
    "refund_cancelled": {
        "en": "Order {order_id} was cancelled; if you had paid, the money is refunded within "
        "{refund_days} working days.",
        "zh": "订单 {order_id} 已取消；如已付款，款项将在{refund_days}个工作日内退回。",
    },
    "refund_none": {
        "en": "There is no return or cancellation for order {order_id} yet, so no refund is "
        "due. Would you like to return it? Just ask me how.",
        "zh": "订单 {order_id} 目前没有退货或取消记录，因此没有待退款项。如需退货，请告诉我。",
    },
    "products_found": {
        "en": "Here is what I found: {products}.",
        "zh": "为您找到以下商品：{products}。",
    },
    "products_none": {
        "en": "I couldn't find a product matching that. Could you describe it differently?",
        "zh": "没有找到符合的商品。您能换个描述方式吗？",
    },
    "ask_product": {
        "en": "Which product do you mean? Please tell me its name.",
        "zh": "请问是哪一款商品？请告诉我商品名称。",
    },
    "in_stock": {
        "en": "{title} is in stock ({units} available).",
        "zh": "{title} 有货（库存 {units} 件）。",
    },
    "out_of_stock": {
        "en": "{title} is sold out at the moment. Click 'Notify me' on its page and we'll "
        "e-mail you when it's back.",
        "zh": "{title} 暂时缺货。您可以在商品页面点击“到货通知”，到货后我们会邮件通知您。",
    },
    "recommendations": {
        "en": "You might like: {products}.",
        "zh": "为您推荐：{products}。",
    },
    "affirm_idle": {
        "en": "Great! What else can I do for you?",
        "zh": "好的！还有什么可以帮您？",
    },
    "deny_idle": {
        "en": "All right. What can I do for you instead?",
        "zh": "好的。那请问有什么可以帮您？",
    },
}
"""Template key -> language -> text with {placeholders}."""


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


class Replies:
    """The templates in use: the defaults with the shop's overrides on top."""

    def __init__(self, overrides: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self.templates = {key: dict(texts) for key, texts in DEFAULT_REPLIES.items()}
        for key, texts in (overrides or {}).items():
            if key not in DEFAULT_REPLIES:
                raise ConfigError(f"unknown reply {key!r}; replies: {', '.join(DEFAULT_REPLIES)}")
            allowed = _placeholders(DEFAULT_REPLIES[key]["en"])
            for language, text in texts.items():
                if not isinstance(text, str) or not text.strip():
                    raise ConfigError(f"reply {key!r} ({language}) must be a non-empty text")
                unknown = _placeholders(text) - allowed
                if unknown:
                    raise ConfigError(
                        f"reply {key!r} ({language}) uses unknown placeholders "
                        f"{sorted(unknown)}; it may use {sorted(allowed) or 'none'}"
                    )
                self.templates[key][language] = text

    @classmethod
    def from_file(cls, path: Path) -> Replies:
        try:
            overrides = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"replies file {path} not found") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"replies file {path} is not valid JSON: {exc}") from None
        if not isinstance(overrides, dict) or not all(
            isinstance(v, dict) for v in overrides.values()
        ):
            raise ConfigError(f'replies file {path} must map keys to {{"en": "...", ...}}')
        return cls(overrides)

    def render(self, key: str, language: str, **values: object) -> str:
        """The template for `key` in `language` (English when the shop has none in it)."""
        texts = self.templates[key]
        return texts.get(language, texts["en"]).format(**values)
