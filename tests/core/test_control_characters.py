"""A NUL (or another control character) in the address never reaches a view or the database:
every URL pattern with one in its path, and every query parameter the views and filters read
with one in its name or value, answers 400 with a clear message, in the site's layout."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests import factories
from tests.world import World

pytestmark = pytest.mark.django_db

BAD = ["\x00", "a\x00b", "\x01", "\x1b[31m", "\x7f"]


def walk(entries: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[str]:
    for entry in entries:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, route)
        else:
            yield route


def routes() -> list[str]:
    # Django's admin has regex routes; a literal "x" stands for each of their groups too.
    return sorted({route.lstrip("^").rstrip("$") for route in walk(get_resolver().url_patterns)})


def with_control_character(route: str, bad: str) -> str:
    """The route with every parameter (or, for one without, its end) carrying ``bad``."""
    filled = re.sub(r"<(?:\w+:)?\w+>|\(\?P<\w+>[^)]*\)", f"x{bad}", route)
    if filled == route:
        filled = f"{route}{bad}"
    return "/" + filled.replace("\\", "")


@pytest.mark.parametrize("route", routes())
def test_every_url_pattern_refuses_a_control_character_in_its_path(
    route: str, world: World
) -> None:
    client = Client()
    client.force_login(world.a1.member)
    for bad in BAD:
        response = client.get(with_control_character(route, bad))
        assert response.status_code in (400, 404), (route, bad, response.status_code)


def test_the_refusal_is_clear_and_in_the_sites_layout(world: World) -> None:
    response = Client().get("/p/%00/")
    assert response.status_code == 400
    assert 'data-testid="bad-request"' in response.text
    assert "control character" in response.text
    assert "<nav" in response.text  # the site's layout, with its way home


# Every query parameter a view or a list filter reads (request.GET and the FilterSets' fields).
PARAMETERS = [
    "offer",
    "customer",
    "customer_q",
    "q",
    "sort",
    "state",
    "scope",
    "page",
    "after",
    "before",
    "last",
    "export",
    "preview",
    "quantity",
    "organisation",
    "assigned",
    "company",
    "representative",
    "owner",
    "target",
    "issued_after",
    "created_after",
    "next",
    "email",
    "process",
]


@pytest.mark.parametrize("parameter", PARAMETERS)
def test_every_query_parameter_refuses_a_control_character(parameter: str, world: World) -> None:
    offer = factories.OfferFactory.create(eligible=[world.a1.organisation])
    assert offer.checkout_page is not None
    urls = [
        f"/p/alpha/checkout/{offer.checkout_page.slug}/",
        "/p/alpha/registrations/",
        "/p/alpha/customers/",
        "/p/alpha/invoices/",
        "/accounts/login/",
    ]
    client = Client()
    client.force_login(world.a1.member)
    for url in urls:
        for bad in BAD:
            assert client.get(url, {parameter: bad}).status_code == 400, (url, parameter, bad)
            assert client.get(f"{url}?{parameter}{bad}=1").status_code == 400


def test_ordinary_whitespace_in_a_search_is_served(world: World) -> None:
    client = Client()
    client.force_login(world.a1.member)
    assert client.get("/p/alpha/customers/", {"q": "acme\tltd\r\n"}).status_code == 200
