"""No view under /p/ escapes the portal-access policy, and no tenant sees another's objects.

The first test walks the URL resolver: a view added under /p/ without ``portal_view`` fails it.
The sweep requests every portal URL as an outsider; a URL with an id parameter must name, in
``OTHER_TENANT_IDS``, how to make an object of another tenant, or the sweep fails too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from portal.context import POLICY_ATTRIBUTE
from tests import factories
from tests.world import Tenant, World

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class PortalRoute:
    route: str  # e.g. "orders/<int:order_id>/"
    name: str
    callback: Callable[..., object]
    params: tuple[str, ...]


def walk(
    resolvers: list[URLPattern | URLResolver], prefix: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    for entry in resolvers:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, route)
        else:
            yield route, entry


def portal_routes() -> list[PortalRoute]:
    routes = []
    for route, pattern in walk(get_resolver().url_patterns):
        if not route.startswith("p/<str:path_name>/"):
            continue
        rest = route.removeprefix("p/<str:path_name>/")
        params = tuple(pattern.pattern.converters.keys())
        routes.append(
            PortalRoute(
                route=rest, name=pattern.name or "", callback=pattern.callback, params=params
            )
        )
    return routes


# For each URL parameter: how to make an object that belongs to ``tenant``, returning its id.
# A new portal URL with an id parameter must add an entry here.
def _registration_id(tenant: Tenant) -> object:
    return factories.RegistrationFactory.create(
        organisation=tenant.organisation, created_by=tenant.member
    ).public_id


def _opportunity_id(tenant: Tenant) -> object:
    registration = factories.RegistrationFactory.create(
        organisation=tenant.organisation, created_by=tenant.member, state="qualified"
    )
    return factories.OpportunityFactory.create(registration=registration).public_id


def _attachment_id(tenant: Tenant) -> object:
    return factories.AttachmentFactory.create(
        registration__organisation=tenant.organisation, registration__created_by=tenant.member
    ).public_id


OTHER_TENANT_IDS: dict[str, Callable[[Tenant], object]] = {
    "registration_id": _registration_id,
    "opportunity_id": _opportunity_id,
    "attachment_id": _attachment_id,
}


def test_there_are_portal_routes() -> None:
    assert any(route.name == "home" for route in portal_routes())


@pytest.mark.parametrize("route", portal_routes(), ids=lambda r: r.name or r.route)
def test_every_portal_view_carries_the_access_policy(route: PortalRoute) -> None:
    assert getattr(route.callback, POLICY_ATTRIBUTE, False), (
        f"/p/<path_name>/{route.route} is not wrapped by portal.context.portal_view"
    )


def fill(route: PortalRoute, owner: Tenant) -> str:
    url = route.route
    for param in route.params:
        if param not in OTHER_TENANT_IDS:
            pytest.fail(f"{route.route}: add {param!r} to OTHER_TENANT_IDS to sweep this URL")
        url = re.sub(rf"<(?:\w+:)?{param}>", str(OTHER_TENANT_IDS[param](owner)), url)
    return url


@pytest.mark.parametrize("route", portal_routes(), ids=lambda r: r.name or r.route)
def test_sweep_other_tenants_ids_answer_not_found(route: PortalRoute, world: World) -> None:
    """Signed in as a1 on a1's own portal, asking for a2's (same direction) objects: 404.

    Routes without ids are the tenant's own pages; an outsider of another direction is sent to
    their own portal instead, never shown this one.
    """
    client = Client()
    if route.params:
        client.force_login(world.a1.supervisor)
        url = "/p/alpha/" + fill(route, world.a2)
        assert client.get(url).status_code == 404, url
        url_b = "/p/alpha/" + fill(route, world.b1)
        assert client.get(url_b).status_code == 404, url_b
    else:
        client.force_login(world.b1.supervisor)
        url = "/p/alpha/" + route.route
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/p/beta/")
