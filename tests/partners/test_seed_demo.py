from __future__ import annotations

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from accounts.models import User
from partners.models import PartnerMembership, PartnerOrganisation, PartnerPortal, SalesDirection

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (User, SalesDirection, PartnerPortal, PartnerOrganisation, PartnerMembership)
    )


def test_seed_demo_creates_the_documented_data_and_is_idempotent() -> None:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    first = counts()
    call_command("seed_demo", stdout=out)
    assert "alice@northwind.example" in out.getvalue()
    assert counts() == first

    portals = {p.path_name: p.is_active for p in PartnerPortal.objects.all()}
    assert portals == {"enterprise": True, "smb": True, "public-sector": False}
    assert (
        PartnerOrganisation.objects.get(name="Northwind Resellers").direction.slug == "enterprise"
    )
    assert PartnerOrganisation.objects.get(name="Contoso Partners").direction.slug == "smb"

    roles = {
        m.user.email: (m.organisation.name, m.role)
        for m in PartnerMembership.objects.select_related("user", "organisation")
    }
    assert roles == {
        "alice@northwind.example": ("Northwind Resellers", "member"),
        "sam@northwind.example": ("Northwind Resellers", "supervisor"),
        "bob@contoso.example": ("Contoso Partners", "member"),
    }
    for email in (
        "alice@northwind.example",
        "sam@northwind.example",
        "bob@contoso.example",
        "agent@vendor.example",
        "admin@vendor.example",
        "carol@customer.example",
    ):
        assert authenticate(email=email, password="demo-pass-2026") is not None, email

    agent = User.objects.get(email="agent@vendor.example")
    assert agent.is_staff
    assert agent.has_perm(
        "partners.work_registrations", SalesDirection.objects.get(slug="enterprise")
    )
    assert not agent.has_perm("partners.work_registrations", SalesDirection.objects.get(slug="smb"))
    assert User.objects.get(email="admin@vendor.example").is_superuser

    # Fabrikam Telecom signs in only through its own provider (bin/demo runs it).
    fabrikam = PartnerOrganisation.objects.get(name="Fabrikam Telecom")
    assert fabrikam.direction.slug == "enterprise"
    assert list(fabrikam.email_domains.values_list("domain", flat=True)) == ["fabrikam.example"]
    provider = fabrikam.identity_provider
    assert (provider.protocol, provider.sso_required, provider.oidc_server_url) == (
        "oidc",
        True,
        "http://127.0.0.1:9000/o",
    )
    assert provider.supervisor_group == "fabrikam-partner-supervisors"
