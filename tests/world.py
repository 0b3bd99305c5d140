"""The shared test world: two directions × two organisations × (member, supervisor), plus a
vendor agent (assigned to direction A), a vendor admin and an end customer.

Direction A's portal is /p/alpha/, direction B's /p/beta/. Organisation ``a1`` is "us" in most
tests; ``a2`` is the other tenant of the same direction, ``b1``/``b2`` another direction's.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Group
from guardian.shortcuts import assign_perm

from accounts.models import User
from core.migration_helpers import VENDOR_ADMINS, VENDOR_AGENTS
from partners.models import (
    PartnerMembership,
    PartnerOrganisation,
    PartnerPortal,
    PartnerRole,
    PortalSection,
    SalesDirection,
)
from partners.sections import Section
from tests import factories


@dataclass
class Tenant:
    organisation: PartnerOrganisation
    member: User
    supervisor: User

    @property
    def member_membership(self) -> PartnerMembership:
        return self.member.partner_membership


@dataclass
class World:
    direction_a: SalesDirection
    direction_b: SalesDirection
    portal_a: PartnerPortal
    portal_b: PartnerPortal
    a1: Tenant
    a2: Tenant
    b1: Tenant
    b2: Tenant
    agent: User
    admin: User
    customer: User

    @property
    def tenants(self) -> list[Tenant]:
        return [self.a1, self.a2, self.b1, self.b2]


def make_tenant(direction: SalesDirection, key: str) -> Tenant:
    organisation = factories.PartnerOrganisationFactory.create(
        name=f"Organisation {key.upper()}", direction=direction
    )
    domain = f"{key}.partner.test"
    factories.PartnerEmailDomainFactory.create(organisation=organisation, domain=domain)
    member = factories.UserFactory.create(email=f"member@{domain}")
    supervisor = factories.UserFactory.create(email=f"supervisor@{domain}")
    factories.PartnerMembershipFactory.create(user=member, organisation=organisation)
    factories.PartnerMembershipFactory.create(
        user=supervisor, organisation=organisation, role=PartnerRole.SUPERVISOR
    )
    return Tenant(organisation=organisation, member=member, supervisor=supervisor)


def build_world() -> World:
    direction_a = factories.SalesDirectionFactory.create(slug="alpha", name="Alpha")
    direction_b = factories.SalesDirectionFactory.create(slug="beta", name="Beta")
    portal_a = factories.PartnerPortalFactory.create(direction=direction_a)
    portal_b = factories.PartnerPortalFactory.create(direction=direction_b)
    for portal in (portal_a, portal_b):
        PortalSection.objects.bulk_create(
            PortalSection(portal=portal, section=section, position=i)
            for i, section in enumerate(Section.values, start=1)
        )
    agent = factories.UserFactory.create(email="agent@vendor.test", is_staff=True)
    agent.groups.add(Group.objects.get(name=VENDOR_AGENTS))
    assign_perm("partners.work_registrations", agent, direction_a)
    admin = factories.UserFactory.create(
        email="admin@vendor.test", is_staff=True, is_superuser=True
    )
    admin.groups.add(Group.objects.get(name=VENDOR_ADMINS))
    return World(
        direction_a=direction_a,
        direction_b=direction_b,
        portal_a=portal_a,
        portal_b=portal_b,
        a1=make_tenant(direction_a, "a1"),
        a2=make_tenant(direction_a, "a2"),
        b1=make_tenant(direction_b, "b1"),
        b2=make_tenant(direction_b, "b2"),
        agent=agent,
        admin=admin,
        customer=factories.UserFactory.create(email="customer@example.test"),
    )
