"""What a signed-in portal request costs before its view runs: one query at most, none once
the partner context is cached.

The session comes from the cache; the user comes with their membership, organisation, identity
provider, direction and portal from the cache, or in one query when a change made the cached
context stale (tests/partners/test_context_cache.py); the portal's sections come from a cache
that every section or portal change clears. Deactivation still ends the session at the next
request.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from partners.models import PortalSection
from partners.sections import Section
from partners.selectors import partner_context_changed
from tests.world import World

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.portal.urls_with_sections")]

# tests.portal.urls_with_sections: a portal view that reads only the partner context.
EMPTY_PAGE = "/p/alpha/customers/"


def signed_in(client: Client, world: World) -> Client:
    client.force_login(world.a1.member)
    # The first request writes the idle-timeout timestamp into the session (once a minute).
    assert client.get(EMPTY_PAGE).status_code == 200
    return client


def test_a_signed_in_portal_request_costs_no_query_once_the_context_is_cached(
    world: World, client: Client
) -> None:
    signed_in(client, world)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(EMPTY_PAGE)
    assert response.status_code == 200
    assert response.text == world.a1.organisation.name
    assert [query["sql"] for query in queries] == []


def test_a_signed_in_portal_request_reads_a_stale_context_in_one_query(
    world: World, client: Client
) -> None:
    signed_in(client, world)
    partner_context_changed(user_id=world.a1.member.pk)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(EMPTY_PAGE)
    assert response.status_code == 200
    assert response.text == world.a1.organisation.name
    assert len(queries) == 1, [query["sql"] for query in queries]
    sql = queries[0]["sql"]
    for table in ("accounts_user", "partners_partnermembership", "partners_partnerportal"):
        assert table in sql


def test_the_portal_home_with_its_navigation_adds_only_its_own_query(
    world: World, client: Client
) -> None:
    signed_in(client, world)
    client.get("/p/alpha/")  # the sections, read once into the cache
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/p/alpha/")
    assert response.status_code == 200
    assert response.text.count("data-section=") == 2
    # The partner context and the sections come from the cache (this portal has no pricing
    # section, whose pages would be the view's own query).
    assert [query["sql"] for query in queries] == []


def test_a_new_section_shows_at_the_next_request(world: World, client: Client) -> None:
    signed_in(client, world)
    keys = [link.key for link in client.get("/p/alpha/").context["sections"]]
    PortalSection.objects.filter(portal=world.portal_a, section=Section.REGISTRATIONS).delete()
    after = [link.key for link in client.get("/p/alpha/").context["sections"]]
    assert Section.REGISTRATIONS in keys
    assert Section.REGISTRATIONS not in after
    PortalSection.objects.create(portal=world.portal_a, section=Section.REGISTRATIONS, position=9)
    assert [link.key for link in client.get("/p/alpha/").context["sections"]] == keys


def test_a_deactivated_membership_ends_the_session_at_the_next_request(
    world: World, client: Client
) -> None:
    signed_in(client, world)
    membership = world.a1.member.partner_membership
    membership.is_active = False
    membership.save()
    response = client.get(EMPTY_PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not client.get("/account/").wsgi_request.user.is_authenticated


def test_a_deactivated_portal_answers_404_at_the_next_request(world: World, client: Client) -> None:
    signed_in(client, world)
    world.portal_a.is_active = False
    world.portal_a.save()
    assert client.get(EMPTY_PAGE).status_code == 404


def test_a_deactivated_user_is_signed_out_at_the_next_request(world: World, client: Client) -> None:
    signed_in(client, world)
    world.a1.member.is_active = False
    world.a1.member.save()
    assert not client.get(EMPTY_PAGE).wsgi_request.user.is_authenticated


def test_a_deactivated_organisation_ends_the_session_at_the_next_request(
    world: World, client: Client
) -> None:
    signed_in(client, world)
    world.a1.organisation.is_active = False
    world.a1.organisation.save()
    response = client.get(EMPTY_PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
