"""Keyset paging (core.keyset): forwards, backwards and from the end, every row exactly once in
order, in both directions of a key; a cursor that does not decode is the first page."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest
from django.db.models import QuerySet
from django.test import RequestFactory
from django.utils import timezone

from core.keyset import KeysetPage, keyset_paginate
from registrations.models import OpportunityRegistration
from tests import factories
from tests.world import World

pytestmark = pytest.mark.django_db

SIZE = 4


def page(queryset: QuerySet[Any], **query: str) -> KeysetPage[Any]:
    return keyset_paginate(RequestFactory().get("/", query), queryset, size=SIZE)


@pytest.fixture
def rows(world: World) -> QuerySet[OpportunityRegistration]:
    # 10 rows, two names each taken twice (the id breaks the tie), created microseconds apart.
    now = timezone.now()
    for n in range(10):
        registration = factories.RegistrationFactory.create(
            organisation=world.a1.organisation, name=f"Deal {n // 2}"
        )
        OpportunityRegistration.objects.filter(pk=registration.pk).update(
            created_at=now + timedelta(microseconds=n)
        )
    return OpportunityRegistration.objects.filter(organisation=world.a1.organisation)


@pytest.mark.parametrize("ordering", [("name", "id"), ("-name", "-id"), ("-created_at", "-id")])
def test_next_walks_every_row_once_in_order(
    rows: QuerySet[OpportunityRegistration], ordering: tuple[str, str]
) -> None:
    ordered = rows.order_by(*ordering)
    expected = list(ordered.values_list("pk", flat=True))
    seen: list[int] = []
    current = page(ordered)
    assert current.is_first_page
    assert not current.has_previous
    while True:
        seen += [row.pk for row in current]
        if not current.has_next:
            break
        assert current.next_cursor
        current = page(ordered, after=current.next_cursor)
        assert current.has_previous
        assert not current.is_first_page
    assert seen == expected


@pytest.mark.parametrize("ordering", [("name", "id"), ("-created_at", "-id")])
def test_last_then_previous_walks_back_to_the_first_page(
    rows: QuerySet[OpportunityRegistration], ordering: tuple[str, str]
) -> None:
    ordered = rows.order_by(*ordering)
    expected = list(ordered.values_list("pk", flat=True))
    current = page(ordered, last="1")
    assert [row.pk for row in current] == expected[-SIZE:]
    assert current.has_previous
    assert not current.has_next
    covered = set(expected[-SIZE:])
    while current.has_previous:
        assert current.previous_cursor
        before = current.items[0].pk
        current = page(ordered, before=current.previous_cursor)
        ids = [row.pk for row in current]
        assert current.has_next
        # Each page is a run of the list, ending right before the page it came from (or, back
        # at the start, the full first page).
        start = expected.index(ids[0])
        assert ids == expected[start : start + len(ids)]
        assert expected.index(before) <= start + len(ids)
        covered |= set(ids)
    assert covered == set(expected)
    assert [row.pk for row in current] == expected[:SIZE]
    assert current.is_first_page
    assert current.start_index == 1
    assert current.end_index == SIZE


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 at all!",
        base64.urlsafe_b64encode(b"{}").decode(),
        base64.urlsafe_b64encode(b'["Deal 1"]').decode(),  # too short
        base64.urlsafe_b64encode(b'["Deal 1", "x"]').decode(),  # not an id
        base64.urlsafe_b64encode(b"[null, 1]").decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        "a\x00b",
        "A" * 5000,
    ],
)
def test_a_cursor_that_does_not_fit_is_the_first_page(
    rows: QuerySet[OpportunityRegistration], cursor: str
) -> None:
    ordered = rows.order_by("name", "id")
    first = [row.pk for row in page(ordered)]
    assert [row.pk for row in page(ordered, after=cursor)] == first
    assert [row.pk for row in page(ordered, before=cursor)] == first


def test_a_key_must_run_one_way(rows: QuerySet[OpportunityRegistration]) -> None:
    with pytest.raises(ValueError, match="one direction"):
        page(rows.order_by("name", "-id"))
    with pytest.raises(ValueError, match="must be ordered"):
        page(rows.order_by())


def test_a_short_list_has_one_page(world: World) -> None:
    factories.RegistrationFactory.create(organisation=world.a1.organisation)
    only = page(OpportunityRegistration.objects.order_by("name", "id"))
    assert len(only) == 1
    assert not only.has_other_pages
    assert only.next_cursor is None
    assert only.previous_cursor is None
