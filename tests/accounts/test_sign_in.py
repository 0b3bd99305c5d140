"""Sign-in for organisations without SSO, end customers and the auth log (issue #3)."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate
from django.core import mail
from django.test import Client

from accounts.models import AuthEvent, AuthEventKind
from partners.models import PartnerPortal
from tests import factories
from tests.accounts.helpers import email_step, password_sign_in
from tests.portal.test_policy import portal_routes
from tests.world import World

# Values for URL converters in made-up paths.
DUMMY = {"int": "1", "str": "x", "slug": "x", "uuid": "00000000-0000-0000-0000-000000000001"}

pytestmark = pytest.mark.django_db


class TestHomeRealmDiscovery:
    def test_sign_in_page_asks_for_the_address_only(self, client: Client) -> None:
        page = client.get("/accounts/login/").text
        assert 'name="login"' in page
        assert 'name="password"' not in page

    def test_address_without_sso_gets_the_password_and_code_form(
        self, client: Client, world: World
    ) -> None:
        response = email_step(client, world.a1.member.email, next_url="/p/alpha/")
        assert response.status_code == 200
        assert 'name="password"' in response.text
        assert world.a1.member.email in response.text
        assert "/accounts/login/code/" in response.text
        assert 'value="/p/alpha/"' in response.text  # the way back is kept

    def test_address_of_an_sso_organisation_goes_to_its_provider(
        self, client: Client, world: World
    ) -> None:
        provider = factories.IdentityProviderFactory.create(organisation=world.a2.organisation)
        response = email_step(client, "someone@a2.partner.test")
        assert response.status_code == 302
        assert response["Location"].startswith(f"{provider.saml_sso_url}?SAMLRequest=")

    def test_inactive_provider_is_not_offered(self, client: Client, world: World) -> None:
        factories.IdentityProviderFactory.create(
            organisation=world.a2.organisation, is_active=False
        )
        response = email_step(client, "someone@a2.partner.test")
        assert response.status_code == 200
        assert 'name="password"' in response.text

    def test_invalid_address_is_asked_again(self, client: Client) -> None:
        response = email_step(client, "not-an-address")
        assert response.status_code == 200
        assert 'name="password"' not in response.text
        assert "valid email address" in response.text


class TestPasswordSignIn:
    def test_partner_lands_on_own_portal_and_is_logged(self, client: Client, world: World) -> None:
        response = password_sign_in(client, world.a1.member.email)
        assert response["Location"] == "/"
        assert client.get("/")["Location"] == "/p/alpha/"
        event = AuthEvent.objects.get(kind=AuthEventKind.SIGNED_IN)
        assert (event.user, event.method, event.organisation) == (
            world.a1.member,
            "password",
            world.a1.organisation,
        )
        assert event.ip_address == "127.0.0.1"

    def test_lands_where_they_were_going(self, client: Client, world: World) -> None:
        response = password_sign_in(client, world.b1.member.email, next_url="/p/beta/?x=1")
        assert response["Location"] == "/p/beta/?x=1"

    def test_partner_heading_for_admin_lands_home_instead(
        self, client: Client, world: World
    ) -> None:
        response = password_sign_in(client, world.a1.member.email, next_url="/admin/")
        assert response["Location"] == "/"

    def test_wrong_password_is_logged_as_failure(self, client: Client, world: World) -> None:
        response = password_sign_in(client, world.a1.member.email, password="wrong-password")
        assert response.status_code == 200
        assert not response.wsgi_request.user.is_authenticated
        event = AuthEvent.objects.get(kind=AuthEventKind.SIGN_IN_FAILED)
        assert (event.email, event.user, event.method) == (
            world.a1.member.email,
            world.a1.member,
            "password",
        )

    def test_sign_out_is_logged(self, client: Client, world: World) -> None:
        password_sign_in(client, world.a1.member.email)
        client.post("/accounts/logout/")
        assert AuthEvent.objects.filter(
            kind=AuthEventKind.SIGNED_OUT, user=world.a1.member
        ).exists()

    def test_deactivated_member_cannot_sign_in(self, client: Client, world: World) -> None:
        membership = world.a1.member.partner_membership
        membership.is_active = False
        membership.save()
        response = password_sign_in(client, world.a1.member.email)
        assert response["Location"] == "/accounts/login/"
        assert not client.get("/account/").wsgi_request.user.is_authenticated
        event = AuthEvent.objects.get(kind=AuthEventKind.SIGN_IN_REFUSED)
        assert event.reason.startswith("deactivated:")

    def test_deactivation_ends_the_session_and_is_logged(
        self, client: Client, world: World
    ) -> None:
        password_sign_in(client, world.a1.member.email)
        assert client.get("/p/alpha/").status_code == 200
        world.a1.organisation.is_active = False
        world.a1.organisation.save()
        response = client.get("/account/")
        assert response["Location"] == "/accounts/login/?next=/account/"
        assert not client.get("/account/").wsgi_request.user.is_authenticated
        assert AuthEvent.objects.filter(
            kind=AuthEventKind.SESSION_ENDED, user=world.a1.member
        ).exists()


class TestLoginByCode:
    def test_organisation_without_sso_may_use_an_emailed_code(
        self, client: Client, world: World
    ) -> None:
        response = client.post("/accounts/login/code/", {"email": world.b2.member.email})
        assert response.status_code == 302
        assert len(mail.outbox) == 1
        body = mail.outbox[0].body
        code = next(
            line.strip() for line in body.splitlines() if line.strip() and " " not in line.strip()
        )
        response = client.post("/accounts/login/code/confirm/", {"code": code})
        assert response.status_code == 302
        assert client.get("/")["Location"] == "/p/beta/"
        assert AuthEvent.objects.get(kind=AuthEventKind.SIGNED_IN).method == "code"


class TestIdleTimeout:
    def test_idle_session_is_signed_out(
        self, client: Client, world: World, settings: object
    ) -> None:
        client.force_login(world.a1.member)
        assert client.get("/p/alpha/").status_code == 200
        session = client.session
        session["portal_last_seen"] -= 31 * 60
        session.save()
        response = client.get("/p/alpha/")
        assert response["Location"] == "/accounts/login/?next=/p/alpha/"
        assert AuthEvent.objects.get(kind=AuthEventKind.SESSION_ENDED).reason == "idle timeout"

    def test_active_session_continues(self, client: Client, world: World) -> None:
        client.force_login(world.a1.member)
        client.get("/p/alpha/")
        session = client.session
        session["portal_last_seen"] -= 29 * 60
        session.save()
        assert client.get("/p/alpha/").status_code == 200


class TestEndCustomers:
    def test_sign_up_verify_sign_in_and_reach_only_account(self, client: Client) -> None:
        response = client.post(
            "/accounts/signup/",
            {
                "email": "new.customer@example.org",
                "password1": "a-long-unusual-passphrase",
                "password2": "a-long-unusual-passphrase",
            },
        )
        assert response["Location"] == "/accounts/confirm-email/"
        # Mandatory verification: no session until the address is confirmed.
        assert password_sign_in(client, "new.customer@example.org", "a-long-unusual-passphrase")[
            "Location"
        ] == ("/accounts/confirm-email/")
        link = next(
            word for word in mail.outbox[-1].body.split() if "/accounts/confirm-email/" in word
        )
        client.post(link.split("testserver", 1)[1])
        response = password_sign_in(client, "new.customer@example.org", "a-long-unusual-passphrase")
        assert client.get("/")["Location"] == "/account/"

    def test_end_customer_cannot_open_any_partner_page(self, client: Client, world: World) -> None:
        # Every route under /p/ (walked from the URL resolver, so new pages are covered), on
        # every active portal, with made-up ids: the policy sends them to /account/ first.
        client.force_login(world.customer)
        routes = portal_routes()
        assert routes
        for portal in PartnerPortal.objects.filter(is_active=True):
            for route in routes:
                path = re.sub(
                    r"<(?:(\w+):)?\w+>", lambda m: DUMMY.get(m[1] or "str", "1"), route.route
                )
                response = client.get(f"{portal.get_absolute_url()}{path}")
                assert response.status_code == 302, (portal, route.route)
                assert response["Location"] == "/account/", (portal, route.route)

    def test_partner_domain_cannot_self_sign_up(self, client: Client, world: World) -> None:
        response = client.post(
            "/accounts/signup/",
            {
                "email": "intruder@a1.partner.test",
                "password1": "a-long-unusual-passphrase",
                "password2": "a-long-unusual-passphrase",
            },
        )
        assert response.status_code == 200
        assert "cannot be used for a customer account" in response.text
        # An anonymous visitor does not learn which partner owns the domain.
        assert "Organisation A1" not in response.text
        assert not authenticate(email="intruder@a1.partner.test", password="x")
        assert not EmailAddress.objects.filter(email="intruder@a1.partner.test").exists()

    def test_password_reset_sends_a_link(self, client: Client, world: World) -> None:
        client.post("/accounts/password/reset/", {"email": world.customer.email})
        assert len(mail.outbox) == 1
        assert "/accounts/password/reset/key/" in mail.outbox[0].body


class TestManagedAddresses:
    def test_partner_user_cannot_add_an_address(self, client: Client, world: World) -> None:
        client.force_login(world.a1.member)
        response = client.post("/accounts/email/", {"action_add": "", "email": "me@mail.test"})
        assert response.status_code == 200
        assert "managed by your organisation" in response.text
        assert not EmailAddress.objects.filter(user=world.a1.member, email="me@mail.test").exists()

    def test_customer_cannot_add_a_partner_domain_address(
        self, client: Client, world: World
    ) -> None:
        client.force_login(world.customer)
        response = client.post(
            "/accounts/email/", {"action_add": "", "email": "me@b1.partner.test"}
        )
        assert "cannot be used for a customer account" in response.text

    def test_customer_adds_another_address(self, client: Client, world: World) -> None:
        client.force_login(world.customer)
        response = client.post("/accounts/email/", {"action_add": "", "email": "me@mail.test"})
        assert response.status_code == 302
        assert EmailAddress.objects.filter(user=world.customer, email="me@mail.test").exists()


def test_unreachable_provider_gets_a_clear_answer_and_a_log_line(
    client: Client, world: World
) -> None:
    from tests.devidp_process import free_port

    # A real connection to a loopback port nobody listens on: refused at once.
    factories.IdentityProviderFactory.create(
        organisation=world.a2.organisation,
        protocol="oidc",
        oidc_server_url=f"http://127.0.0.1:{free_port()}/o",
        oidc_client_id="portal",
    )
    response = email_step(client, "someone@a2.partner.test")
    assert response.status_code == 200
    assert "Your organisation&#x27;s sign-in service cannot be reached right now" in response.text
    assert "Organisation A2" not in response.text
    event = AuthEvent.objects.get(kind=AuthEventKind.SIGN_IN_FAILED)
    assert event.reason.startswith("provider unavailable:")
