"""Dates of a subscription's first term: pure functions, no database."""

from __future__ import annotations

import calendar
from datetime import date


def add_months(start: date, months: int) -> date:
    """``start`` moved by whole months, clamped to the end of a shorter month.

    31 January + 1 month is 28 (or 29) February; the day is always taken from ``start``, so
    billing on the 31st stays on the last day of each month rather than drifting to the 28th.
    """
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def billing_dates(start: date, *, period_months: int, term_months: int) -> list[date]:
    """Every billing date of the first term: one per period, counted from the start date."""
    return [add_months(start, k * period_months) for k in range(term_months // period_months)]
