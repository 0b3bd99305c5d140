"""The normal forms uniqueness is checked on."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from registrations.normalise import (
    normalise_name,
    normalise_phone,
    normalise_tin,
    normalise_website,
)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("example.com", "example.com"),
        ("https://www.Example.com/", "example.com"),
        ("HTTP://WWW.EXAMPLE.COM", "example.com"),
        ("  www.example.com/shop/  ", "example.com/shop"),
        ("https://example.com/?utm=1#top", "example.com"),
        ("sub.example.co.uk", "sub.example.co.uk"),
    ],
)
def test_website_is_normalised(typed: str, stored: str) -> None:
    assert normalise_website(typed) == stored


@pytest.mark.parametrize("typed", ["", "localhost", "not a site", "https://", "exa mple.com"])
def test_website_must_be_a_web_address(typed: str) -> None:
    with pytest.raises(ValidationError):
        normalise_website(typed)


@pytest.mark.parametrize("typed", ["123456789", "1234567890", "123456789012", " 123 456 789 "])
def test_tin_has_9_10_or_12_digits(typed: str) -> None:
    assert normalise_tin(typed) == typed.replace(" ", "")


@pytest.mark.parametrize(
    "typed", ["12345678", "12345678901", "1234567890123", "12345678a", "", "-123456789"]
)
def test_tin_of_any_other_length_or_with_letters_is_refused(typed: str) -> None:
    with pytest.raises(ValidationError, match="9, 10 or 12 digits"):
        normalise_tin(typed)


def test_phone_is_stored_in_e164() -> None:
    assert normalise_phone("+44 (20) 7946-0958") == "+442079460958"


@pytest.mark.parametrize("typed", ["020 7946 0958", "+44 12", "+999 1234567", "phone"])
def test_invalid_or_national_phone_numbers_are_refused(typed: str) -> None:
    with pytest.raises(ValidationError):
        normalise_phone(typed)


def test_names_are_trimmed_and_inner_spaces_collapsed() -> None:
    assert normalise_name("  Acme   Ltd ") == "Acme Ltd"
