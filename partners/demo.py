"""The demo data set of the partners domain (see ``manage.py seed_demo``).

Idempotent: every row is looked up by a natural key and updated in place, so running the command
again repairs the demo rather than duplicating it. The accounts and their password are stable;
README documents them and later data sets build on them.
"""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from guardian.shortcuts import assign_perm

from accounts.models import User
from core.migration_helpers import VENDOR_ADMINS, VENDOR_AGENTS
from partners.models import (
    InvoiceOwner,
    PartnerEmailDomain,
    PartnerMembership,
    PartnerOrganisation,
    PartnerPortal,
    PartnerRole,
    PortalSection,
    SalesDirection,
)
from partners.sections import Section

# The demo partners' own Zuora accounts (valid Zuora ids, held by the bundled fake Zuora).
NORTHWIND_ZUORA_ID = "2c92c0f96a1b2c3d016a1b2c3d4e0101"
CONTOSO_ZUORA_ID = "2c92c0f96a1b2c3d016a1b2c3d4e0102"
FABRIKAM_ZUORA_ID = "2c92c0f96a1b2c3d016a1b2c3d4e0103"

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105  # the documented demo password


@dataclass
class PartnersDemo:
    enterprise: SalesDirection
    smb: SalesDirection
    northwind: PartnerOrganisation
    contoso: PartnerOrganisation
    users: dict[str, User]


def demo_user(email: str, *, first_name: str, last_name: str, **flags: bool) -> User:
    user, _ = User.objects.update_or_create(
        email=email, defaults={"first_name": first_name, "last_name": last_name, **flags}
    )
    user.set_password(DEMO_PASSWORD)
    user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def demo_direction(slug: str, name: str, *, path_name: str, active: bool) -> SalesDirection:
    direction, _ = SalesDirection.objects.update_or_create(slug=slug, defaults={"name": name})
    portal, created = PartnerPortal.objects.update_or_create(
        direction=direction,
        defaults={"path_name": path_name, "title": f"{name} partner portal", "is_active": active},
    )
    if created or not portal.sections.exists():
        PortalSection.objects.bulk_create(
            PortalSection(portal=portal, section=section, position=position)
            for position, section in enumerate(Section.values, start=1)
        )
    return direction


def demo_organisation(
    name: str, *, direction: SalesDirection, domain: str, **fields: object
) -> PartnerOrganisation:
    organisation, _ = PartnerOrganisation.objects.update_or_create(
        name=name, defaults={"direction": direction, "is_active": True, **fields}
    )
    PartnerEmailDomain.objects.update_or_create(
        domain=domain, defaults={"organisation": organisation}
    )
    return organisation


def demo_member(user: User, organisation: PartnerOrganisation, role: str) -> None:
    PartnerMembership.objects.update_or_create(
        user=user, defaults={"organisation": organisation, "role": role, "is_active": True}
    )


def seed() -> PartnersDemo:
    enterprise = demo_direction("enterprise", "Enterprise", path_name="enterprise", active=True)
    smb = demo_direction("smb", "Small and medium business", path_name="smb", active=True)
    demo_direction("public-sector", "Public sector", path_name="public-sector", active=False)

    northwind = demo_organisation(
        "Northwind Resellers",
        direction=enterprise,
        domain="northwind.example",
        zuora_account_id=NORTHWIND_ZUORA_ID,
        zuora_account_currency="EUR",
        salesforce_account_id="001000000000101AAA",
        invoice_owner=InvoiceOwner.PARTNER,
        one_to_one_account_mapping=True,
    )
    contoso = demo_organisation(
        "Contoso Partners",
        direction=smb,
        domain="contoso.example",
        zuora_account_id=CONTOSO_ZUORA_ID,
        zuora_account_currency="EUR",
        salesforce_account_id="",
        invoice_owner=InvoiceOwner.END_CUSTOMER,
        one_to_one_account_mapping=False,
    )

    users = {
        "alice": demo_user("alice@northwind.example", first_name="Alice", last_name="Archer"),
        "sam": demo_user("sam@northwind.example", first_name="Sam", last_name="Sterling"),
        "bob": demo_user("bob@contoso.example", first_name="Bob", last_name="Baker"),
        "agent": demo_user(
            "agent@vendor.example", first_name="Avery", last_name="Agent", is_staff=True
        ),
        "admin": demo_user(
            "admin@vendor.example",
            first_name="Ada",
            last_name="Admin",
            is_staff=True,
            is_superuser=True,
        ),
        "carol": demo_user("carol@customer.example", first_name="Carol", last_name="Customer"),
    }
    demo_member(users["alice"], northwind, PartnerRole.MEMBER)
    demo_member(users["sam"], northwind, PartnerRole.SUPERVISOR)
    demo_member(users["bob"], contoso, PartnerRole.MEMBER)
    users["agent"].groups.add(Group.objects.get(name=VENDOR_AGENTS))
    users["admin"].groups.add(Group.objects.get(name=VENDOR_ADMINS))
    assign_perm("partners.work_registrations", users["agent"], enterprise)
    return PartnersDemo(
        enterprise=enterprise, smb=smb, northwind=northwind, contoso=contoso, users=users
    )
