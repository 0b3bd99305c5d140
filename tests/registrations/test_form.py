"""The registration form: every field and rule of seed 003, one test per rule and per
combination of the New company / New contact checkboxes (issue #5)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from registrations import uploads
from registrations.models import ActivityEntry, Company, EntryKind, OpportunityRegistration
from registrations.services import DUPLICATE_COMPANY_MESSAGES
from registrations.states import RegistrationState
from tests import factories
from tests.registrations.conftest import (
    client_for,
    existing_company_post,
    linked_company,
    make_registration,
    new_company_post,
)
from tests.world import World

pytestmark = pytest.mark.django_db

URL = "/p/alpha/registrations/new/"


def post(world: World, data: dict[str, Any], user: Any = None) -> Any:
    user = user or world.a1.member
    data.setdefault("representative", user.pk)
    return client_for(user).post(URL, data)


def errors(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 200, "the form was expected back with errors"
    return {field: list(errs) for field, errs in response.context["form"].errors.items()}


def only() -> OpportunityRegistration:
    return OpportunityRegistration.objects.get()


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


# --- Name, Service/Product ------------------------------------------------------------------
def test_name_is_required(world: World) -> None:
    assert errors(post(world, new_company_post(name="  "))) == {"name": ["This field is required."]}


def test_service_or_product_is_optional(world: World) -> None:
    assert post(world, new_company_post(product="")).status_code == 302


def test_service_or_product_suggests_the_offers_the_partner_may_sell(world: World) -> None:
    factories.OfferFactory.create(name="Premium, monthly", eligible=[world.a1.organisation])
    factories.OfferFactory.create(name="Only for A2", eligible=[world.a2.organisation])
    page = client_for(world.a1.member).get(URL).text
    datalist = page.split('data-testid="product-offers"', 1)[1].split("</datalist>", 1)[0]
    assert '<option value="Premium, monthly">' in datalist
    assert "Only for A2" not in datalist
    assert 'list="product-offers"' in page


def test_service_or_product_may_be_free_text(world: World) -> None:
    factories.OfferFactory.create(name="Premium, monthly", eligible=[world.a1.organisation])
    assert post(world, new_company_post(product="Custom integration work")).status_code == 302
    assert only().product == "Custom integration work"


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


# --- Partner representative -----------------------------------------------------------------
def test_representative_defaults_to_the_current_user(world: World) -> None:
    form = client_for(world.a1.member).get(URL).context["form"]
    assert form["representative"].value() == world.a1.member.pk


def test_representative_may_be_another_member_of_the_organisation(world: World) -> None:
    data = new_company_post(representative=world.a1.supervisor.pk)
    assert post(world, data).status_code == 302
    assert only().representative == world.a1.supervisor


def test_representative_must_be_a_member_of_the_organisation(world: World) -> None:
    data = new_company_post(representative=world.a2.member.pk)
    assert list(errors(post(world, data))) == ["representative"]


def test_representative_is_required(world: World) -> None:
    assert list(errors(post(world, new_company_post(representative="")))) == ["representative"]


# --- Budget, closure date, requirements, comments -------------------------------------------
def test_budget_and_requirements_are_optional(world: World) -> None:
    assert post(world, new_company_post(budget="", customer_requirements="")).status_code == 302


def test_estimated_closure_date_may_not_be_in_the_past(world: World) -> None:
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert errors(post(world, new_company_post(expected_close_date=yesterday))) == {
        "expected_close_date": ["The estimated closure date cannot be in the past."]
    }


def test_estimated_closure_date_may_be_today_or_empty(world: World) -> None:
    assert post(world, new_company_post(expected_close_date="")).status_code == 302
    today = timezone.localdate().isoformat()
    data = new_company_post(
        expected_close_date=today,
        company_name="Other",
        company_website="other.example",
        company_tin="987654321",
    )
    assert post(world, data).status_code == 302


def test_additional_comments_are_the_first_comment_of_the_feed(world: World) -> None:
    post(world, new_company_post(comments="Call the CIO first."))
    comments = ActivityEntry.objects.filter(kind=EntryKind.COMMENT)
    assert [(c.body, c.author, c.side) for c in comments] == [
        ("Call the CIO first.", world.a1.member, "partner")
    ]
    assert ActivityEntry.objects.filter(kind=EntryKind.EVENT, to_state="submitted").count() == 1


def test_no_comment_entry_without_additional_comments(world: World) -> None:
    post(world, new_company_post(comments=""))
    assert not ActivityEntry.objects.filter(kind=EntryKind.COMMENT).exists()


# --- Attachments ----------------------------------------------------------------------------
def pdf(name: str = "quote.pdf", size: int = 20) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF" + b"x" * (size - 4), content_type="application/pdf")


def test_several_files_are_attached(world: World, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    data = new_company_post(attachments=[pdf("a.pdf"), pdf("b.pdf")])
    assert post(world, data).status_code == 302
    names = sorted(only().attachments.values_list("original_name", flat=True))
    assert names == ["a.pdf", "b.pdf"]


def test_file_types_outside_the_allowlist_are_refused(world: World) -> None:
    page = SimpleUploadedFile("page.html", b"<script>alert(1)</script>", content_type="text/html")
    assert list(errors(post(world, new_company_post(attachments=[page])))) == ["attachments"]
    assert not OpportunityRegistration.objects.exists()


def test_files_over_the_size_limit_are_refused(world: World, monkeypatch: Any) -> None:
    monkeypatch.setattr(uploads, "MAX_FILE_SIZE", 10)
    response = post(world, new_company_post(attachments=[pdf(size=11)]))
    assert list(errors(response)) == ["attachments"]


def test_more_than_the_maximum_number_of_files_is_refused(world: World, monkeypatch: Any) -> None:
    monkeypatch.setattr(uploads, "MAX_FILES", 1)
    response = post(world, new_company_post(attachments=[pdf("a.pdf"), pdf("b.pdf")]))
    assert list(errors(response)) == ["attachments"]


# --- The page itself ------------------------------------------------------------------------
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
