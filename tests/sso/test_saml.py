"""SAML 2.0 sign-in: a pysaml2 identity provider's responses, carried as a browser would.

The portal runs allauth's SAML provider (python3-saml) with this organisation's IdP settings.
Accepted: a response signed with the IdP's key (SHA-256) for an AuthnRequest this browser's
session started. Refused: unsigned, expired, addressed to another service provider or URL,
replayed, signed by another key, and any address outside the organisation's domains.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.test import Client, override_settings

from accounts.models import AuthEvent, AuthEventKind, User
from partners.models import PartnerMembership, PartnerRole
from sso.models import IdentityProvider
from tests import factories
from tests.accounts.helpers import email_step
from tests.sso.saml_idp import ENTITY_ID, GROUPS, SSO_URL, AuthnRequest, TestIdentityProvider
from tests.world import World

pytestmark = pytest.mark.django_db

SUPERVISORS = "a1-partner-supervisors"


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> TestIdentityProvider:
    return TestIdentityProvider(tmp_path_factory.mktemp("saml-idp"))


@pytest.fixture
def provider(world: World, idp: TestIdentityProvider) -> IdentityProvider:
    provider = factories.IdentityProviderFactory.create(
        organisation=world.a1.organisation,
        slug="a1-saml",
        saml_entity_id=ENTITY_ID,
        saml_sso_url=SSO_URL,
        saml_x509cert=idp.certificate_pem,
        groups_claim=GROUPS,
        supervisor_group=SUPERVISORS,
        sso_required=True,
    )
    metadata = Client().get("/accounts/saml/a1-saml/metadata/", headers={"host": "testserver"})
    assert metadata.status_code == 200
    if metadata.text not in idp._sp_metadata:
        idp.trust_sp(metadata.text)
    return provider


@dataclass
class Browser:
    client: Client
    request: AuthnRequest


OUR_ENTITY_ID = "http://testserver/accounts/saml/a1-saml/metadata/"


def our_metadata(idp: TestIdentityProvider) -> str:
    """Our service provider's metadata as the IdP trusts it (the IdP may trust others too: one
    test adds another service provider, so the last one trusted need not be ours)."""
    return next(
        metadata
        for metadata in reversed(idp._sp_metadata)
        if f'entityID="{OUR_ENTITY_ID}"' in metadata
    )


def begin(idp: TestIdentityProvider, email: str, next_url: str = "") -> Browser:
    """Type the address on the sign-in page; the portal sends the browser to the IdP."""
    client = Client(headers={"host": "testserver"})
    response = email_step(client, email, next_url=next_url)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{SSO_URL}?SAMLRequest=")
    return Browser(client=client, request=idp.read_request(response["Location"]))


def post_response(browser: Browser, saml_response: str) -> Any:
    """The browser posts the IdP's response to the ACS URL and follows the portal's redirect."""
    acs = browser.client.post(
        "/accounts/saml/a1-saml/acs/",
        {"SAMLResponse": saml_response, "RelayState": browser.request.relay_state},
        headers={"host": "testserver"},
    )
    assert acs["Location"] == "/accounts/saml/a1-saml/acs/finish/"
    return browser.client.get(acs["Location"], headers={"host": "testserver"})


def sign_in(
    idp: TestIdentityProvider,
    email: str,
    groups: list[str],
    uid: str = "uid-1",
    typed: str = "someone@a1.partner.test",
    **kwargs: Any,
) -> tuple[Browser, Any]:
    """Sign in at the IdP as ``email`` after typing ``typed`` (an A1 address) on our page."""
    browser = begin(idp, typed)
    response = post_response(
        browser, idp.response(browser.request, uid=uid, email=email, groups=groups, **kwargs)
    )
    return browser, response


def signed_in(browser: Browser) -> bool:
    return bool(
        browser.client.get("/", headers={"host": "testserver"}).wsgi_request.user.is_authenticated
    )


def failure_reason() -> str:
    return AuthEvent.objects.get(kind=AuthEventKind.SIGN_IN_FAILED).reason


class TestAccepted:
    def test_first_sign_in_provisions_a_supervisor(
        self, idp: TestIdentityProvider, provider: IdentityProvider, world: World
    ) -> None:
        browser, response = sign_in(idp, "dana@a1.partner.test", [SUPERVISORS, "everyone"])
        assert response.status_code == 302
        assert browser.client.get("/", headers={"host": "testserver"})["Location"] == "/p/alpha/"
        membership = PartnerMembership.objects.get(user__email="dana@a1.partner.test")
        assert (membership.organisation, membership.role) == (
            world.a1.organisation,
            PartnerRole.SUPERVISOR,
        )
        user = membership.user
        assert not user.has_usable_password()
        assert EmailAddress.objects.get(user=user).verified
        event = AuthEvent.objects.get(kind=AuthEventKind.SIGNED_IN)
        assert (event.user, event.method, event.provider) == (user, "saml", "a1-saml")

    def test_later_sign_in_updates_the_role(
        self, idp: TestIdentityProvider, provider: IdentityProvider
    ) -> None:
        sign_in(idp, "dana@a1.partner.test", [SUPERVISORS])
        _, response = sign_in(idp, "dana@a1.partner.test", ["everyone"])
        assert response.status_code == 302
        assert PartnerMembership.objects.get(user__email="dana@a1.partner.test").role == (
            PartnerRole.MEMBER
        )
        assert User.objects.filter(email="dana@a1.partner.test").count() == 1

    def test_existing_member_is_matched_by_address(
        self, idp: TestIdentityProvider, provider: IdentityProvider, world: World
    ) -> None:
        # SSO is required, yet their existing account (made by an admin) is used.
        browser, response = sign_in(idp, world.a1.member.email, [SUPERVISORS], uid="member-1")
        assert response.status_code == 302
        assert browser.client.get("/p/alpha/", headers={"host": "testserver"}).status_code == 200
        world.a1.member.partner_membership.refresh_from_db()
        assert world.a1.member.partner_membership.role == PartnerRole.SUPERVISOR

    def test_lands_where_it_was_going(
        self, idp: TestIdentityProvider, provider: IdentityProvider
    ) -> None:
        browser = begin(idp, "erik@a1.partner.test", next_url="/p/beta/")
        response = post_response(
            browser,
            idp.response(browser.request, uid="e", email="erik@a1.partner.test", groups=[]),
        )
        assert response["Location"] == "/p/beta/"
        # Another direction's portal: the same page of their own.
        assert browser.client.get("/p/beta/", headers={"host": "testserver"})["Location"] == (
            "/p/alpha/"
        )


class TestRefusedResponses:
    def test_unsigned(self, idp: TestIdentityProvider, provider: IdentityProvider) -> None:
        _, response = sign_in(idp, "dana@a1.partner.test", [], signed=False)
        assert response.status_code == 401
        assert not User.objects.filter(email="dana@a1.partner.test").exists()
        assert "not signed" in failure_reason()

    def test_expired(self, idp: TestIdentityProvider, provider: IdentityProvider) -> None:
        stale = idp.with_lifetime(-10)
        browser = begin(idp, "dana@a1.partner.test")
        response = post_response(
            browser,
            stale.response(browser.request, uid="d", email="dana@a1.partner.test", groups=[]),
        )
        assert response.status_code == 401
        assert not User.objects.filter(email="dana@a1.partner.test").exists()
        assert "expired" in failure_reason().lower()

    def test_addressed_to_another_url(
        self, idp: TestIdentityProvider, provider: IdentityProvider
    ) -> None:
        _, response = sign_in(
            idp, "dana@a1.partner.test", [], destination="https://elsewhere.test/acs/"
        )
        assert response.status_code == 401
        assert not User.objects.filter(email="dana@a1.partner.test").exists()
        assert "instead of https://elsewhere.test/acs/" in failure_reason()

    def test_addressed_to_another_service_provider(
        self, idp: TestIdentityProvider, provider: IdentityProvider
    ) -> None:
        other = "https://other-sp.test/metadata/"
        # The IdP also serves another service provider; its assertion for that one arrives here.
        ours = our_metadata(idp)
        if not any(other in metadata for metadata in idp._sp_metadata):
            idp.trust_sp(ours.replace("http://testserver/accounts/saml/a1-saml/metadata/", other))
        _, response = sign_in(idp, "dana@a1.partner.test", [], audience=other)
        assert response.status_code == 401
        assert "audience" in failure_reason().lower()

    def test_replayed_in_another_browser(
        self, idp: TestIdentityProvider, provider: IdentityProvider
    ) -> None:
        browser = begin(idp, "dana@a1.partner.test")
        saml_response = idp.response(
            browser.request, uid="d", email="dana@a1.partner.test", groups=[]
        )
        assert post_response(browser, saml_response).status_code == 302
        thief = Browser(client=Client(headers={"host": "testserver"}), request=browser.request)
        with override_settings(DEBUG=False):
            response = post_response(thief, saml_response)
        assert response.status_code == 403
        # The Sign-in refused page in the site's layout, not a bare "403 Forbidden".
        assert 'data-testid="sso-refused-heading"' in response.text
        assert 'aria-label="Main"' in response.text
        assert "state" in failure_reason()
        assert not signed_in(thief)

    def test_replayed_in_the_same_browser(
        self, idp: TestIdentityProvider, provider: IdentityProvider
    ) -> None:
        browser = begin(idp, "dana@a1.partner.test")
        saml_response = idp.response(
            browser.request, uid="d", email="dana@a1.partner.test", groups=[]
        )
        assert post_response(browser, saml_response).status_code == 302
        browser.client.post("/accounts/logout/", headers={"host": "testserver"})
        response = post_response(browser, saml_response)
        assert response.status_code == 403
        assert "already used, or this browser did not start it" in response.text
        assert "state" in failure_reason()
        assert not signed_in(browser)

    def test_unsolicited(self, idp: TestIdentityProvider, provider: IdentityProvider) -> None:
        # IdP-initiated: a signed response that answers no request of this browser.
        browser = Browser(
            client=Client(headers={"host": "testserver"}),
            request=AuthnRequest(
                id="",
                acs_url="http://testserver/accounts/saml/a1-saml/acs/",
                sp_entity_id="http://testserver/accounts/saml/a1-saml/metadata/",
                relay_state="/p/alpha/",
            ),
        )
        response = post_response(
            browser,
            idp.response(browser.request, uid="d", email="dana@a1.partner.test", groups=[]),
        )
        assert response.status_code == 401
        assert not signed_in(browser)
        assert not User.objects.filter(email="dana@a1.partner.test").exists()
        assert AuthEvent.objects.filter(kind=AuthEventKind.SIGN_IN_FAILED).exists()

    def test_signed_by_another_key(
        self, tmp_path: Path, idp: TestIdentityProvider, provider: IdentityProvider
    ) -> None:
        impostor = TestIdentityProvider(tmp_path)
        impostor.trust_sp(our_metadata(idp))
        browser = begin(idp, "dana@a1.partner.test")
        response = post_response(
            browser,
            impostor.response(browser.request, uid="d", email="dana@a1.partner.test", groups=[]),
        )
        assert response.status_code == 401
        assert not User.objects.filter(email="dana@a1.partner.test").exists()


class TestRefusedPeople:
    """Protocol-valid responses the organisation's provider may still not sign in."""

    def refused(self, response: Any, code: str) -> None:
        assert response.status_code == 403
        assert "Sign-in refused" in response.text
        event = AuthEvent.objects.get(kind=AuthEventKind.SSO_REFUSED)
        assert event.reason.startswith(f"{code}:"), event.reason
        assert event.provider == "a1-saml"

    def test_address_of_another_organisation(
        self, idp: TestIdentityProvider, provider: IdentityProvider
    ) -> None:
        _, response = sign_in(idp, "someone@a2.partner.test", [SUPERVISORS])
        self.refused(response, "wrong_domain")
        assert "is not an address of Organisation A1" in response.text
        assert not User.objects.filter(email="someone@a2.partner.test").exists()

    def test_address_of_no_organisation(
        self, idp: TestIdentityProvider, provider: IdentityProvider
    ) -> None:
        _, response = sign_in(idp, "someone@webmail.test", [])
        self.refused(response, "wrong_domain")

    def test_member_of_another_organisation(
        self, idp: TestIdentityProvider, provider: IdentityProvider, world: World
    ) -> None:
        # Possible when a domain moved between organisations after people joined.
        moved = factories.UserFactory.create(email="moved@a1.partner.test")
        factories.PartnerMembershipFactory.create(user=moved, organisation=world.a2.organisation)
        _, response = sign_in(idp, moved.email, [SUPERVISORS])
        self.refused(response, "other_organisation")
        assert moved.partner_membership.organisation == world.a2.organisation

    def test_deactivated_membership(
        self, idp: TestIdentityProvider, provider: IdentityProvider, world: World
    ) -> None:
        membership = world.a1.supervisor.partner_membership
        membership.is_active = False
        membership.save()
        browser, response = sign_in(idp, world.a1.supervisor.email, [SUPERVISORS])
        self.refused(response, "membership_inactive")
        assert not signed_in(browser)
        membership.refresh_from_db()
        assert not membership.is_active

    def test_vendor_staff(self, idp: TestIdentityProvider, provider: IdentityProvider) -> None:
        factories.UserFactory.create(email="staff@a1.partner.test", is_staff=True)
        _, response = sign_in(idp, "staff@a1.partner.test", [])
        self.refused(response, "staff")

    def test_deactivation_ends_an_sso_session(
        self, idp: TestIdentityProvider, provider: IdentityProvider
    ) -> None:
        browser, _ = sign_in(idp, "dana@a1.partner.test", [])
        assert signed_in(browser)
        membership = PartnerMembership.objects.get(user__email="dana@a1.partner.test")
        membership.is_active = False
        membership.save()
        assert not signed_in(browser)
        assert AuthEvent.objects.filter(kind=AuthEventKind.SESSION_ENDED).exists()


class TestUnverifiedAccounts:
    def test_unfinished_sign_up_with_the_address_is_claimed_and_its_password_wiped(
        self, idp: TestIdentityProvider, provider: IdentityProvider
    ) -> None:
        # Somebody signed up with this address (before the domain was a partner's) and never
        # confirmed it. The organisation's provider vouches for the real owner, who gets the
        # account (allauth's email authentication); the squatter's password stops working.
        squatter = User.objects.create_user("dana@a1.partner.test", "squatter-password")
        EmailAddress.objects.create(user=squatter, email=squatter.email, verified=False)
        browser, response = sign_in(idp, "dana@a1.partner.test", [SUPERVISORS])
        assert response.status_code == 302
        assert signed_in(browser)
        squatter.refresh_from_db()
        assert not squatter.has_usable_password()
        assert PartnerMembership.objects.get(user=squatter).role == PartnerRole.SUPERVISOR

    def test_disabled_account_with_the_address_is_refused(
        self, idp: TestIdentityProvider, provider: IdentityProvider
    ) -> None:
        User.objects.create_user("dana@a1.partner.test", None, is_active=False)
        _, response = sign_in(idp, "dana@a1.partner.test", [SUPERVISORS])
        assert response.status_code == 403
        event = AuthEvent.objects.get(kind=AuthEventKind.SSO_REFUSED)
        assert event.reason.split(":")[0] in {"email_taken", "user_inactive"}
        assert User.objects.filter(email="dana@a1.partner.test").count() == 1
