from __future__ import annotations

from datetime import date

import pytest

from orders.schedules import add_months, billing_dates


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 15), 1, date(2026, 2, 15)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 1, 31), 3, date(2026, 4, 30)),
        (date(2026, 11, 30), 2, date(2027, 1, 30)),
        (date(2026, 12, 1), 12, date(2027, 12, 1)),
        (date(2026, 5, 10), 0, date(2026, 5, 10)),
    ],
)
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_monthly_billing_keeps_the_start_day() -> None:
    dates = billing_dates(date(2026, 1, 31), period_months=1, term_months=12)
    assert len(dates) == 12
    assert dates[:4] == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]
    assert dates[-1] == date(2026, 12, 31)


def test_yearly_billing_over_two_years() -> None:
    assert billing_dates(date(2026, 3, 1), period_months=12, term_months=24) == [
        date(2026, 3, 1),
        date(2027, 3, 1),
    ]
