"""The registration form, seed 003 (issue #5): the company and the contact, one test per rule and
per combination of the New company / New contact checkboxes."""

from __future__ import annotations

import pytest

from registrations.models import Company, OpportunityRegistration
from registrations.services import DUPLICATE_COMPANY_MESSAGES
from registrations.states import RegistrationState
from tests import factories
from tests.registrations.conftest import (
    client_for,
    existing_company_post,
    linked_company,
    new_company_post,
)
from tests.registrations.form_helpers import URL, errors, only, post
from tests.world import World

pytestmark = pytest.mark.django_db


# --- the four checkbox combinations ---------------------------------------------------------
def test_new_company_and_new_contact(world: World) -> None:
    response = post(world, new_company_post())
    registration = only()
    assert response.status_code == 302
    assert response["Location"] == f"/p/alpha/registrations/{registration.public_id}/"
    assert registration.new_company
    assert registration.new_contact
    assert registration.company is None
    assert registration.contact is None
    assert (registration.company_name, registration.company_website, registration.company_tin) == (
        "Adatum Corporation",
        "adatum.example",
        "123456789",
    )
    assert registration.contact_full_name == "Ada Lovelace"
    assert registration.contact_phone == "+442079460958"
    assert registration.organisation == world.a1.organisation
    assert registration.direction == world.direction_a
    assert registration.created_by == world.a1.member
    assert registration.state == RegistrationState.SUBMITTED
    # Nothing reaches the CRM before an agent qualifies the registration.
    assert not Company.objects.exists()


def test_existing_company_and_existing_contact(world: World) -> None:
    company, contact = linked_company(world.a1)
    response = post(world, existing_company_post(company, contact, world.a1.member))
    assert response.status_code == 302
    registration = only()
    assert (registration.company, registration.contact) == (company, contact)
    assert registration.company_name == company.name
    assert not registration.new_company
    assert not registration.new_contact


def test_existing_company_and_new_contact(world: World) -> None:
    company, _ = linked_company(world.a1)
    data = existing_company_post(
        company,
        None,
        world.a1.member,
        new_contact="on",
        contact_first_name="Grace",
        contact_last_name="Hopper",
    )
    assert post(world, data).status_code == 302
    registration = only()
    assert registration.company == company
    assert registration.contact is None
    assert registration.contact_full_name == "Grace Hopper"


def test_new_company_with_an_existing_contact_is_refused(world: World) -> None:
    _, contact = linked_company(world.a1)
    data = new_company_post(new_contact=None, contact=str(contact.public_id))
    assert errors(post(world, data)) == {
        "contact": ["A new company has no contacts yet: tick New contact."]
    }


# --- Existing company -----------------------------------------------------------------------
def test_existing_company_is_required_without_new_company(world: World) -> None:
    data = new_company_post(new_company=None, new_contact="on")
    assert errors(post(world, data)) == {"company": ["Choose the company, or tick New company."]}


def test_existing_company_must_be_one_the_organisation_may_see(world: World) -> None:
    # A company of the CRM that only another organisation is linked to is not a choice.
    company, contact = linked_company(world.a2)
    data = existing_company_post(company, contact, world.a1.member)
    assert "company" in errors(post(world, data))
    assert not OpportunityRegistration.objects.exists()


def test_company_choices_list_only_the_organisations_companies(world: World) -> None:
    mine, _ = linked_company(world.a1)
    theirs, _ = linked_company(world.a2)
    page = client_for(world.a1.member).get(URL).text
    assert mine.name in page
    assert theirs.name not in page


# --- New company fields ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("company_name", "Enter the company's name."),
        ("company_website", "Enter the company's website."),
        ("company_tin", "Enter the company's TIN."),
    ],
)
def test_new_company_fields_are_required_with_new_company(
    world: World, field: str, message: str
) -> None:
    assert errors(post(world, new_company_post(**{field: ""}))) == {field: [message]}


def test_new_company_fields_are_ignored_without_new_company(world: World) -> None:
    company, contact = linked_company(world.a1)
    data = existing_company_post(
        company, contact, world.a1.member, company_name="Typed anyway", company_tin="12"
    )
    assert post(world, data).status_code == 302
    assert only().company_name == company.name
    assert only().company_tin == ""


def test_tin_must_have_9_10_or_12_digits(world: World) -> None:
    assert errors(post(world, new_company_post(company_tin="12345678901"))) == {
        "company_tin": ["A TIN has exactly 9, 10 or 12 digits."]
    }


def test_website_must_be_a_web_address(world: World) -> None:
    assert list(errors(post(world, new_company_post(company_website="nonsense")))) == [
        "company_website"
    ]


def test_company_name_must_be_unique_case_insensitively_in_the_crm(world: World) -> None:
    factories.CompanyFactory.create(name="ADATUM corporation")
    assert errors(post(world, new_company_post())) == {
        "company_name": [DUPLICATE_COMPANY_MESSAGES["company_name"]]
    }


def test_website_must_be_unique_once_normalised(world: World) -> None:
    factories.CompanyFactory.create(website="adatum.example")
    response = post(world, new_company_post(company_website="HTTP://WWW.ADATUM.EXAMPLE/"))
    assert errors(response) == {"company_website": [DUPLICATE_COMPANY_MESSAGES["company_website"]]}


def test_tin_must_be_unique(world: World) -> None:
    factories.CompanyFactory.create(tin="123456789")
    assert errors(post(world, new_company_post())) == {
        "company_tin": [DUPLICATE_COMPANY_MESSAGES["company_tin"]]
    }


def test_a_company_another_partner_proposes_is_taken_without_saying_by_whom(
    world: World,
) -> None:
    assert post(world, new_company_post(), user=world.a2.member).status_code == 302
    response = post(world, new_company_post(company_name="adatum CORPORATION"))
    assert errors(response) == {
        field: [message] for field, message in DUPLICATE_COMPANY_MESSAGES.items()
    }
    assert "channel manager will help" in response.text
    assert world.a2.organisation.name not in response.text
    assert world.a2.member.email not in response.text


def test_a_rejected_registration_releases_its_company(world: World) -> None:
    assert post(world, new_company_post(), user=world.a2.member).status_code == 302
    OpportunityRegistration.objects.update(state=RegistrationState.REJECTED)
    assert post(world, new_company_post()).status_code == 302


# --- Existing contact / new contact ---------------------------------------------------------
def test_existing_contact_is_required_without_new_contact(world: World) -> None:
    company, _ = linked_company(world.a1)
    data = existing_company_post(company, None, world.a1.member)
    assert errors(post(world, data)) == {"contact": ["Choose the contact, or tick New contact."]}


def test_existing_contact_must_be_of_the_chosen_company(world: World) -> None:
    company, _ = linked_company(world.a1)
    _, other_contact = linked_company(world.a1)
    data = existing_company_post(company, other_contact, world.a1.member)
    assert errors(post(world, data)) == {"contact": ["Choose a contact of the chosen company."]}


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("contact_first_name", "Enter the contact's first name."),
        ("contact_last_name", "Enter the contact's last name."),
    ],
)
def test_first_and_last_name_are_required_with_new_contact(
    world: World, field: str, message: str
) -> None:
    assert errors(post(world, new_company_post(**{field: ""}))) == {field: [message]}


def test_middle_name_email_and_phone_are_optional(world: World) -> None:
    data = new_company_post(contact_middle_name="", contact_email="", contact_phone="")
    assert post(world, data).status_code == 302


def test_middle_name_is_kept(world: World) -> None:
    assert post(world, new_company_post(contact_middle_name="King")).status_code == 302
    assert only().contact_full_name == "Ada King Lovelace"


def test_contact_email_must_be_valid(world: World) -> None:
    assert list(errors(post(world, new_company_post(contact_email="ada@")))) == ["contact_email"]


def test_contact_phone_must_be_valid(world: World) -> None:
    assert list(errors(post(world, new_company_post(contact_phone="12")))) == ["contact_phone"]
