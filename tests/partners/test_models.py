from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from partners.models import PartnerMembership, PartnerOrganisation, PartnerPortal
from tests import factories
from tests.world import World

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path_name", ["enterprise", "public-sector", "smb2", "eu-west-1"])
def test_valid_path_names(path_name: str) -> None:
    portal = factories.PartnerPortalFactory.build(
        direction=factories.SalesDirectionFactory.create(), path_name=path_name
    )
    portal.full_clean()


@pytest.mark.parametrize(
    "path_name",
    ["Enterprise", "has space", "-lead", "trail-", "double--hyphen", "x", "ünïcode", "a/b", "1st"],
)
def test_invalid_path_names_are_refused(path_name: str) -> None:
    portal = factories.PartnerPortalFactory.build(
        direction=factories.SalesDirectionFactory.create(), path_name=path_name
    )
    with pytest.raises(ValidationError) as excinfo:
        portal.full_clean()
    assert "path_name" in excinfo.value.message_dict


@pytest.mark.parametrize("path_name", ["admin", "accounts", "static"])
def test_reserved_path_names_are_refused(path_name: str) -> None:
    portal = factories.PartnerPortalFactory.build(
        direction=factories.SalesDirectionFactory.create(), path_name=path_name
    )
    with pytest.raises(ValidationError, match="reserved"):
        portal.full_clean()


def test_path_name_is_unique_in_the_database() -> None:
    factories.PartnerPortalFactory.create(path_name="shared")
    with pytest.raises(IntegrityError), transaction.atomic():
        PartnerPortal.objects.create(
            direction=factories.SalesDirectionFactory.create(), path_name="shared", title="Other"
        )


def test_one_portal_per_direction() -> None:
    portal = factories.PartnerPortalFactory.create()
    with pytest.raises(IntegrityError), transaction.atomic():
        PartnerPortal.objects.create(direction=portal.direction, path_name="second", title="2")


def test_zuora_account_id_is_required() -> None:
    organisation = factories.PartnerOrganisationFactory.build(
        direction=factories.SalesDirectionFactory.create(), zuora_account_id=""
    )
    with pytest.raises(ValidationError) as excinfo:
        organisation.full_clean()
    assert "zuora_account_id" in excinfo.value.message_dict


def test_salesforce_account_id_is_optional_but_unique_when_set() -> None:
    factories.PartnerOrganisationFactory.create(salesforce_account_id="")
    factories.PartnerOrganisationFactory.create(salesforce_account_id="")  # several without: fine
    factories.PartnerOrganisationFactory.create(salesforce_account_id="001000000000001AAA")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.PartnerOrganisationFactory.create(salesforce_account_id="001000000000001AAA")


def test_salesforce_account_id_format_is_validated() -> None:
    organisation = factories.PartnerOrganisationFactory.build(
        direction=factories.SalesDirectionFactory.create(), salesforce_account_id="not-an-id"
    )
    with pytest.raises(ValidationError) as excinfo:
        organisation.full_clean()
    assert "salesforce_account_id" in excinfo.value.message_dict


def test_organisation_names_are_unique_ignoring_case() -> None:
    factories.PartnerOrganisationFactory.create(name="Northwind")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.PartnerOrganisationFactory.create(name="NORTHWIND")


def test_a_user_belongs_to_at_most_one_organisation(world: World) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        PartnerMembership.objects.create(user=world.a1.member, organisation=world.b1.organisation)


def test_an_email_domain_belongs_to_one_partner(world: World) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.PartnerEmailDomainFactory.create(
            organisation=world.b1.organisation, domain="a1.partner.test"
        )


def test_membership_address_must_be_in_the_organisations_domains(world: World) -> None:
    user = factories.UserFactory.create(email="someone@elsewhere.test")
    membership = PartnerMembership(user=user, organisation=world.a1.organisation)
    with pytest.raises(ValidationError, match="not in one of the organisation"):
        membership.full_clean()


def test_membership_address_in_another_partners_domain_is_refused(world: World) -> None:
    user = factories.UserFactory.create(email="new@b1.partner.test")
    membership = PartnerMembership(user=user, organisation=world.a1.organisation)
    with pytest.raises(ValidationError, match="belongs to another partner"):
        membership.full_clean()


def test_organisation_without_domains_accepts_any_address() -> None:
    organisation = factories.PartnerOrganisationFactory.create()
    user = factories.UserFactory.create(email="anyone@anywhere.test")
    PartnerMembership(user=user, organisation=organisation).full_clean()


def test_organisation_with_members_cannot_be_deleted(world: World) -> None:
    with pytest.raises(ProtectedError):
        world.a1.organisation.delete()
    assert PartnerOrganisation.objects.filter(pk=world.a1.organisation.pk).exists()


def test_user_emails_are_unique_ignoring_case() -> None:
    factories.UserFactory.create(email="Same@Example.test")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.UserFactory.create(email="same@example.TEST")
