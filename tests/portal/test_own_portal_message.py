"""A partner user sent from another direction's portal to their own is told why, once, and it
costs the page they land on no query (issue #13)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.world import World

pytestmark = pytest.mark.django_db


def told_why(html: str, world: World) -> int:
    return html.count(f"{world.portal_b.title} is the portal of another sales direction")


def test_the_redirect_to_the_own_portal_says_why_once(world: World) -> None:
    client = Client()
    client.force_login(world.a1.supervisor)
    response = client.get("/p/beta/?scope=all")
    assert response["Location"] == "/p/alpha/?scope=all"

    landed = client.get(response["Location"])
    assert landed.status_code == 200
    assert told_why(landed.text, world) == 1
    assert f"your own portal, {world.portal_a.title}." in landed.text
    assert 'role="alert"' in landed.text
    # Once: the next page does not repeat it.
    assert told_why(client.get("/p/alpha/").text, world) == 0


def test_a_partner_on_their_own_portal_is_told_nothing(world: World) -> None:
    client = Client()
    client.force_login(world.a1.member)
    assert "another sales direction" not in client.get("/p/alpha/").text


def test_the_message_costs_the_landing_page_no_query(world: World) -> None:
    client = Client()
    client.force_login(world.a1.supervisor)
    client.get("/p/alpha/")  # the session's timestamp and the section cache, written once

    with CaptureQueriesContext(connection) as plain:
        client.get("/p/alpha/")
    client.get("/p/beta/")
    with CaptureQueriesContext(connection) as with_message:
        landed = client.get("/p/alpha/")
    assert told_why(landed.text, world) == 1
    assert len(with_message) == len(plain), [query["sql"] for query in with_message]
