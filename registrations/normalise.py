"""Normal forms of the identifiers a company or a contact is recognised by.

Uniqueness is checked and enforced on these forms, so "https://www.Example.com/" and
"example.com" are the same website, and "ACME Ltd" and "acme  ltd" the same name.
"""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

TIN_RE = re.compile(r"^(?:\d{9}|\d{10}|\d{12})$")
# The same rule as a database check (PostgreSQL and SQLite regex syntax alike).
TIN_DB_REGEX = r"^([0-9]{9}|[0-9]{10}|[0-9]{12})$"
_SCHEME_RE = re.compile(r"^[a-z][a-z0-9+.-]*://")
_url_validator = URLValidator(schemes=["https"])


def normalise_name(value: str) -> str:
    """Trim and collapse inner whitespace; case is kept for display (uniqueness ignores it)."""
    return " ".join(value.split())


def normalise_website(value: str) -> str:
    """``https://www.Example.com/shop/`` → ``example.com/shop``.

    Lower-cased, without scheme, ``www.``, query, fragment or trailing slash. Raises
    ``ValidationError`` when what is left is not a web address.
    """
    website = value.strip().lower()
    website = _SCHEME_RE.sub("", website)
    website = website.split("#", 1)[0].split("?", 1)[0]
    website = website.removeprefix("www.").rstrip("/")
    host = website.split("/", 1)[0]
    if not website or "." not in host:
        raise ValidationError(
            _("Enter a web address such as example.com or https://www.example.com."),
            code="invalid_website",
        )
    try:
        _url_validator(f"https://{website}")
    except ValidationError:
        raise ValidationError(
            _("Enter a web address such as example.com or https://www.example.com."),
            code="invalid_website",
        ) from None
    return website


def normalise_tin(value: str) -> str:
    """Spaces are dropped; what is left must be exactly 9, 10 or 12 digits."""
    tin = "".join(value.split())
    if not TIN_RE.match(tin):
        raise ValidationError(
            _("A TIN has exactly 9, 10 or 12 digits."), code="invalid_tin", params={"value": tin}
        )
    return tin


def normalise_phone(value: str) -> str:
    """An international number (``+44 20 7946 0958``) in E.164 form (``+442079460958``).

    Partners of every country register here, so there is no default country: the number must
    start with ``+`` and its country code.
    """
    raw = value.strip()
    if not raw.startswith("+"):
        raise ValidationError(
            _("Enter the number in international form, starting with + and the country code."),
            code="invalid_phone",
        )
    try:
        number = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(_("Enter a valid phone number."), code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
