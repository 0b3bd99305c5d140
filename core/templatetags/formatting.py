"""Prices and dates for the reader's locale in templates (``core.formatting``)::

{% load formatting %}
{{ offer.price|money:offer.currency }}   €1,234.50 (en-gb), 1.234,50 € (de)
{{ subscription.start_date|day }}        4 Mar 2026, 04.03.2026
{{ order.created_at|moment }}            4 Mar 2026, 13:05
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django import template

from core import formatting

register = template.Library()


@register.filter
def money(amount: Decimal | int | float | str | None, currency: str) -> str:
    return formatting.money(amount, currency)


@register.filter
def amount(value: Decimal | int | float | None) -> str:
    return formatting.amount(value)


@register.filter
def day(value: date | datetime | None) -> str:
    return formatting.day(value)


@register.filter
def moment(value: datetime | None, precision: str = "") -> str:
    """``|moment`` to the minute, ``|moment:"seconds"`` to the second."""
    return formatting.moment(value, seconds=precision == "seconds")
