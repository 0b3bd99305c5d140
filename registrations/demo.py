"""The demo data set of the registrations domain (``manage.py seed_demo`` calls ``seed``).

Registrations in every state for both demo organisations, made through the services so that
their activity feeds, opportunities and CRM records are what the product itself would write.
Idempotent: a registration is looked up by (organisation, name) and left alone if it exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

from accounts.models import User
from partners.demo import PartnersDemo
from partners.models import PartnerOrganisation
from registrations import services
from registrations.models import Company, CompanyLink, Contact, OpportunityRegistration, Side
from registrations.services import RegistrationData
from registrations.states import OpportunityStage, RegistrationState


@dataclass(frozen=True)
class DemoCompany:
    name: str
    website: str
    tin: str
    contact: tuple[str, str, str]  # first name, last name, email


ALPINE = DemoCompany(
    "Alpine Ski House",
    "alpineskihouse.example",
    "100000001",
    ("Fiona", "Fisher", "fiona@alpineskihouse.example"),
)
TAILSPIN = DemoCompany(
    "Tailspin Toys", "tailspin.example", "1000000002", ("Tom", "Taylor", "tom@tailspin.example")
)


def demo_company(spec: DemoCompany, *organisations: PartnerOrganisation) -> Company:
    company, _ = Company.objects.get_or_create(
        tin=spec.tin, defaults={"name": spec.name, "website": spec.website}
    )
    first, last, email = spec.contact
    Contact.objects.get_or_create(
        company=company, email=email, defaults={"first_name": first, "last_name": last}
    )
    for organisation in organisations:
        CompanyLink.objects.get_or_create(company=company, organisation=organisation)
    return company


def _existing(company: Company) -> dict[str, Any]:
    return {
        "new_company": False,
        "company": company,
        "new_contact": False,
        "contact": company.contacts.order_by("pk").first(),
    }


def _new(name: str, website: str, tin: str, contact: tuple[str, str]) -> dict[str, Any]:
    first, last = contact
    return {
        "new_company": True,
        "company_name": name,
        "company_website": website,
        "company_tin": tin,
        "new_contact": True,
        "contact_first_name": first,
        "contact_last_name": last,
        "contact_email": f"{first.lower()}@{website}",
        "contact_phone": "+442079460958",
    }


def register(
    *,
    organisation: PartnerOrganisation,
    author: User,
    agent: User,
    name: str,
    target: str,
    company: dict[str, Any],
    comment: str = "",
    days: int = 60,
    reason: str = "",
    agent_comment: str = "",
) -> OpportunityRegistration:
    existing = OpportunityRegistration.objects.filter(organisation=organisation, name=name).first()
    if existing is not None:
        return existing
    data = RegistrationData(
        name=name,
        product="Subscriptions, annual plan",
        representative=author,
        budget="About 40,000 EUR a year",
        expected_close_date=timezone.localdate() + timedelta(days=days),
        customer_requirements="Single sign-on, EU data residency, 200 seats in the first year.",
        **company,
    )
    registration = services.registration_submit(
        partner=organisation, actor=author, data=data, comment=comment
    )
    if target == RegistrationState.SUBMITTED:
        return registration
    services.registration_start_review(registration=registration, actor=agent)
    if agent_comment:
        services.comment_add(
            registration=registration, actor=agent, body=agent_comment, side=Side.VENDOR
        )
    services.comment_add(
        registration=registration,
        actor=agent,
        side=Side.VENDOR,
        kind="work_note",
        body="Checked the CRM: no other partner works this account.",
    )
    if target == RegistrationState.QUALIFIED:
        services.registration_qualify(
            registration=registration,
            actor=agent,
            stage=OpportunityStage.PROPOSAL,
            comment="Welcome aboard: I set up the opportunity, let's schedule the proposal.",
        )
    elif target == RegistrationState.REJECTED:
        services.registration_reject(registration=registration, actor=agent, reason=reason)
    elif target == RegistrationState.MORE_INFO:
        services.registration_request_info(registration=registration, actor=agent, reason=reason)
    return registration


def seed(partners_demo: PartnersDemo) -> None:
    users = partners_demo.users
    northwind, contoso = partners_demo.northwind, partners_demo.contoso
    agent, admin = users["agent"], users["admin"]
    alpine = demo_company(ALPINE, northwind, contoso)
    tailspin = demo_company(TAILSPIN, contoso)

    alice, sam, bob = users["alice"], users["sam"], users["bob"]
    S = RegistrationState
    register(
        organisation=northwind,
        author=alice,
        agent=agent,
        name="Alpine CRM rollout",
        target=S.SUBMITTED,
        company=_existing(alpine),
        comment="The customer's CIO asked for a demo next month.",
    )
    register(
        organisation=northwind,
        author=alice,
        agent=agent,
        name="Adatum data platform",
        target=S.IN_REVIEW,
        company=_new("Adatum Corporation", "adatum.example", "200000001", ("Adam", "Adams")),
        agent_comment="Thanks, looking into it this week.",
    )
    register(
        organisation=northwind,
        author=sam,
        agent=agent,
        name="Litware analytics",
        target=S.QUALIFIED,
        company=_new("Litware Inc", "litware.example", "2000000002", ("Lena", "Lind")),
    )
    register(
        organisation=northwind,
        author=alice,
        agent=agent,
        name="Litware analytics expansion",
        target=S.QUALIFIED,
        company=_new("Lucerne Publishing", "lucerne.example", "200000000003", ("Luc", "Laurent")),
        comment="Follow-up to the analytics deal.",
    )
    register(
        organisation=northwind,
        author=alice,
        agent=agent,
        name="Alpine support renewal",
        target=S.MORE_INFO,
        company=_existing(alpine),
        reason="Which support tier does the customer need, and for how many seats?",
    )
    register(
        organisation=northwind,
        author=sam,
        agent=agent,
        name="Proseware pilot",
        target=S.REJECTED,
        company=_new("Proseware Inc", "proseware.example", "200000004", ("Pia", "Price")),
        reason="The customer buys directly from us under an existing agreement.",
    )

    register(
        organisation=contoso,
        author=bob,
        agent=admin,
        name="Tailspin subscriptions",
        target=S.SUBMITTED,
        company=_existing(tailspin),
    )
    register(
        organisation=contoso,
        author=bob,
        agent=admin,
        name="Wingtip expansion",
        target=S.IN_REVIEW,
        company=_new("Wingtip Toys", "wingtip.example", "300000001", ("Will", "Wong")),
    )
    register(
        organisation=contoso,
        author=bob,
        agent=admin,
        name="Woodgrove migration",
        target=S.QUALIFIED,
        company=_new("Woodgrove Bank", "woodgrove.example", "3000000002", ("Wendy", "Wood")),
        agent_comment="Good fit for the SMB bundle.",
    )
    register(
        organisation=contoso,
        author=bob,
        agent=admin,
        name="Tailspin add-on",
        target=S.MORE_INFO,
        company=_existing(tailspin),
        reason="Please attach the customer's current licence overview.",
    )
    register(
        organisation=contoso,
        author=bob,
        agent=admin,
        name="Coho trial",
        target=S.REJECTED,
        company=_new("Coho Winery", "coho.example", "300000003", ("Cora", "Cole")),
        reason="Trials are not eligible for deal registration.",
    )
    # Contoso names the company Northwind already has an open registration for: the agents
    # see the conflict flag on both, the partners see nothing of it.
    register(
        organisation=contoso,
        author=bob,
        agent=admin,
        name="Alpine EU branch",
        target=S.SUBMITTED,
        company=_existing(alpine),
    )
