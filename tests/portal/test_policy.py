"""No view under /p/ escapes the portal-access policy, and no tenant sees another's objects.

The first test walks the URL resolver: a view added under /p/ without ``portal_view`` fails it.
The sweep requests every portal URL as outsiders. Every URL parameter must be declared below,
either as a tenant-owned id (``OTHER_TENANT_IDS``: how to make an object owned by a given tenant)
or as a shared, non-tenant value (``SHARED_PARAMS``); an undeclared parameter fails the sweep.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from orders.models import Invoice
from partners.models import InvoiceOwner
from portal_access.context import POLICY_ATTRIBUTE
from tests import factories
from tests.world import Tenant, World

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class PortalRoute:
    route: str  # e.g. "orders/<uuid:order_id>/"
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
        routes.append(
            PortalRoute(
                route=rest,
                name=pattern.name or "",
                callback=pattern.callback,
                params=tuple(pattern.pattern.converters.keys()),
            )
        )
    return routes


def order_of(tenant: Tenant) -> object:
    offer = factories.OfferFactory.create(eligible=[tenant.organisation])
    order = factories.place_order(
        organisation=tenant.organisation, actor=tenant.member, offer=offer
    )
    return order.public_id


def registration_of(tenant: Tenant) -> object:
    return factories.RegistrationFactory.create(
        organisation=tenant.organisation, created_by=tenant.member
    ).public_id


def opportunity_of(tenant: Tenant) -> object:
    registration = factories.RegistrationFactory.create(
        organisation=tenant.organisation, created_by=tenant.member, state="qualified"
    )
    return factories.OpportunityFactory.create(registration=registration).public_id


def attachment_of(tenant: Tenant) -> object:
    return factories.AttachmentFactory.create(
        registration__organisation=tenant.organisation, registration__created_by=tenant.member
    ).public_id


def customer_of(tenant: Tenant) -> object:
    offer = factories.OfferFactory.create(eligible=[tenant.organisation])
    order = factories.place_order(
        organisation=tenant.organisation, actor=tenant.member, offer=offer
    )
    return order.customer.public_id


def invoice_of(tenant: Tenant) -> object:
    return Invoice.objects.create(
        organisation=tenant.organisation,
        zuora_id=f"8a80inv{uuid.uuid4().hex[:25]}",
        zuora_account_id="8a80acc0000000000000000000000001",
        owner=InvoiceOwner.PARTNER,
        number="INV-SWEEP",
        invoice_date=date(2026, 11, 1),
        due_date=date(2026, 12, 1),
        amount=Decimal("10.00"),
        balance=Decimal("10.00"),
        status="Posted",
        currency="EUR",
        synced_at=timezone.now(),
    ).public_id


def subscription_of(tenant: Tenant) -> object:
    offer = factories.OfferFactory.create(eligible=[tenant.organisation])
    order = factories.place_order(
        organisation=tenant.organisation, actor=tenant.member, offer=offer
    )
    return factories.subscription_of(order).public_id


# Tenant-owned objects: for each URL parameter, make one owned by ``tenant`` and return its id.
OTHER_TENANT_IDS: dict[str, Callable[[Tenant], object]] = {
    "order_id": order_of,
    "registration_id": registration_of,
    "opportunity_id": opportunity_of,
    "attachment_id": attachment_of,
    "customer_id": customer_of,
    "invoice_id": invoice_of,
    "subscription_id": subscription_of,
}

# Parameters naming shared (non-tenant) objects of portal alpha: the value to use.
SHARED_PARAMS: dict[str, Callable[[World], object]] = {
    "slug": lambda world: factories.PricingPageFactory.create(portal=world.portal_a).slug,
    "checkout_slug": lambda world: factories.CheckoutPageFactory.create().slug,
}


def test_there_are_portal_routes() -> None:
    assert any(route.name == "home" for route in portal_routes())


@pytest.mark.parametrize("route", portal_routes(), ids=lambda r: r.name or r.route)
def test_every_portal_view_carries_the_access_policy(route: PortalRoute) -> None:
    assert getattr(route.callback, POLICY_ATTRIBUTE, False), (
        f"/p/<path_name>/{route.route} is not wrapped by portal_access.context.portal_view"
    )


def fill(route: PortalRoute, world: World, owner: Tenant) -> str:
    url = route.route
    for param in route.params:
        if param in OTHER_TENANT_IDS:
            value = OTHER_TENANT_IDS[param](owner)
        elif param in SHARED_PARAMS:
            value = SHARED_PARAMS[param](world)
        else:
            pytest.fail(f"{route.route}: declare {param!r} in OTHER_TENANT_IDS or SHARED_PARAMS")
        url = re.sub(rf"<(?:\w+:)?{param}>", str(value), url)
    return "/p/alpha/" + url


def tenant_routes() -> list[PortalRoute]:
    return [route for route in portal_routes() if set(route.params) & set(OTHER_TENANT_IDS)]


def test_tenant_owned_urls_are_swept() -> None:
    assert {route.name for route in tenant_routes()} >= {
        "order",
        "registration_detail",
        "opportunity_detail",
        "customer",
        "invoice_pdf",
        "subscription",
        "subscription_change",
        "subscription_cancel",
    }


@pytest.mark.parametrize("route", tenant_routes(), ids=lambda r: r.name or r.route)
def test_other_tenants_ids_answer_not_found(route: PortalRoute, world: World) -> None:
    """Signed in as a1 on a1's own portal, asking for a2's (same direction) and b1's objects."""
    client = Client()
    client.force_login(world.a1.supervisor)
    for other in (world.a2, world.b1):
        url = fill(route, world, other)
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("route", portal_routes(), ids=lambda r: r.name or r.route)
def test_other_direction_is_sent_to_its_own_portal(route: PortalRoute, world: World) -> None:
    """A partner user of another direction never sees a page of this portal, whatever the ids."""
    client = Client()
    client.force_login(world.b1.supervisor)
    url = fill(route, world, world.a1)
    response = client.get(url)
    assert response.status_code == 302, url
    assert response["Location"].startswith("/p/beta/")
