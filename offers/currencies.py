"""The currencies an offer may be priced in: ISO 4217 codes legal tender somewhere today, from
Babel's CLDR data (funds, precious metals and withdrawn currencies excluded), and their names in
the reader's language for the admin's select."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache

from babel.core import get_global
from babel.numbers import get_currency_name, get_territory_currencies
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.formatting import locale_for


def _in_use(on: date) -> frozenset[str]:
    return frozenset(
        code
        for territory in get_global("territory_currencies")
        for code in get_territory_currencies(territory, on, tender=True, non_tender=False)
    )


# Read once per process: CLDR changes with a Babel upgrade, not while the process runs.
ISO_4217 = _in_use(datetime.now(UTC).date())


@lru_cache(maxsize=16)
def _choices(language: str | None) -> tuple[tuple[str, str], ...]:
    locale = locale_for(language)
    return tuple(
        (code, f"{code} — {get_currency_name(code, locale=locale)}") for code in sorted(ISO_4217)
    )


def currency_choices() -> list[tuple[str, str]]:
    """Every currency in use, "EUR — Euro", in the active language, sorted by code."""
    return list(_choices(get_language()))


def validate_currency(value: str) -> None:
    if value not in ISO_4217:
        raise ValidationError(
            _("“%(value)s” is not an ISO 4217 currency code such as EUR, USD or GBP."),
            params={"value": value},
        )
