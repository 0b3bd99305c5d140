from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from integrations.fakes.server import Fakes
from integrations.models import OutboxMessage, OutboxState
from orders.models import Invoice, Order
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


@pytest.mark.django_db(transaction=True)
def test_seed_demo_with_fakes_syncs_the_past_orders(migration_data: None, fakes: Fakes) -> None:
    """The demo's fakes hold what a real tenant would (the partners, the catalogue), and the
    demo's past orders reach them (tasks run in process when no broker is configured)."""
    out = io.StringIO()
    call_command("seed_demo", "--fakes", stdout=out)
    assert "Fake Zuora and Salesforce hold the partners and the catalogue." in out.getvalue()
    zuora = fakes.state("zuora")
    partner_ids = {org.zuora_account_id for org in PartnerOrganisation.objects.all()}
    assert partner_ids <= {account["Id"] for account in zuora["accounts"]}
    assert OutboxMessage.objects.count() == 12  # six past orders, two targets each
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {OutboxState.SUCCEEDED}
    names = {s["Name"] for s in zuora["subscriptions"]}
    assert names == {f"PP-{order.number}" for order in Order.objects.all()}
    assert Invoice.objects.count() == 6
    # carol@customer.example bought from both partners; Contoso bills her, Northwind owns its.
    carol = Client()
    carol.force_login(User.objects.get(email="carol@customer.example"))
    account = carol.get("/account/").text
    assert account.count('data-testid="account-subscription"') == 2
    assert account.count('data-testid="account-invoice"') == 1
    # Seeding again places nothing new and sends nothing twice.
    call_command("seed_demo", "--fakes", stdout=out)
    assert len(fakes.state("zuora")["subscriptions"]) == 6


def test_seed_demo_says_when_the_fakes_cannot_be_reached(settings: Any) -> None:
    closed = "http://127.0.0.1:1"
    settings.ZUORA_ENDPOINT = f"{closed}/apps/services/a/82.0"
    settings.SALESFORCE_INSTANCE_URL = closed
    err = io.StringIO()
    call_command("seed_demo", "--fakes", stdout=io.StringIO(), stderr=err)
    assert "could not be seeded" in err.getvalue()
    assert Order.objects.count() == 6  # the demo data is there all the same


@pytest.mark.django_db(transaction=True)
def test_seed_demo_sums_up_its_notification_emails_in_one_line(
    migration_data: None, settings: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Its tasks run in process (no broker): the registrations' notifications (to the
    partners, and to the agent of what partners submit and comment) are written to MAIL_DIR,
    and the terminal gets one line for them all instead of each message."""
    settings.MAIL_DIR = tmp_path
    settings.MAILERS = {
        "default": {
            "BACKEND": "portal.mail.FileEmailBackend",
            "OPTIONS": {"file_path": str(tmp_path)},
        }
    }
    out = io.StringIO()
    with caplog.at_level(logging.INFO):
        call_command("seed_demo", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[:2] == [
        "Demo data ready.",
        "18 notification emails (to agent@vendor.example, alice@northwind.example, "
        f"bob@contoso.example, sam@northwind.example) are in {tmp_path}/, not printed here.",
    ]
    kept = "".join(path.read_text() for path in tmp_path.iterdir())
    assert kept.count("Message-ID:") == 18
    # What reaches the terminal's handlers: nothing of the messages, nor a line per task.
    shown = {record.name for record in caplog.records}
    assert "portal.mail" not in shown
    assert "celery.app.trace" not in shown
