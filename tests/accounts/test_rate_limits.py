"""allauth's rate limits are on for sign-in, sign-up, reset and code requests (issue #3)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.accounts.helpers import password_sign_in
from tests.world import World

pytestmark = pytest.mark.django_db


def test_failed_sign_ins_for_one_address_are_throttled(client: Client, world: World) -> None:
    for _ in range(5):
        assert "Too many failed login attempts" not in (
            password_sign_in(client, world.a1.member.email, password="wrong").text
        )
    response = password_sign_in(client, world.a1.member.email)  # even the right password
    assert "Too many failed login attempts" in response.text
    assert not response.wsgi_request.user.is_authenticated


def test_login_code_requests_are_throttled(world: World) -> None:
    # Three codes a minute for one address, whichever browser asks.
    for _ in range(3):
        response = Client().post("/accounts/login/code/", {"email": world.b1.member.email})
        assert response["Location"] == "/accounts/login/code/confirm/"
    response = Client().post("/accounts/login/code/", {"email": world.b1.member.email})
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.text


def test_password_reset_requests_are_throttled(client: Client, world: World) -> None:
    for _ in range(5):
        assert (
            client.post("/accounts/password/reset/", {"email": world.customer.email}).status_code
            == 302
        )
    response = client.post("/accounts/password/reset/", {"email": world.customer.email})
    assert response.status_code == 429


def test_sign_ups_are_throttled(client: Client) -> None:
    for n in range(20):
        client.post(
            "/accounts/signup/",
            {"email": f"c{n}@example.org", "password1": "long-passphrase-1", "password2": "x"},
        )
    response = client.post(
        "/accounts/signup/",
        {"email": "c99@example.org", "password1": "long-passphrase-1", "password2": "x"},
    )
    assert response.status_code == 429
