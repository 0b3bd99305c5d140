"""The admin index groups the account records in one "Accounts" section."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from tests.world import World

pytestmark = pytest.mark.django_db


def test_the_admin_index_has_one_accounts_section_with_the_email_addresses(
    world: World,
) -> None:
    client = Client()
    client.force_login(world.admin)
    html = client.get("/admin/").text
    captions = [
        re.sub(r"<[^>]+>", "", caption).strip()
        for caption in re.findall(r"<caption>(.*?)</caption>", html, re.S)
    ]
    assert captions.count("Accounts") == 1
    section = html[html.index('class="app-accounts') :]
    section = section[: section.index("</table>")]
    assert "Users" in section
    assert "Email addresses" in section
    # The addresses allauth stores are the ones the section lists.
    assert EmailAddress.objects.filter(email=world.a1.member.email).exists()
    listing = client.get("/admin/accounts/emailaddress/").text
    assert world.a1.member.email in listing
