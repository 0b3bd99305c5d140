"""Failed password sign-ins are limited per (address, client), so an attacker who knows an
address locks out only their own attempts; the client address comes from X-Forwarded-For only
through the configured number of trusted proxies (issue #13)."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from accounts.models import AuthEvent, AuthEventKind
from tests.accounts.helpers import password_sign_in
from tests.portal.test_settings import run
from tests.world import World

pytestmark = pytest.mark.django_db

LOCKED = "Too many failed login attempts"
ATTACKER = "203.0.113.9"
PERSON = "198.51.100.7"
PROXY = "10.0.0.2"


def fail_five_times(client: Client, email: str) -> None:
    for _ in range(5):
        response = password_sign_in(client, email, password="wrong")
        assert response.status_code == 200
        assert LOCKED not in response.text


def signed_in(response: object) -> bool:
    return bool(response.wsgi_request.user.is_authenticated)  # type: ignore[attr-defined]  # the test client sets wsgi_request


def test_a_known_person_locked_for_the_attacker_still_signs_in_elsewhere(world: World) -> None:
    attacker = Client(REMOTE_ADDR=ATTACKER)
    fail_five_times(attacker, world.a1.member.email)
    # The attacker is still limited: not even the right password passes from there.
    response = password_sign_in(attacker, world.a1.member.email)
    assert LOCKED in response.text
    assert not signed_in(response)

    response = password_sign_in(Client(REMOTE_ADDR=PERSON), world.a1.member.email)
    assert response.status_code == 302
    assert signed_in(response)


def test_the_attacker_is_still_limited_across_addresses(world: World) -> None:
    attacker = Client(REMOTE_ADDR=ATTACKER)
    addresses = [f"guess{n}@a1.partner.test" for n in range(10)]
    for email in addresses:
        assert LOCKED not in password_sign_in(attacker, email, password="wrong").text
    # Ten failures a minute per client, whichever addresses they were for.
    response = password_sign_in(attacker, world.b1.member.email)
    assert LOCKED in response.text
    assert not signed_in(response)


def test_a_forged_forwarded_for_is_ignored_without_trusted_proxies(world: World) -> None:
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for n in range(5):
        response = password_sign_in(
            attacker, world.a1.member.email, "wrong", forwarded_for=f"192.0.2.{n}"
        )
        assert LOCKED not in response.text
    response = password_sign_in(
        attacker, world.a1.member.email, "wrong", forwarded_for="192.0.2.99"
    )
    assert LOCKED in response.text
    event = AuthEvent.objects.filter(kind=AuthEventKind.SIGN_IN_FAILED).first()
    assert event is not None
    assert event.ip_address == ATTACKER


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_behind_a_trusted_proxy_the_forwarded_client_counts(world: World) -> None:
    # Everybody arrives from the proxy's address; the proxy appends who it talked to.
    attacker = Client(REMOTE_ADDR=PROXY)
    for _ in range(5):
        password_sign_in(attacker, world.a1.member.email, "wrong", forwarded_for=ATTACKER)
    # Writing another address further left changes nothing: the proxy's entry is the last one.
    response = password_sign_in(
        attacker, world.a1.member.email, forwarded_for=f"192.0.2.1, {ATTACKER}"
    )
    assert LOCKED in response.text
    assert not signed_in(response)
    assert set(
        AuthEvent.objects.filter(kind=AuthEventKind.SIGN_IN_FAILED).values_list(
            "ip_address", flat=True
        )
    ) == {ATTACKER}

    response = password_sign_in(
        Client(REMOTE_ADDR=PROXY), world.a1.member.email, forwarded_for=PERSON
    )
    assert response.status_code == 302
    assert signed_in(response)
    assert AuthEvent.objects.get(kind=AuthEventKind.SIGNED_IN).ip_address == PERSON


def test_the_trusted_proxy_count_is_read_from_the_environment() -> None:
    code = (
        "import django; django.setup(); from allauth import app_settings; "
        "print(app_settings.TRUSTED_PROXY_COUNT)"
    )
    assert run(["-c", code], DEBUG="1", TRUSTED_PROXY_COUNT="2").stdout.strip() == "2"
    # By default X-Forwarded-For is not trusted at all.
    assert run(["-c", code], DEBUG="1").stdout.strip() == "0"
