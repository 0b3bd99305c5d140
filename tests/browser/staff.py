"""Vendor staff in the browser tests."""

from __future__ import annotations

from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client
from playwright.sync_api import Browser, BrowserContext

from accounts.models import User
from tests.factories import STAFF_TOTP_SECRET


def staff_context(browser: Browser, base: str, user: User) -> BrowserContext:
    """A browser context signed in as ``user``, who has an authenticator as staff must.

    Staff sign-in with an authenticator code is issue #3's and tested there; here the staff
    member comes with a session of their own.
    """
    TOTP.activate(user, STAFF_TOTP_SECRET)
    client = Client()
    client.force_login(user)
    context = browser.new_context()
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
    )
    return context
