"""Prices and dates as the reader writes them (Babel's CLDR data): the currency's symbol and
decimals, the locale's separators and its order of day, month and year.

The locale is the active language's (``get_language``: the request's, or ``LANGUAGE_CODE`` in a
worker sending an email). Templates use these through ``core/templatetags/formatting.py``
(``money``, ``day``, ``moment``); the lists' cells built in Python call them directly, so both
say the same. A CSV export keeps ISO dates and plain amounts (spreadsheets read those).

Babel formats a price in about 50 µs and a date in about 20 µs; a list page formats a few
hundred cells, most of them repeating (the same day, the same price). So the locale is parsed
once per language and each (value, language) is formatted once (``lru_cache``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal
from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language, to_locale


@lru_cache(maxsize=32)
def locale_for(language: str | None) -> Locale:
    """The Babel locale of a Django language code ("en-gb" → en_GB); the site's language
    when Babel does not know it."""
    for code in (language, settings.LANGUAGE_CODE, "en"):
        if not code:
            continue
        try:
            return Locale.parse(to_locale(code))
        except (UnknownLocaleError, ValueError):
            continue
    raise UnknownLocaleError(str(language))  # "en" always parses: not reached


def reader_locale() -> Locale:
    return locale_for(get_language())


@lru_cache(maxsize=8192)
def _money(amount: Decimal, currency: str, language: str | None) -> str:
    try:
        return format_currency(amount, currency, locale=locale_for(language))
    except (ValueError, ArithmeticError):
        # Not a number Babel can format (an empty or odd value from billing): shown as stored.
        return f"{amount} {currency}".strip()


def money(amount: Decimal | int | float | str | None, currency: str) -> str:
    """An amount in a currency, as the reader writes it: "€1,234.50" in en-gb, "1.234,50 €"
    in de. The currency's own decimals (JPY none, BHD three). Empty for no amount."""
    if amount is None or amount == "":
        return ""
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    except ArithmeticError:  # decimal.InvalidOperation: not a number, shown as it came
        return f"{amount} {currency}".strip()
    return _money(value, currency or "", get_language())


@lru_cache(maxsize=8192)
def _amount(value: Decimal, language: str | None) -> str:
    return format_decimal(value, format="#,##0.00", locale=locale_for(language))


def amount(value: Decimal | int | float | None) -> str:
    """A sum without a currency (one summed across currencies' rows, say), with two decimals
    and the reader's separators: "1,234.50" in en-gb, "1.234,50" in de."""
    if value is None:
        return ""
    return _amount(value if isinstance(value, Decimal) else Decimal(str(value)), get_language())


@lru_cache(maxsize=4096)
def _day(value: date, language: str | None) -> str:
    return format_date(value, format="medium", locale=locale_for(language))


def day(value: date | datetime | None) -> str:
    """A calendar day, as the reader writes it ("4 Mar 2026" in en-gb, "Mar 4, 2026" in en-us,
    "04.03.2026" in de). A datetime is taken on its local day. Empty for none."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return _day(value, get_language())


@lru_cache(maxsize=4096)
def _moment(value: datetime, language: str | None, seconds: bool) -> str:
    # The locale's medium date and its time, joined as the locale joins them ("{1}, {0}").
    locale = locale_for(language)
    joined = str(locale.datetime_formats["medium"])
    clock = format_time(value, format="medium" if seconds else "short", locale=locale)
    shown_day = format_date(value, format="medium", locale=locale)
    return joined.replace("{1}", shown_day).replace("{0}", clock)


def moment(value: datetime | None, *, seconds: bool = False) -> str:
    """A point in time, in the site's time zone and to the minute (or the second, for the
    outbox's attempts), as the reader writes it ("4 Mar 2026, 13:05" in en-gb,
    "Mar 4, 2026, 1:05 PM" in en-us). Empty for none."""
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    # Formatted naive: the wall-clock time above, not Babel's idea of the zone.
    local = local.replace(tzinfo=None, microsecond=0)
    if not seconds:
        local = local.replace(second=0)
    return _moment(local, get_language(), seconds)
