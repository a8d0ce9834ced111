"""The shop's customer-service policy: what may be cancelled, returned, and when to hand off."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from shopmind.assistant.repository import Order

__all__ = ["ServicePolicy"]


@dataclass(frozen=True)
class ServicePolicy:
    return_days: int = 30
    """Days after delivery within which an order can be returned."""
    refund_days: int = 5
    """Working days after a return (or cancellation) within which the money is back."""
    cancellable: tuple[str, ...] = ("placed", "paid")
    """Order statuses that can still be cancelled or re-addressed (not yet shipped)."""
    handoff_after: int = 2
    """Messages in a row the assistant did not understand before it hands off to a person."""
    max_failed_lookups: int = 5
    """Order look-ups in one conversation that did not match before it stops looking up."""
    currency: str = "EUR"

    def __post_init__(self) -> None:
        if self.return_days < 0 or self.refund_days < 0:
            raise ValueError("return_days and refund_days must not be negative")
        if self.handoff_after < 1 or self.max_failed_lookups < 1:
            raise ValueError("handoff_after and max_failed_lookups must be at least 1")

    def can_cancel(self, order: Order) -> bool:
        return order.status in self.cancellable

    def return_until(self, order: Order) -> datetime | None:
        """The last day a delivered order can be sent back; None before delivery."""
        if order.delivered_at is None:
            return None
        return order.delivered_at + timedelta(days=self.return_days)

    def money(self, amount: float) -> str:
        return f"{amount:,.2f} {self.currency}"
