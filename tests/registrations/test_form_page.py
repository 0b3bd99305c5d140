"""The registration form's page (issue #5): fields with errors marked invalid, nothing typed lost,
the conditional fields, and nothing of another organisation."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests import factories
from tests.registrations.conftest import (
    client_for,
    existing_company_post,
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


# --- "Existing contact" offers the chosen company's contacts only (issue #13) ----------------
CONTACTS = "/p/alpha/registrations/contacts/"


def contact_options(html: str) -> set[str]:
    select = html.split('name="contact"', 1)[1].split("</select>", 1)[0]
    return {value for value in re.findall(r'value="([^"]*)"', select) if value}


def test_no_contact_is_offered_before_a_company_is_chosen(world: World) -> None:
    linked_company(world.a1)
    page = client_for(world.a1.member).get(URL).text
    assert contact_options(page) == set()
    assert "Choose the company first" in page
    # The company select asks for its contacts when it changes (htmx, no inline script).
    company_select = page.split('name="company"', 1)[0].rsplit("<select", 1)[1]
    assert f'hx-get="{CONTACTS}"' in company_select
    assert 'hx-target="#field-contact"' in company_select


def test_the_company_change_offers_that_companys_contacts_only(world: World) -> None:
    company, contact = linked_company(world.a1)
    _, other = linked_company(world.a1)
    client = client_for(world.a1.member)
    response = client.get(CONTACTS, {"company": str(company.public_id)}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'id="field-contact"' in response.text
    assert "<html" not in response.text
    assert contact_options(response.text) == {str(contact.public_id)}
    assert contact.full_name in response.text
    assert other.full_name not in response.text


def test_another_organisations_company_offers_no_contact(world: World) -> None:
    theirs, contact = linked_company(world.a2)
    client = client_for(world.a1.member)
    for company in (str(theirs.public_id), "not-a-uuid"):
        response = client.get(CONTACTS, {"company": company})
        assert response.status_code == 200
        assert contact_options(response.text) == set()
        assert contact.full_name not in response.text


def test_a_form_back_with_errors_offers_the_chosen_companys_contacts(world: World) -> None:
    company, contact = linked_company(world.a1)
    _, other = linked_company(world.a1)
    data = existing_company_post(company, contact, world.a1.member, name="")
    page = post(world, data).text
    assert contact_options(page) == {str(contact.public_id)}
    assert f'value="{contact.public_id}" selected' in page
    assert other.full_name not in page


def test_the_edit_form_offers_the_registrations_companys_contacts(world: World) -> None:
    company, contact = linked_company(world.a1)
    _, other = linked_company(world.a1)
    registration = make_registration(world.a1, company=company, contact=contact, state="more_info")
    page = client_for(world.a1.member).get(f"/p/alpha/registrations/{registration.public_id}/edit/")
    assert contact_options(page.text) == {str(contact.public_id)}
    assert other.full_name not in page.text


def test_another_organisations_registration_is_unaffected(world: World) -> None:
    # Sanity: a registration in a2 does not show in a1's new form in any way.
    make_registration(world.a2, name="Secret deal of A2")
    assert "Secret deal of A2" not in client_for(world.a1.member).get(URL).text
