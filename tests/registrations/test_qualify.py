"""Qualification: the CRM records and the opportunity it creates (issue #5)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from registrations import services
from registrations.models import Company, CompanyLink, Contact, Opportunity, OpportunityRegistration
from registrations.services import RegistrationData
from registrations.states import OpportunityStage, OpportunityStatus, RegistrationState
from tests import factories
from tests.registrations.conftest import client_for, make_registration
from tests.world import World

pytestmark = pytest.mark.django_db


def submit_new(world: World, **overrides: Any) -> OpportunityRegistration:
    fields: dict[str, Any] = {
        "name": "Adatum rollout",
        "new_company": True,
        "company_name": "Adatum",
        "company_website": "adatum.example",
        "company_tin": "123456789",
        "new_contact": True,
        "contact_first_name": "Ada",
        "contact_last_name": "Lovelace",
        "contact_email": "ada@adatum.example",
        "contact_phone": "+442079460958",
        "representative": world.a1.supervisor,
        "budget": "50k",
        **overrides,
    }
    registration = services.registration_submit(
        partner=world.a1.organisation,
        actor=world.a1.member,
        data=RegistrationData(**fields),
    )
    services.registration_start_review(registration=registration, actor=world.agent)
    return registration


def test_qualifying_a_new_company_creates_company_contact_and_opportunity(world: World) -> None:
    registration = submit_new(world)
    opportunity = services.registration_qualify(
        registration=registration,
        actor=world.agent,
        opportunity_name="Adatum 2027",
        stage=OpportunityStage.PROPOSAL,
    )
    company = Company.objects.get()
    assert (company.name, company.website, company.tin) == ("Adatum", "adatum.example", "123456789")
    contact = Contact.objects.get()
    assert (contact.company, contact.full_name, contact.email, contact.phone) == (
        company,
        "Ada Lovelace",
        "ada@adatum.example",
        "+442079460958",
    )
    assert CompanyLink.objects.filter(company=company, organisation=world.a1.organisation).exists()
    assert opportunity.registration == registration
    assert opportunity.organisation == world.a1.organisation
    assert opportunity.representative == world.a1.supervisor
    assert opportunity.created_by == world.a1.member
    assert (opportunity.name, opportunity.company, opportunity.contact) == (
        "Adatum 2027",
        company,
        contact,
    )
    assert (opportunity.stage, opportunity.status, opportunity.budget) == (
        OpportunityStage.PROPOSAL,
        OpportunityStatus.OPEN,
        "50k",
    )
    registration.refresh_from_db()
    assert registration.state == RegistrationState.QUALIFIED
    assert registration.company == company


def test_qualifying_an_existing_company_creates_only_the_opportunity(world: World) -> None:
    registration = make_registration(world.a1, state=RegistrationState.IN_REVIEW)
    companies, contacts = Company.objects.count(), Contact.objects.count()
    opportunity = services.registration_qualify(registration=registration, actor=world.agent)
    assert (Company.objects.count(), Contact.objects.count()) == (companies, contacts)
    assert opportunity.company == registration.company
    assert opportunity.contact == registration.contact
    assert opportunity.name == registration.name


def test_the_company_becomes_a_choice_of_the_organisation_after_qualification(
    world: World,
) -> None:
    registration = submit_new(world)
    services.registration_qualify(registration=registration, actor=world.agent)
    page = client_for(world.a1.member).get("/p/alpha/registrations/new/").text
    assert "Adatum" in page
    assert "Adatum" not in client_for(world.a2.member).get("/p/alpha/registrations/new/").text


def test_a_crm_company_added_meanwhile_stops_qualification_cleanly(world: World) -> None:
    registration = submit_new(world)
    # An admin adds the same company directly to the CRM, around the registration's checks.
    factories.CompanyFactory.create(name="Adatum", website="elsewhere.example", tin="999999999")
    with pytest.raises(ValidationError, match="already has a company"):
        services.registration_qualify(registration=registration, actor=world.agent)
    registration.refresh_from_db()
    assert registration.state == RegistrationState.IN_REVIEW
    assert not Opportunity.objects.exists()


def test_agent_qualifies_through_the_back_office(world: World) -> None:
    registration = make_registration(world.a1, state=RegistrationState.IN_REVIEW)
    response = client_for(world.agent).post(
        f"/backoffice/registrations/{registration.public_id}/qualify/",
        {"opportunity_name": "", "stage": "negotiation", "comment": "Great deal."},
    )
    assert response.status_code == 302
    opportunity = Opportunity.objects.get()
    assert (opportunity.name, opportunity.stage) == (registration.name, "negotiation")
    page = client_for(world.a1.member).get(f"/p/alpha/opportunities/{opportunity.public_id}/")
    assert "Great deal." in page.text


def test_agent_updates_stage_and_status(world: World) -> None:
    opportunity = factories.OpportunityFactory.create(
        registration=make_registration(world.a1, state=RegistrationState.QUALIFIED)
    )
    client = client_for(world.agent)
    url = f"/backoffice/opportunities/{opportunity.public_id}/"
    assert client.post(url, {"stage": "proposal", "status": "open"}).status_code == 302
    response = client.post(url, {"stage": "proposal", "status": "lost", "lost_reason": ""})
    assert response.status_code == 400
    assert "Say why the opportunity was lost." in response.text
    client.post(url, {"stage": "proposal", "status": "lost", "lost_reason": "Budget cut."})
    opportunity.refresh_from_db()
    assert (opportunity.stage, opportunity.status, opportunity.lost_reason) == (
        "proposal",
        "lost",
        "Budget cut.",
    )
    page = client_for(world.a1.member).get(f"/p/alpha/opportunities/{opportunity.public_id}/")
    assert "Stage: Qualification → Proposal" in page.text
    assert "Budget cut." in page.text


def test_a_lost_opportunity_needs_a_reason_in_the_service(world: World) -> None:
    opportunity = factories.OpportunityFactory.create(
        registration=make_registration(world.a1, state=RegistrationState.QUALIFIED)
    )
    with pytest.raises(ValidationError):
        services.opportunity_update(
            opportunity=opportunity, actor=world.agent, stage="proposal", status="lost"
        )
