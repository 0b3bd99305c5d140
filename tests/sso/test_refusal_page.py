"""An SSO response the portal refuses answers in the site's layout with a way back to sign-in,
in production as in the demo (issue #13): a replayed SAML response gets the *Sign-in refused*
page (403; the replays are in test_saml.py), an OIDC callback with a state this browser never
started gets the *Sign-in failed* page (allauth's 401, our template)."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from accounts.models import AuthEvent, AuthEventKind
from tests import factories
from tests.world import World

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("debug", [False, True])
def test_a_forged_oidc_callback_gets_the_failure_page(world: World, debug: bool) -> None:
    provider = factories.IdentityProviderFactory.create(
        organisation=world.a1.organisation,
        protocol="oidc",
        oidc_server_url="http://127.0.0.1:9/o",
        oidc_client_id="portal",
    )
    with override_settings(DEBUG=debug):
        response = Client().get(
            f"/accounts/oidc/{provider.slug}/login/callback/",
            {"state": "made-up", "code": "stolen"},
        )
    assert response.status_code == 401
    html = response.text
    assert 'data-testid="sso-failed-heading"' in html
    assert "not started in this browser. Nobody was signed in." in html
    assert 'aria-label="Main"' in html  # the site's layout
    assert 'href="/accounts/login/"' in html
    assert "Third-Party Login Failure" not in html
    event = AuthEvent.objects.get(kind=AuthEventKind.SIGN_IN_FAILED)
    assert event.provider == provider.slug
