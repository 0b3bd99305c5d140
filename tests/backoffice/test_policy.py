"""The back office's policy, checked from the URL resolver: every /backoffice/ view is wrapped by
``backoffice_view``, and every /backoffice/ URL with an id answers 404 to an agent of another
direction, changing nothing (the registrations pages and the outbox pages alike)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from guardian.shortcuts import assign_perm

from backoffice_access.context import POLICY_ATTRIBUTE
from integrations.models import OutboxMessage, OutboxState, Target
from registrations.models import ActivityEntry, Attachment, Opportunity, OpportunityRegistration
from registrations.states import RegistrationState
from tests import factories
from tests.world import Tenant, World

pytestmark = pytest.mark.django_db


def walk(
    entries: list[URLPattern | URLResolver], prefix: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    for entry in entries:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, route)
        else:
            yield route, entry


def backoffice_routes() -> list[tuple[str, URLPattern]]:
    return [(r, p) for r, p in walk(get_resolver().url_patterns) if r.startswith("backoffice/")]


def routes_with_ids() -> list[tuple[str, URLPattern]]:
    return [(r, p) for r, p in backoffice_routes() if p.pattern.converters]


def test_the_walk_finds_the_registrations_and_the_outbox_pages() -> None:
    names = {p.name for _, p in backoffice_routes()}
    assert {"queue", "registration", "qualify", "reject", "opportunity", "attachment"} <= names
    assert {"list", "detail", "retry", "retry_bulk"} <= names  # the outbox


@pytest.mark.parametrize(
    ("route", "pattern"), backoffice_routes(), ids=[r for r, _ in backoffice_routes()]
)
def test_every_backoffice_view_carries_the_policy(route: str, pattern: URLPattern) -> None:
    assert getattr(pattern.callback, POLICY_ATTRIBUTE, False), (
        f"/{route} is not wrapped by backoffice_access.context.backoffice_view"
    )


@pytest.mark.parametrize(
    ("route", "pattern"), backoffice_routes(), ids=[r for r, _ in backoffice_routes()]
)
def test_partner_users_are_refused_and_anonymous_sent_to_sign_in(
    route: str, pattern: URLPattern, world: World
) -> None:
    url = "/" + re.sub(r"<int:\w+>", "1", re.sub(r"<uuid:\w+>", str(uuid.uuid4()), route))
    anonymous = Client().get(url)
    assert anonymous.status_code in (302, 405), url
    if anonymous.status_code == 302:
        assert anonymous["Location"].startswith("/accounts/login/"), url
    client = Client()
    client.force_login(world.a1.supervisor)
    response = client.get(url)
    if response.status_code == 405:  # an action: POST only
        response = client.post(url)
    assert response.status_code == 403, url


@dataclass
class Theirs:
    """Direction B's records, one of each kind a /backoffice/ URL names."""

    registration: OpportunityRegistration
    attachment: Attachment
    opportunity: Opportunity
    message: OutboxMessage

    def snapshot(self) -> tuple[object, ...]:
        self.registration.refresh_from_db()
        self.opportunity.refresh_from_db()
        self.message.refresh_from_db()
        return (
            self.registration.state,
            self.registration.assigned_to_id,
            ActivityEntry.objects.filter(registration=self.registration).count(),
            self.opportunity.stage,
            self.opportunity.status,
            self.message.state,
        )


def records_of(tenant: Tenant) -> Theirs:
    """One record of each kind a /backoffice/ URL names, of ``tenant``'s direction (the
    accessibility scan opens the same URLs as the agent of that direction)."""
    registration = factories.RegistrationFactory.create(
        organisation=tenant.organisation,
        created_by=tenant.member,
        state=RegistrationState.IN_REVIEW,
    )
    offer = factories.OfferFactory.create(eligible=[tenant.organisation])
    order = factories.place_order(
        organisation=tenant.organisation, actor=tenant.member, offer=offer
    )
    message = OutboxMessage.objects.get(order=order, target=Target.ZUORA)
    OutboxMessage.objects.filter(pk=message.pk).update(state=OutboxState.FAILED, attempts=5)
    return Theirs(
        registration=registration,
        attachment=factories.AttachmentFactory.create(registration=registration),
        opportunity=factories.OpportunityFactory.create(
            registration__organisation=tenant.organisation,
            registration__created_by=tenant.member,
        ),
        message=message,
    )


@pytest.fixture
def theirs(world: World) -> Theirs:
    return records_of(world.b1)


# For each URL parameter under /backoffice/: the id of direction B's record.
IDS: dict[str, Callable[[Theirs], object]] = {
    "registration_id": lambda t: t.registration.public_id,
    "attachment_id": lambda t: t.attachment.public_id,
    "opportunity_id": lambda t: t.opportunity.public_id,
    "message_id": lambda t: t.message.pk,
}

# What a POST carries: every field any back-office form reads, valid, so that only the scope
# can refuse it.
VALID_POST = {
    "opportunity_name": "Taken",
    "stage": "prospecting",
    "comment": "Taken",
    "reject-reason": "Taken",
    "reject-confirm": "on",
    "info-reason": "Taken",
    "body": "Taken",
    "kind": "comment",
    "status": "open",
}


def theirs_url(route: str, pattern: URLPattern, theirs: Theirs) -> str:
    url = "/" + route
    for param in pattern.pattern.converters:
        if param not in IDS:
            pytest.fail(f"/{route}: declare {param!r} in IDS")
        url = re.sub(rf"<(?:\w+:)?{param}>", str(IDS[param](theirs)), url)
    return url


def agent_of_direction_a(world: World) -> Client:
    client = Client()
    client.force_login(world.agent)
    return client


@pytest.mark.parametrize(
    ("route", "pattern"), routes_with_ids(), ids=[r for r, _ in routes_with_ids()]
)
def test_another_directions_ids_answer_not_found(
    route: str, pattern: URLPattern, world: World, theirs: Theirs
) -> None:
    assert not world.agent.is_superuser
    url = theirs_url(route, pattern, theirs)
    before = theirs.snapshot()
    client = agent_of_direction_a(world)
    response = client.get(url)
    if response.status_code == 405:  # an action: POST only
        response = client.post(url, VALID_POST)
    assert response.status_code == 404, url
    assert theirs.snapshot() == before, f"{url} changed direction B's records"


def test_the_same_pages_open_for_direction_bs_own_agent(world: World, theirs: Theirs) -> None:
    """The sweep's 404s come from the scope, not from URLs that match nothing."""
    agent_b = factories.UserFactory.create(is_staff=True)
    assign_perm("partners.work_registrations", agent_b, world.direction_b)
    client = Client()
    client.force_login(agent_b)
    pages = {"registration", "attachment", "opportunity", "detail"}
    opened = [
        url
        for route, pattern in routes_with_ids()
        if pattern.name in pages
        and client.get(url := theirs_url(route, pattern, theirs)).status_code == 200
    ]
    assert len(opened) == len(pages), opened
