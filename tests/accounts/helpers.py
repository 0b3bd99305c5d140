"""Small helpers for sign-in tests that go through allauth's real views."""

from __future__ import annotations

import time
from typing import Any

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.test import Client

from tests.factories import PASSWORD


def password_sign_in(
    client: Client,
    email: str,
    password: str = PASSWORD,
    next_url: str = "",
    *,
    forwarded_for: str = "",
) -> Any:
    """Post address and password to the sign-in page (its second step), through a proxy that
    says it forwards for ``forwarded_for`` if one is given."""
    data = {"login": email, "password": password}
    if next_url:
        data["next"] = next_url
    headers = {"x-forwarded-for": forwarded_for} if forwarded_for else {}
    return client.post("/accounts/login/", data, headers=headers)


def email_step(client: Client, email: str, next_url: str = "") -> Any:
    data = {"step": "email", "login": email}
    if next_url:
        data["next"] = next_url
    # Browsers always send Host; python3-saml reads it (the test client leaves it out).
    return client.post("/accounts/login/", data, headers={"host": "testserver"})


TOTP_PERIOD = 30
# allauth accepts the code of the current 30-second window only (MFA_TOTP_TOLERANCE 0): a code
# worked out just before a window ends may be checked after it, in a browser typing it key by
# key (a flake CI met once). Codes for "now" are worked out with this much of the window left.
TOTP_MARGIN = 10


def totp_code(secret: str, at: float | None = None) -> str:
    """The authenticator's code at ``at``, or now: then, when fewer than ``TOTP_MARGIN`` seconds
    of the window are left, the next window's code, once it has begun."""
    if at is None:
        left = TOTP_PERIOD - time.time() % TOTP_PERIOD
        if left < TOTP_MARGIN:
            time.sleep(left + 0.05)
        at = time.time()
    return format_hotp_value(hotp_value(secret, int(at // TOTP_PERIOD)))
