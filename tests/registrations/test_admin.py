"""Django admin: vendor admins maintain the CRM; registrations are read-only there."""

from __future__ import annotations

import pytest

from registrations.models import Company
from tests.registrations.conftest import client_for, make_registration
from tests.world import World

pytestmark = pytest.mark.django_db


def test_admin_lists_open_for_the_vendor_admin(world: World) -> None:
    make_registration(world.a1)
    client = client_for(world.admin)
    for model in (
        "company",
        "contact",
        "opportunityregistration",
        "opportunity",
        "activityentry",
        "attachment",
    ):
        assert client.get(f"/admin/registrations/{model}/").status_code == 200, model


def test_company_admin_normalises_and_checks_like_the_partner_form(world: World) -> None:
    client = client_for(world.admin)
    data = {
        "name": "  Adatum   Corp ",
        "website": "https://www.Adatum.example/",
        "tin": "123 456 789",
        "links-TOTAL_FORMS": "0",
        "links-INITIAL_FORMS": "0",
        "contacts-TOTAL_FORMS": "0",
        "contacts-INITIAL_FORMS": "0",
    }
    assert client.post("/admin/registrations/company/add/", data).status_code == 302
    company = Company.objects.get()
    assert (company.name, company.website, company.tin) == (
        "Adatum Corp",
        "adatum.example",
        "123456789",
    )
    response = client.post("/admin/registrations/company/add/", {**data, "tin": "12345"})
    assert "A TIN has exactly 9, 10 or 12 digits." in response.text


def test_registrations_cannot_be_changed_in_admin(world: World) -> None:
    registration = make_registration(world.a1)
    client = client_for(world.admin)
    url = f"/admin/registrations/opportunityregistration/{registration.pk}/change/"
    response = client.post(url, {"name": "changed"})
    assert response.status_code == 403
    registration.refresh_from_db()
    assert registration.name != "changed"
