"""Prices and dates as the reader writes them (core.formatting, Babel's CLDR data), in Python
and through the template filters."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from core.formatting import day, locale_for, moment, money


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en-gb", ("€1,234.50", "4 Mar 2026", "4 Mar 2026, 13:05")),
        ("en-us", ("€1,234.50", "Mar 4, 2026", "Mar 4, 2026, 1:05\u202fPM")),
        ("de", ("1.234,50\xa0€", "04.03.2026", "04.03.2026, 13:05")),
        ("fr", ("1\u202f234,50\xa0€", "4 mars 2026", "4 mars 2026, 13:05")),
    ],
)
def test_prices_and_dates_follow_the_active_language(
    language: str, expected: tuple[str, str, str]
) -> None:
    with translation.override(language):
        shown = (
            money(Decimal("1234.5"), "EUR"),
            day(date(2026, 3, 4)),
            moment(datetime(2026, 3, 4, 13, 5, 59, tzinfo=UTC)),
        )
    assert shown == expected


def test_a_currency_has_its_own_decimals_and_symbol() -> None:
    with translation.override("en-gb"):
        assert money(1000, "JPY") == "JP¥1,000"
        assert money("12.345", "BHD") == "BHD12.345"  # three decimals
        assert money(Decimal("-5"), "GBP") == "-£5.00"


def test_nothing_to_show_is_empty_and_an_odd_value_is_shown_as_it_came() -> None:
    assert money(None, "EUR") == ""
    assert day(None) == ""
    assert moment(None) == ""
    assert money("n/a", "EUR") == "n/a EUR"


def test_a_language_babel_does_not_know_falls_back_to_the_sites() -> None:
    assert str(locale_for("xx-yy")) == "en_GB"
    assert locale_for("de") is locale_for("de")  # parsed once per language


def test_the_template_filters_say_the_same() -> None:
    template = Template(
        "{% load formatting %}{{ price|money:currency }} · {{ start|day }} · {{ at|moment }}"
    )
    context = Context(
        {
            "price": Decimal("99.00"),
            "currency": "USD",
            "start": date(2026, 12, 31),
            "at": datetime(2026, 12, 31, 23, 30, tzinfo=UTC),
        }
    )
    with translation.override("de"):
        assert template.render(context) == "99,00\xa0$ · 31.12.2026 · 31.12.2026, 23:30"


def test_a_moment_to_the_second_for_the_outboxs_attempts() -> None:
    at = datetime(2026, 3, 4, 13, 5, 59, tzinfo=UTC)
    template = Template('{% load formatting %}{{ at|moment:"seconds" }}')
    with translation.override("en-gb"):
        assert moment(at, seconds=True) == "4 Mar 2026, 13:05:59"
        assert template.render(Context({"at": at})) == "4 Mar 2026, 13:05:59"
