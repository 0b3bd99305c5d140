from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from registrations.models import Company, Contact, OpportunityRegistration
from tests import factories
from tests.world import Tenant, World


def new_company_post(**overrides: Any) -> dict[str, Any]:
    """A complete, valid POST of the registration form: new company and new contact."""
    data: dict[str, Any] = {
        "name": "Adatum rollout",
        "product": "Enterprise plan",
        "new_company": "on",
        "company_name": "Adatum Corporation",
        "company_website": "https://www.adatum.example/",
        "company_tin": "123456789",
        "new_contact": "on",
        "contact_first_name": "Ada",
        "contact_last_name": "Lovelace",
        "contact_middle_name": "",
        "contact_email": "ada@adatum.example",
        "contact_phone": "+44 20 7946 0958",
        "budget": "50k a year",
        "expected_close_date": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "customer_requirements": "SSO",
        "comments": "First call went well.",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def existing_company_post(
    company: Company, contact: Contact | None, representative: User, **overrides: Any
) -> dict[str, Any]:
    data = new_company_post(
        new_company=None,
        company_name=None,
        company_website=None,
        company_tin=None,
        new_contact=None,
        contact_first_name=None,
        contact_last_name=None,
        contact_email=None,
        contact_phone=None,
        company=str(company.public_id),
        contact=str(contact.public_id) if contact else "",
        representative=representative.pk,
    )
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def linked_company(tenant: Tenant, **fields: Any) -> tuple[Company, Contact]:
    """A CRM company the tenant may name, with one contact."""
    company = factories.CompanyFactory.create(**fields)
    company.links.create(organisation=tenant.organisation)
    return company, factories.ContactFactory.create(company=company)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def make_registration(
    tenant: Tenant, *, by: User | None = None, **fields: Any
) -> OpportunityRegistration:
    return factories.RegistrationFactory.create(
        organisation=tenant.organisation, created_by=by or tenant.member, **fields
    )


@pytest.fixture
def a1(world: World) -> Tenant:
    return world.a1


def choice_ids(registration: OpportunityRegistration) -> dict[str, str]:
    """The registration's company and contact as the form posts them."""
    if registration.company is None or registration.contact is None:
        raise ValueError("The registration names no existing company and contact.")
    return {
        "company": str(registration.company.public_id),
        "contact": str(registration.contact.public_id),
    }


def streamed(response: Any) -> bytes:
    return b"".join(response.streaming_content)
