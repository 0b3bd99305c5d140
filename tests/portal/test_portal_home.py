from __future__ import annotations

import pytest
from django.test import Client

from partners.models import PortalSection
from partners.sections import Section
from tests.world import World

pytestmark = pytest.mark.django_db


def home(world: World, client: Client) -> list[str]:
    client.force_login(world.a1.member)
    response = client.get("/p/alpha/")
    assert response.status_code == 200
    return [link.key for link in response.context["sections"]]


@pytest.mark.urls("tests.portal.urls_with_sections")
def test_sections_without_a_feature_are_not_offered(world: World, client: Client) -> None:
    # All five sections are configured; only the two this URLconf serves are offered.
    assert world.portal_a.sections.count() == len(Section.values)
    assert home(world, client) == ["customers", "registrations"]


def test_portal_without_sections_says_so(world: World, client: Client) -> None:
    PortalSection.objects.filter(portal=world.portal_a).delete()
    client.force_login(world.a1.member)
    assert "no sections to show yet" in client.get("/p/alpha/").text


@pytest.mark.urls("tests.portal.urls_with_sections")
def test_sections_are_listed_in_configured_order(world: World, client: Client) -> None:
    assert home(world, client) == ["customers", "registrations"]
    # Saved as the admin's inline saves it: the save clears the cached section list.
    section = PortalSection.objects.get(portal=world.portal_a, section=Section.REGISTRATIONS)
    section.position = 0
    section.save()
    assert home(world, client) == ["registrations", "customers"]


@pytest.mark.urls("tests.portal.urls_with_sections")
def test_sections_not_in_the_structure_are_not_shown(world: World, client: Client) -> None:
    PortalSection.objects.filter(portal=world.portal_a, section=Section.CUSTOMERS).delete()
    assert home(world, client) == ["registrations"]
    client.force_login(world.a1.member)
    page = client.get("/p/alpha/").text
    assert 'href="/p/alpha/registrations/"' in page
    assert 'href="/p/alpha/customers/"' not in page


def test_each_section_says_what_it_is_for(world: World, client: Client) -> None:
    client.force_login(world.a1.member)
    page = client.get("/p/alpha/").text
    assert "Register deals with the vendor and follow their review." in page
    assert "The offers you may sell, and ordering them for your customers." in page


@pytest.mark.urls("tests.portal.urls_with_sections")
def test_each_portal_has_its_own_structure(world: World, client: Client) -> None:
    PortalSection.objects.filter(portal=world.portal_b).delete()
    client.force_login(world.b1.member)
    assert client.get("/p/beta/").context["sections"] == []
    assert home(world, client) == ["customers", "registrations"]


def test_portal_home_query_count_is_constant(
    world: World, client: Client, django_assert_max_num_queries
) -> None:
    client.force_login(world.a1.supervisor)
    # the user with the partner context (the session is in the cache), the sections (cached
    # after), the pricing pages with an offer for the organisation; and the idle-timeout
    # timestamp, written at most once a minute (savepoint, UPDATE, release inside the test's
    # transaction)
    with django_assert_max_num_queries(6):
        response = client.get("/p/alpha/")
    assert response.status_code == 200
    assert response.text.count("data-section=") == len(response.context["sections"]) > 0
