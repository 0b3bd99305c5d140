"""A vendor staff member's first sign-in in a real browser (issue #13): address, password, then
straight to the authenticator set-up (no second password prompt), the recovery codes on the
way, and *Continue* lands on the admin page they asked for."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import Page, expect

from accounts.models import User
from tests import factories
from tests.accounts.helpers import totp_code

pytestmark = pytest.mark.django_db(transaction=True)

TARGET = "/admin/partners/partnerorganisation/"


@pytest.fixture
def new_staff() -> User:
    return factories.UserFactory.create(
        email="new.admin@vendor.example", is_staff=True, is_superuser=True, totp=False
    )


def test_staff_first_sign_in_sets_up_the_authenticator_and_lands_where_they_were_going(
    page: Page, live_server: object, new_staff: User
) -> None:
    base = str(live_server)
    page.goto(f"{base}{TARGET}")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Email").fill(new_staff.email)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign In").click()

    # Straight to the set-up: the password just typed is not asked for again.
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/\?next="))
    expect(page.get_by_role("heading", name="Activate Authenticator App")).to_be_visible()
    expect(page.get_by_text("Vendor staff need an authenticator app")).to_be_visible()
    expect(page.get_by_label("Password")).to_have_count(0)
    secret = page.get_by_label("Authenticator secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()

    # The recovery codes on the way, every one of them, and a clear way on.
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/\?next="))
    codes = Authenticator.objects.get(user=new_staff, type=Authenticator.Type.RECOVERY_CODES)
    shown = page.get_by_label("Unused codes").input_value().split()
    assert shown == codes.wrap().get_unused_codes()
    page.get_by_role("link", name="Continue").click()

    expect(page).to_have_url(f"{base}{TARGET}")
    expect(
        page.get_by_role("heading", name="Select partner organisation to change")
    ).to_be_visible()
