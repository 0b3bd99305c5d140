"""The checkout's rules, each defined once: the form, its widgets, the views and
``services.order_place`` all read them from here.

- the quantity of one order: ``MIN_QUANTITY`` to ``MAX_QUANTITY`` (more is a conversation with
  the vendor, not a checkout);
- the start date: ``earliest_start_date()`` (today, in the portal's time zone) or later;
- what the order costs: ``order_summary`` (price × quantity per billing period), the figure
  the checkout shows, the billing schedules carry and the order's page repeats.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone

from offers.models import Offer

MIN_QUANTITY = 1
MAX_QUANTITY = 10_000


def earliest_start_date() -> date:
    """The first day an order may start: today, in the portal's time zone."""
    return timezone.localdate()


def start_date_allowed(start_date: date, *, earliest: date | None = None) -> bool:
    """Whether an order may start on ``start_date``; ``earliest`` is the request's "today"
    where the page already showed one (the date picker's minimum)."""
    if earliest is None:
        earliest = earliest_start_date()
    return start_date >= earliest


def total_per_period(*, unit_price: Decimal, quantity: int) -> Decimal:
    """What the customer pays each billing period: no discount, tax or proration here."""
    return unit_price * quantity


@dataclass(frozen=True, kw_only=True)
class OrderSummary:
    """The order's price as the checkout shows it and the service bills it."""

    offer: Offer
    quantity: int
    unit_price: Decimal
    total: Decimal


def order_summary(*, offer: Offer, quantity: int) -> OrderSummary:
    return OrderSummary(
        offer=offer,
        quantity=quantity,
        unit_price=offer.price,
        total=total_per_period(unit_price=offer.price, quantity=quantity),
    )
