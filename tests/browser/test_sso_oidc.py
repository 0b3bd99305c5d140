"""Partner SSO end to end: a real browser, the portal (live_server) and the development OIDC
provider as a separate process, authorization code flow with PKCE over loopback HTTP."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from accounts.models import AuthEvent, AuthEventKind
from partners import demo
from partners.models import PartnerMembership, PartnerOrganisation, PartnerRole
from sso import demo as sso_demo
from tests import factories
from tests.devidp_process import DevIdp

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "idp-pass-2026"
SUPERVISORS = sso_demo.SUPERVISOR_GROUP


@dataclass
class Setting:
    base: str
    idp: DevIdp

    def idp_users(self, *users: tuple[str, list[str]]) -> None:
        self.idp.setup(
            client_id=sso_demo.CLIENT_ID,
            client_secret=sso_demo.CLIENT_SECRET,
            redirect_uri=f"{self.base}/accounts/oidc/{sso_demo.SLUG}/login/callback/",
            users=[(email, PASSWORD, groups) for email, groups in users],
        )


@pytest.fixture(scope="session")
def fabrikam_idp(live_server: object, devidp: DevIdp) -> Setting:
    """Fabrikam's provider knows the portal and these people (once: each change costs a
    process start)."""
    setting = Setting(base=str(live_server), idp=devidp)
    setting.idp_users(
        ("dana@fabrikam.example", [SUPERVISORS, "fabrikam-staff"]),
        ("erik@fabrikam.example", ["fabrikam-staff"]),
        ("olga@fabrikam.example", []),
        ("mallory@elsewhere.example", [SUPERVISORS]),
    )
    return setting


@pytest.fixture
def fabrikam(migration_data: None, fabrikam_idp: Setting) -> Setting:
    partners = demo.seed()
    sso_demo.seed(enterprise=partners.enterprise, issuer=fabrikam_idp.idp.issuer)
    return fabrikam_idp


def sso_sign_in(page: Page, setting: Setting, typed: str, at_idp: str | None = None) -> None:
    """Type ``typed`` on the portal's sign-in page; sign in at the provider as ``at_idp``
    (unless the provider still has a session, as a real one would)."""
    page.goto(f"{setting.base}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Email").fill(typed)
    page.get_by_role("button", name="Continue").click()
    if at_idp is not None:
        expect(page).to_have_url(re.compile(rf"^{re.escape(setting.idp.issuer[:-2])}/login/"))
        page.get_by_label("Username").fill(at_idp)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()


def role_of(email: str) -> str:
    return PartnerMembership.objects.get(user__email=email).role


def test_first_sign_in_provisions_the_supervisor_and_the_next_updates_the_role(
    page: Page, fabrikam: Setting
) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    sso_sign_in(page, fabrikam, "dana@fabrikam.example", at_idp="dana@fabrikam.example")
    expect(page).to_have_url(f"{fabrikam.base}/p/enterprise/")
    expect(page.get_by_test_id("organisation-name")).to_have_text("Fabrikam Telecom")
    assert role_of("dana@fabrikam.example") == PartnerRole.SUPERVISOR

    authorize = next(url for url in requests if url.startswith(f"{fabrikam.idp.issuer}/authorize"))
    assert "code_challenge_method=S256" in authorize
    assert "code_challenge=" in authorize
    assert "login_hint=dana%40fabrikam.example" in authorize
    event = AuthEvent.objects.get(kind=AuthEventKind.SIGNED_IN)
    assert (event.method, event.provider) == ("oidc", "fabrikam")
    assert event.organisation is not None
    assert event.organisation.name == "Fabrikam Telecom"

    # Her provider moves her out of the supervisors group; her next sign-in says so.
    fabrikam.idp_users(("dana@fabrikam.example", ["fabrikam-staff"]))
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    sso_sign_in(page, fabrikam, "dana@fabrikam.example")  # still signed in at the provider
    expect(page).to_have_url(f"{fabrikam.base}/p/enterprise/")
    assert role_of("dana@fabrikam.example") == PartnerRole.MEMBER
    assert PartnerMembership.objects.filter(user__email="dana@fabrikam.example").count() == 1
    fabrikam.idp_users(("dana@fabrikam.example", [SUPERVISORS, "fabrikam-staff"]))  # as before


def test_address_outside_the_organisation_is_refused(page: Page, fabrikam: Setting) -> None:
    sso_sign_in(page, fabrikam, "dana@fabrikam.example", at_idp="mallory@elsewhere.example")
    expect(page.get_by_test_id("sso-refused-message")).to_contain_text(
        "mallory@elsewhere.example is not an address of Fabrikam Telecom"
    )
    assert not PartnerMembership.objects.filter(user__email="mallory@elsewhere.example").exists()
    refusal = AuthEvent.objects.get(kind=AuthEventKind.SSO_REFUSED)
    assert refusal.reason.startswith("wrong_domain:")
    page.goto(f"{fabrikam.base}/p/enterprise/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_member_of_another_organisation_is_refused(page: Page, fabrikam: Setting) -> None:
    northwind = PartnerOrganisation.objects.get(name="Northwind Resellers")
    olga = factories.UserFactory.create(email="olga@fabrikam.example")
    factories.PartnerMembershipFactory.create(user=olga, organisation=northwind)
    sso_sign_in(page, fabrikam, "olga@fabrikam.example", at_idp="olga@fabrikam.example")
    expect(page.get_by_test_id("sso-refused-message")).to_contain_text(
        "is a member of another partner organisation"
    )
    assert PartnerMembership.objects.get(user=olga).organisation == northwind


def test_deactivated_membership_ends_the_session_and_is_refused(
    page: Page, fabrikam: Setting
) -> None:
    sso_sign_in(page, fabrikam, "erik@fabrikam.example", at_idp="erik@fabrikam.example")
    expect(page).to_have_url(f"{fabrikam.base}/p/enterprise/")
    assert role_of("erik@fabrikam.example") == PartnerRole.MEMBER

    membership = PartnerMembership.objects.get(user__email="erik@fabrikam.example")
    membership.is_active = False
    membership.save()  # as the admin's form does
    page.reload()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/p/enterprise/"))

    sso_sign_in(page, fabrikam, "erik@fabrikam.example")
    expect(page.get_by_test_id("sso-refused-message")).to_contain_text("has been deactivated")
