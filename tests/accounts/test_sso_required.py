"""An organisation that requires SSO: no password, no code, no reset (issue #3)."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core import mail
from django.test import Client

from accounts.models import AuthEvent, AuthEventKind
from sso.models import IdentityProvider
from tests import factories
from tests.accounts.helpers import password_sign_in
from tests.world import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(world: World) -> IdentityProvider:
    return factories.IdentityProviderFactory.create(
        organisation=world.a1.organisation, sso_required=True
    )


def test_password_is_refused_with_a_clear_message(
    client: Client, world: World, provider: IdentityProvider
) -> None:
    response = password_sign_in(client, world.a1.member.email)
    assert response.status_code == 200
    assert "Your organisation requires signing in through its own identity provider" in (
        response.text
    )
    # Said before the password is checked, to anybody: the organisation is not named.
    assert "Organisation A1" not in response.text
    assert not response.wsgi_request.user.is_authenticated
    event = AuthEvent.objects.get(kind=AuthEventKind.SIGN_IN_REFUSED)
    assert (event.email, event.method, event.provider) == (
        world.a1.member.email,
        "password",
        provider.slug,
    )


def test_backends_refuse_the_password_to_any_caller(
    world: World, provider: IdentityProvider
) -> None:
    assert authenticate(email=world.a1.member.email, password=factories.PASSWORD) is None
    assert authenticate(username=world.a1.member.email, password=factories.PASSWORD) is None
    # The other organisation of the direction is unaffected.
    assert authenticate(email=world.a2.member.email, password=factories.PASSWORD) is not None


def test_code_is_refused_and_nothing_is_sent(
    client: Client, world: World, provider: IdentityProvider
) -> None:
    response = client.post("/accounts/login/code/", {"email": world.a1.supervisor.email})
    assert response.status_code == 200
    assert "requires signing in through its own identity provider" in response.text
    assert mail.outbox == []


def test_password_reset_does_nothing(
    client: Client, world: World, provider: IdentityProvider
) -> None:
    response = client.post("/accounts/password/reset/", {"email": world.a1.member.email})
    # Same answer as for anybody (no enumeration), but no mail at all.
    assert response["Location"] == "/accounts/password/reset/done/"
    assert mail.outbox == []
    event = AuthEvent.objects.get(kind=AuthEventKind.SIGN_IN_REFUSED)
    assert event.method == "password_reset"


def test_unknown_address_of_the_domain_is_refused_too(
    client: Client, world: World, provider: IdentityProvider
) -> None:
    client.post("/accounts/password/reset/", {"email": "nobody@a1.partner.test"})
    assert mail.outbox == []


def test_password_session_ends_when_the_organisation_starts_requiring_sso(
    client: Client, world: World
) -> None:
    password_sign_in(client, world.a1.member.email)
    assert client.get("/p/alpha/").status_code == 200
    factories.IdentityProviderFactory.create(organisation=world.a1.organisation, sso_required=True)
    response = client.get("/p/alpha/")
    assert response["Location"] == "/accounts/login/?next=/p/alpha/"
    event = AuthEvent.objects.get(kind=AuthEventKind.SESSION_ENDED)
    assert event.reason.startswith("sso_required:")


def test_sso_without_requirement_leaves_passwords_working(client: Client, world: World) -> None:
    factories.IdentityProviderFactory.create(organisation=world.a1.organisation, sso_required=False)
    response = password_sign_in(client, world.a1.member.email)
    assert response["Location"] == "/"
    assert client.get("/p/alpha/").status_code == 200


def test_inactive_provider_requires_nothing(client: Client, world: World) -> None:
    factories.IdentityProviderFactory.create(
        organisation=world.a1.organisation, sso_required=True, is_active=False
    )
    assert password_sign_in(client, world.a1.member.email)["Location"] == "/"
