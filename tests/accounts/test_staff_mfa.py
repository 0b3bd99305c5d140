"""Vendor staff: password plus TOTP before any admin or back-office page (issue #3)."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.test import Client

from accounts.models import AuthEvent, AuthEventKind
from tests import factories
from tests.accounts.helpers import password_sign_in, totp_code
from tests.world import World

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", ["/admin/", "/admin/partners/partnerorganisation/", "/backoffice/"]
)
def test_staff_without_totp_is_sent_to_set_it_up(client: Client, path: str) -> None:
    staff = factories.UserFactory.create(is_staff=True, is_superuser=True, totp=False)
    client.force_login(staff)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/totp/activate/?next=")


def test_staff_sets_up_totp_gets_recovery_codes_and_opens_admin(client: Client) -> None:
    staff = factories.UserFactory.create(is_staff=True, is_superuser=True, totp=False)
    password_sign_in(client, staff.email)
    response = client.get("/admin/partners/partnerorganisation/")
    assert response["Location"] == (
        "/accounts/2fa/totp/activate/?next=%2Fadmin%2Fpartners%2Fpartnerorganisation%2F"
    )
    # Just signed in: no second password prompt on the way to the set-up.
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert 'action="/accounts/2fa/totp/activate/?next=%2Fadmin%2Fpartners%2F' in page.text
    secret = page.context["form"].secret
    response = client.post(response["Location"], {"code": totp_code(secret)})
    assert response["Location"] == (
        "/accounts/2fa/recovery-codes/?next=%2Fadmin%2Fpartners%2Fpartnerorganisation%2F"
    )
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()
    codes = Authenticator.objects.get(user=staff, type=Authenticator.Type.RECOVERY_CODES)

    page = client.get(response["Location"])
    assert page.status_code == 200
    for code in codes.wrap().get_unused_codes():
        assert code in page.text
    assert page.context["continue_url"] == "/admin/partners/partnerorganisation/"
    assert 'href="/admin/partners/partnerorganisation/"' in page.text
    assert client.get(page.context["continue_url"]).status_code == 200


def test_a_sign_in_long_ago_still_asks_for_the_password_again(client: Client) -> None:
    staff = factories.UserFactory.create(is_staff=True, is_superuser=True, totp=False)
    password_sign_in(client, staff.email)
    session = client.session
    records = session["account_authentication_methods"]
    for record in records:
        record["at"] -= 10 * 60  # older than ACCOUNT_REAUTHENTICATION_TIMEOUT (5 minutes)
    session["account_authentication_methods"] = records
    session.save()
    response = client.get("/accounts/2fa/totp/activate/?next=/admin/")
    assert response["Location"].startswith("/accounts/reauthenticate/")
    response = client.post(response["Location"], {"password": factories.PASSWORD})
    assert response["Location"] == "/accounts/2fa/totp/activate/?next=/admin/"
    assert client.get(response["Location"]).status_code == 200


def test_continue_never_leaves_the_site(client: Client) -> None:
    staff = factories.UserFactory.create(is_staff=True, is_superuser=True, totp=False)
    password_sign_in(client, staff.email)
    url = "/accounts/2fa/totp/activate/?next=https://evil.test/"
    page = client.get(url)
    assert "evil" not in page.context["action_url"]
    client.post(url, {"code": totp_code(page.context["form"].secret)})
    page = client.get("/accounts/2fa/recovery-codes/?next=https://evil.test/")
    assert page.context["continue_url"] == "/"


def test_staff_sign_in_needs_the_authenticator_code(client: Client, world: World) -> None:
    response = password_sign_in(client, world.admin.email, next_url="/admin/")
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert not client.get("/admin/").wsgi_request.user.is_authenticated

    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200
    assert AuthEvent.objects.filter(kind=AuthEventKind.SIGN_IN_FAILED, method="mfa").exists()

    response = client.post(
        "/accounts/2fa/authenticate/", {"code": totp_code(factories.STAFF_TOTP_SECRET)}
    )
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert AuthEvent.objects.get(kind=AuthEventKind.SIGNED_IN).method == "password+mfa"


def test_admin_login_goes_through_allauth(client: Client) -> None:
    response = client.get("/admin/login/?next=/admin/")
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_staff_cannot_sign_in_with_a_code(client: Client, world: World) -> None:
    client.post("/accounts/login/code/", {"email": world.agent.email})

    code = next(
        line.strip()
        for line in mail.outbox[0].body.splitlines()
        if line.strip() and " " not in line.strip()
    )
    response = client.post("/accounts/login/code/confirm/", {"code": code})
    assert response["Location"] == "/accounts/login/"
    assert not client.get("/").wsgi_request.user.is_authenticated
    assert AuthEvent.objects.get(kind=AuthEventKind.SIGN_IN_REFUSED).reason.startswith(
        "staff_method:"
    )


class TestAuthLogAdmin:
    def test_agent_reads_the_log_but_cannot_change_it(self, world: World) -> None:
        event = AuthEvent.objects.create(kind=AuthEventKind.SIGN_IN_FAILED, email="x@y.test")
        client = Client()
        client.force_login(world.agent)
        assert client.get("/admin/accounts/authevent/").status_code == 200
        page = client.get(f"/admin/accounts/authevent/{event.pk}/change/")
        assert page.status_code == 200
        assert 'name="_save"' not in page.text
        assert client.get("/admin/accounts/authevent/add/").status_code == 403
        assert client.post(f"/admin/accounts/authevent/{event.pk}/delete/").status_code == 403
