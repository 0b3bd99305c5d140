"""The lists' filter options (company names, companies, representatives) come from the cache and
follow every change at the next page: a new registration's company, a renamed company, a new
link, a renamed or deactivated member (core.generations)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.filters import filter_fields_html
from registrations import selectors
from registrations.models import CompanyLink
from tests import factories
from tests.world import World

pytestmark = pytest.mark.django_db


def options(world: World, listing: str, field: str) -> tuple[list[str], int]:
    """The option labels of ``field`` as alice's page draws them, and the queries drawing took."""
    member = world.a1.member
    read = selectors.registration_list if listing == "registrations" else selectors.opportunity_list
    filtered = read(
        partner=world.a1.organisation, user=member, scope=selectors.Scope.ALL, filters=None
    )
    with CaptureQueriesContext(connection) as queries:
        filter_fields_html(filtered.form)
    choices = filtered.form.fields[field].widget._flat_choices()
    return [str(label) for _, label in choices[1:]], len(queries)


def test_the_company_names_are_read_once_then_follow_a_new_registration(world: World) -> None:
    factories.RegistrationFactory.create(
        organisation=world.a1.organisation, created_by=world.a1.member, company_name="Adatum"
    )
    assert options(world, "registrations", "company")[0] == ["Adatum"]
    _, queries = options(world, "registrations", "company")
    assert queries == 0  # names and representatives from the cache
    factories.RegistrationFactory.create(
        organisation=world.a1.organisation, created_by=world.a1.supervisor, company_name="Bravo"
    )
    # Another organisation's registration is not offered.
    factories.RegistrationFactory.create(organisation=world.a2.organisation, company_name="Zed")
    assert options(world, "registrations", "company")[0] == ["Adatum", "Bravo"]


def test_a_deleted_registration_takes_its_company_name_away(world: World) -> None:
    registration = factories.RegistrationFactory.create(
        organisation=world.a1.organisation, created_by=world.a1.member, company_name="Adatum"
    )
    assert options(world, "registrations", "company")[0] == ["Adatum"]
    registration.delete()
    assert options(world, "registrations", "company")[0] == []


def test_the_queue_offers_a_new_registrations_company_at_once(world: World) -> None:
    direction = [world.direction_a.pk]
    assert selectors.registration_company_names(by="direction", ids=direction) == []
    factories.RegistrationFactory.create(organisation=world.a2.organisation, company_name="Coho")
    assert selectors.registration_company_names(by="direction", ids=direction) == [("Coho", "Coho")]


def test_the_representatives_follow_a_renamed_and_a_deactivated_member(world: World) -> None:
    world.a1.member.first_name, world.a1.member.last_name = "Alice", "Able"
    world.a1.member.save()
    world.a1.supervisor.first_name, world.a1.supervisor.last_name = "Sam", "Super"
    world.a1.supervisor.save()
    assert options(world, "registrations", "representative")[0] == ["Alice Able", "Sam Super"]
    world.a1.member.first_name = "Alicia"
    world.a1.member.save()
    assert options(world, "opportunities", "representative")[0] == ["Alicia Able", "Sam Super"]
    membership = world.a1.supervisor.partner_membership
    membership.is_active = False
    membership.save()
    assert options(world, "registrations", "representative")[0] == ["Alicia Able"]


def test_the_opportunity_companies_follow_a_link_and_a_rename(world: World) -> None:
    company = factories.CompanyFactory.create(name="Fabrikam")
    assert options(world, "opportunities", "company")[0] == []
    link = CompanyLink.objects.create(company=company, organisation=world.a1.organisation)
    assert options(world, "opportunities", "company")[0] == ["Fabrikam"]
    _, queries = options(world, "opportunities", "company")
    assert queries == 0
    company.name = "Fabrikam Inc."
    company.save()
    assert options(world, "opportunities", "company")[0] == ["Fabrikam Inc."]
    link.delete()
    assert options(world, "opportunities", "company")[0] == []
    company.organisations.add(world.a1.organisation)  # through the relation: no post_save
    assert options(world, "opportunities", "company")[0] == ["Fabrikam Inc."]
