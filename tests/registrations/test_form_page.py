"""The registration form's page (issue #5): fields with errors marked invalid, nothing typed lost,
the conditional fields, and nothing of another organisation."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests import factories
from tests.registrations.conftest import (
    client_for,
    linked_company,
    make_registration,
    new_company_post,
)
from tests.registrations.form_helpers import URL, post
from tests.world import World

pytestmark = pytest.mark.django_db


def invalid_inputs(response: Any) -> set[str]:
    """The names of the inputs the page marks invalid (Bootstrap's red border, aria-invalid)."""
    return set(re.findall(r'<[^>]*aria-invalid="true"[^>]*name="([^"]+)"', response.text)) | set(
        re.findall(r'<[^>]*name="([^"]+)"[^>]*aria-invalid="true"', response.text)
    )


def test_fields_with_errors_are_marked_invalid(world: World) -> None:
    response = post(world, new_company_post(company_tin="12345", contact_email="nope"))
    assert invalid_inputs(response) == {"company_tin", "contact_email"}
    assert 'class="form-control is-invalid"' in response.text


def test_a_duplicate_the_service_finds_is_marked_invalid(world: World) -> None:
    factories.CompanyFactory.create(tin="123456789")
    assert invalid_inputs(post(world, new_company_post())) == {"company_tin"}


def test_nothing_typed_is_lost_on_error(world: World) -> None:
    response = post(world, new_company_post(company_tin="12", customer_requirements="Must be SSO"))
    page = response.text
    for typed in (
        "Adatum rollout",
        "Adatum Corporation",
        "https://www.adatum.example/",
        "12",
        "Ada",
        "Lovelace",
        "ada@adatum.example",
        "50k a year",
        "Must be SSO",
        "First call went well.",
    ):
        assert typed in page, typed
    assert 'data-testid="error-company_tin"' in page


def test_conditional_fields_are_marked_for_the_script_and_shown_without_it(world: World) -> None:
    page = client_for(world.a1.member).get(URL).text
    assert 'data-shown-when="new_company"' in page
    assert 'data-hidden-when="new_contact"' in page
    assert "js/registration-form.js" in page
    # Nothing is hidden server-side: without script every field is there to fill in.
    assert " hidden" not in page.split("<form", 1)[1].split("</form>", 1)[0]
    assert "<script>" not in page  # the CSP forbids inline scripts


def test_existing_contact_options_name_their_company(world: World) -> None:
    company, contact = linked_company(world.a1)
    page = client_for(world.a1.member).get(URL).text
    assert f'value="{contact.public_id}" data-company="{company.public_id}"' in page


def test_another_organisations_registration_is_unaffected(world: World) -> None:
    # Sanity: a registration in a2 does not show in a1's new form in any way.
    make_registration(world.a2, name="Secret deal of A2")
    assert "Secret deal of A2" not in client_for(world.a1.member).get(URL).text
