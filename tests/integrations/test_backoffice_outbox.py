"""/backoffice/outbox/: who sees which rows, the filters and counts, the attempt log, "retry now",
and the query budgets. The policy checks of every /backoffice/ URL, these included, are in
tests/backoffice/test_policy.py."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from accounts.models import User
from core.migration_helpers import VENDOR_ADMINS
from integrations import selectors
from integrations.models import AttemptOutcome, OutboxAttempt, OutboxMessage, OutboxState, Target
from tests import factories
from tests.world import Tenant, World

pytestmark = pytest.mark.django_db

LIST = "/backoffice/outbox/"
BULK = "/backoffice/outbox/retry/"


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def messages_of(tenant: Tenant) -> dict[str, OutboxMessage]:
    """Place an order for ``tenant`` (which writes one outbox row per target), keyed by target."""
    offer = factories.OfferFactory.create(eligible=[tenant.organisation])
    order = factories.place_order(
        organisation=tenant.organisation, actor=tenant.member, offer=offer
    )
    return {m.target: m for m in OutboxMessage.objects.filter(order=order)}


def set_state(message: OutboxMessage, state: str, **fields: Any) -> OutboxMessage:
    OutboxMessage.objects.filter(pk=message.pk).update(state=state, **fields)
    message.refresh_from_db()
    return message


def failed(message: OutboxMessage, **fields: Any) -> OutboxMessage:
    return set_state(
        message,
        OutboxState.FAILED,
        attempts=5,
        last_error_code="INVALID_VALUE",
        last_error="Zuora said no",
        next_attempt_at=None,
        **fields,
    )


def retrying(message: OutboxMessage) -> OutboxMessage:
    return set_state(
        message,
        OutboxState.RETRYING,
        attempts=2,
        last_error_code="TIMEOUT",
        last_error="read timed out",
        next_attempt_at=timezone.now() + timedelta(minutes=5),
    )


def row_ids(response: Any) -> set[int]:
    return {m.pk for m in response.context["page"]}


def rendered_rows(response: Any) -> int:
    return response.text.count('data-testid="outbox-row"')


@pytest.fixture
def rows(world: World) -> dict[str, dict[str, OutboxMessage]]:
    return {key: messages_of(getattr(world, key)) for key in ("a1", "a2", "b1")}


def ids(rows: dict[str, dict[str, OutboxMessage]], *keys: str) -> set[int]:
    return {m.pk for key in keys for m in rows[key].values()}


# ------------------------------------------------------------------------------------------------
# Who may enter, and what they see
# ------------------------------------------------------------------------------------------------
def test_anonymous_visitors_are_sent_to_sign_in(client: Client, rows: dict) -> None:
    message = rows["a1"][Target.ZUORA]
    for response in (
        client.get(LIST),
        client.get(f"{LIST}{message.pk}/"),
        client.post(f"{LIST}{message.pk}/retry/"),
        client.post(BULK, {"message": [message.pk]}),
    ):
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_partner_users_and_customers_may_not_enter(world: World, rows: dict) -> None:
    message = failed(rows["a1"][Target.ZUORA])
    for user in (world.a1.supervisor, world.a1.member, world.customer):
        client = client_for(user)
        assert client.get(LIST).status_code == 403
        assert client.get(f"{LIST}{message.pk}/").status_code == 403
        assert client.post(f"{LIST}{message.pk}/retry/").status_code == 403
        assert client.post(BULK, {"message": [message.pk]}).status_code == 403
    message.refresh_from_db()
    assert message.state == OutboxState.FAILED


def test_agent_sees_only_rows_of_their_directions(world: World, rows: dict) -> None:
    response = client_for(world.agent).get(LIST)
    assert response.status_code == 200
    assert row_ids(response) == ids(rows, "a1", "a2")
    assert rendered_rows(response) == 4
    assert "Organisation B1" not in response.text


def test_admin_sees_every_row(world: World, rows: dict) -> None:
    response = client_for(world.admin).get(LIST)
    assert row_ids(response) == ids(rows, "a1", "a2", "b1")


def test_vendor_admin_group_member_sees_every_row(world: World, rows: dict) -> None:
    admin = factories.UserFactory.create(is_staff=True)
    admin.groups.add(Group.objects.get(name=VENDOR_ADMINS))
    assert row_ids(client_for(admin).get(LIST)) == ids(rows, "a1", "a2", "b1")


def test_staff_without_a_direction_sees_nothing(world: World, rows: dict) -> None:
    staff = factories.UserFactory.create(is_staff=True)
    client = client_for(staff)
    assert row_ids(client.get(LIST)) == set()
    assert client.get(f"{LIST}{rows['a1'][Target.ZUORA].pk}/").status_code == 404


def test_agent_gets_not_found_for_another_directions_row(world: World, rows: dict) -> None:
    other = failed(rows["b1"][Target.ZUORA])
    client = client_for(world.agent)
    assert client.get(f"{LIST}{other.pk}/").status_code == 404
    assert client.post(f"{LIST}{other.pk}/retry/").status_code == 404
    assert client.get(f"{LIST}999999/").status_code == 404
    assert client.get(f"{LIST}{10**20}/").status_code == 404  # beyond bigint: still not found
    other.refresh_from_db()
    assert other.state == OutboxState.FAILED
    # The admin opens the same row.
    assert client_for(world.admin).get(f"{LIST}{other.pk}/").status_code == 200


def test_the_navbar_links_staff_to_the_outbox(world: World) -> None:
    assert 'data-testid="nav-outbox"' in client_for(world.agent).get(LIST).text
    assert 'data-testid="nav-outbox"' not in client_for(world.a1.member).get("/p/alpha/").text


# ------------------------------------------------------------------------------------------------
# The list: filters, counts, columns
# ------------------------------------------------------------------------------------------------
def test_filters_by_state_target_and_organisation(world: World, rows: dict) -> None:
    broken = failed(rows["a1"][Target.ZUORA])
    retrying(rows["a2"][Target.SALESFORCE])
    client = client_for(world.agent)
    assert row_ids(client.get(LIST, {"state": "failed"})) == {broken.pk}
    assert row_ids(client.get(LIST, {"target": "zuora"})) == {
        rows["a1"][Target.ZUORA].pk,
        rows["a2"][Target.ZUORA].pk,
    }
    by_partner = client.get(LIST, {"organisation": world.a2.organisation.pk})
    assert row_ids(by_partner) == ids(rows, "a2")
    both = client.get(LIST, {"organisation": str(world.a1.organisation.pk), "state": "pending"})
    assert row_ids(both) == {rows["a1"][Target.SALESFORCE].pk}


def test_sorts_by_attempts_and_by_update_either_way(world: World, rows: dict) -> None:
    # Ties (the same number of attempts) are broken by id, so pages never repeat a row.
    a1, a2 = rows["a1"], rows["a2"]
    most = failed(a2[Target.SALESFORCE])  # 5 attempts
    some = set_state(a1[Target.ZUORA], OutboxState.RETRYING, attempts=2)
    now = timezone.now()
    set_state(a1[Target.SALESFORCE], OutboxState.PENDING, updated_at=now - timedelta(hours=3))
    set_state(a2[Target.ZUORA], OutboxState.PENDING, updated_at=now - timedelta(hours=1))
    client = client_for(world.agent)

    def order(sort: str) -> list[int]:
        return [m.pk for m in client.get(LIST, {"sort": sort}).context["page"]]

    untried = sorted([a1[Target.SALESFORCE].pk, a2[Target.ZUORA].pk])
    assert order("-attempts") == [most.pk, some.pk, *reversed(untried)]
    assert order("attempts") == [*untried, some.pk, most.pk]
    by_update = [a1[Target.SALESFORCE].pk, a2[Target.ZUORA].pk]
    assert order("updated")[:2] == by_update
    assert order("-updated")[-2:] == list(reversed(by_update))
    # The sorted header says so; an unknown sort is the form's error, not a 500.
    html = client.get(LIST, {"sort": "-attempts"}).text
    assert re.search(r'aria-sort="descending"[^>]*><a href="[^"]*sort=attempts', html)
    assert client.get(LIST, {"sort": "nonsense"}).status_code == 200


def test_organisation_choices_are_the_agents_only(world: World, rows: dict) -> None:
    client = client_for(world.agent)
    response = client.get(LIST)
    choices = {
        str(label) for _, label in response.context["filter"].form.fields["organisation"].choices
    }
    assert {"Organisation A1", "Organisation A2"} <= choices
    assert not choices & {"Organisation B1", "Organisation B2"}
    # Asking for another direction's partner is not a way in: it is no valid choice.
    response = client.get(LIST, {"organisation": world.b1.organisation.pk})
    assert not row_ids(response) & ids(rows, "b1")
    assert response.context["filter"].errors


def test_htmx_filtering_renders_only_the_results(world: World, rows: dict) -> None:
    response = client_for(world.agent).get(
        LIST, {"state": "pending"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="results"')
    assert 'data-testid="state-counts"' not in response.text
    assert rendered_rows(response) == 4


def test_counts_by_state(world: World, rows: dict) -> None:
    failed(rows["a1"][Target.ZUORA])
    retrying(rows["a1"][Target.SALESFORCE])
    set_state(rows["a2"][Target.ZUORA], OutboxState.SUCCEEDED, sent_at=timezone.now())
    set_state(rows["a2"][Target.SALESFORCE], OutboxState.IN_PROGRESS)
    failed(rows["b1"][Target.ZUORA])  # another direction: not counted for the agent
    response = client_for(world.agent).get(LIST)
    counts = {state.value: n for state, n in response.context["counts"]}
    assert counts == {
        "pending": 0,
        "in_progress": 1,
        "retrying": 1,
        "succeeded": 1,
        "failed": 1,
    }
    assert client_for(world.admin).get(LIST).context["counts"][-1][1] == 2  # failed, everywhere


def test_sent_rows_are_counted_up_to_the_cap(
    world: World, rows: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "STATE_COUNT_CAP", 2)
    for key in ("a1", "a2"):
        for message in rows[key].values():
            set_state(message, OutboxState.SUCCEEDED)
    failed(rows["b1"][Target.ZUORA])
    failed(rows["b1"][Target.SALESFORCE])
    counts = selectors.outbox_state_counts(messages=OutboxMessage.objects.all())
    assert counts["succeeded"] == 3  # 4 sent: the count stops one past the cap
    assert counts["failed"] == 2  # open states are exact
    response = client_for(world.agent).get(LIST)
    assert re.search(r'data-state="succeeded">Sent <span[^>]*>2\+</span>', response.text)


def test_counts_are_one_query(world: World, rows: dict, django_assert_num_queries: Any) -> None:
    failed(rows["a1"][Target.ZUORA])
    with django_assert_num_queries(1):
        counts = selectors.outbox_state_counts(messages=OutboxMessage.objects.all())
    assert counts["failed"] == 1
    assert counts["pending"] == 5


def test_rows_show_next_attempt_and_error_code(world: World, rows: dict) -> None:
    failed(rows["a1"][Target.ZUORA])
    late = retrying(rows["a1"][Target.SALESFORCE])
    text = client_for(world.agent).get(LIST).text
    assert "INVALID_VALUE" in text
    assert "TIMEOUT" in text
    assert f'<time datetime="{timezone.localtime(late.next_attempt_at).isoformat()}"' in text
    order = rows["a1"][Target.ZUORA].order
    assert f'href="{LIST}{rows["a1"][Target.ZUORA].pk}/">{order.number}</a>' in text


def test_only_failed_and_retrying_rows_can_be_ticked(world: World, rows: dict) -> None:
    broken = failed(rows["a1"][Target.ZUORA])
    late = retrying(rows["a1"][Target.SALESFORCE])
    text = client_for(world.agent).get(LIST).text
    ticked = set(re.findall(r'name="message" value="(\d+)" id="retry-(\d+)"', text))
    assert ticked == {(str(broken.pk), str(broken.pk)), (str(late.pk), str(late.pk))}
    # Every checkbox has its label.
    for pk in (broken.pk, late.pk):
        assert f'<label class="visually-hidden" for="retry-{pk}">' in text


# ------------------------------------------------------------------------------------------------
# The detail page and its attempt log
# ------------------------------------------------------------------------------------------------
def test_detail_shows_the_row_its_order_and_the_attempt_log(world: World, rows: dict) -> None:
    message = failed(rows["a1"][Target.ZUORA])
    started = timezone.now() - timedelta(minutes=10)
    OutboxAttempt.objects.create(
        message=message,
        number=1,
        worker="celery@worker-1",
        started_at=started,
        finished_at=started + timedelta(seconds=2, milliseconds=500),
        outcome=AttemptOutcome.RETRY,
        error_code="TIMEOUT",
        error_message="read timed out after 30 s",
        remote_ids={"account_id": "8a8082c45f9"},
    )
    OutboxAttempt.objects.create(
        message=message,
        number=2,
        worker="celery@worker-2",
        started_at=started + timedelta(minutes=5),
        finished_at=started + timedelta(minutes=5, seconds=1),
        outcome=AttemptOutcome.FAILED,
        error_code="INVALID_VALUE",
        error_message="Traceback line one\nThe full fault: INVALID_VALUE on field Currency",
    )
    response = client_for(world.agent).get(f"{LIST}{message.pk}/")
    assert response.status_code == 200
    text = response.text
    assert text.count('data-testid="attempt"') == 2
    assert "celery@worker-1" in text
    assert "celery@worker-2" in text
    assert "2.5 s" in text
    assert "1 s" in text
    assert "Failed, will retry" in text
    assert "read timed out after 30 s" in text
    assert "The full fault: INVALID_VALUE on field Currency" in text
    assert "8a8082c45f9" in text
    assert "account_id" in text
    assert message.order is not None
    assert message.order.number in text
    assert message.order.customer.company_name in text
    assert "Organisation A1" in text
    assert 'data-testid="retry-now"' in text


def test_detail_of_a_sent_row_has_no_retry_button(world: World, rows: dict) -> None:
    message = set_state(rows["a1"][Target.ZUORA], OutboxState.SUCCEEDED, sent_at=timezone.now())
    text = client_for(world.agent).get(f"{LIST}{message.pk}/").text
    assert 'data-testid="retry-now"' not in text
    assert "No attempt yet." in text


# ------------------------------------------------------------------------------------------------
# Retry now
# ------------------------------------------------------------------------------------------------
def test_retry_now_requeues_once(world: World, rows: dict) -> None:
    message = failed(rows["a1"][Target.ZUORA])
    client = client_for(world.agent)
    url = f"{LIST}{message.pk}/retry/"
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == f"{LIST}{message.pk}/"
    assert "1 row was re-queued." in response.text
    message.refresh_from_db()
    assert (message.state, message.attempts) == (OutboxState.PENDING, 0)
    first = (message.updated_at, message.next_attempt_at)

    again = client.post(url, follow=True)
    assert "already queued" in again.text
    message.refresh_from_db()
    assert message.state == OutboxState.PENDING
    assert (
        message.updated_at,
        message.next_attempt_at,
    ) == first  # the second press changed nothing


def test_retry_now_needs_post(world: World, rows: dict) -> None:
    message = failed(rows["a1"][Target.ZUORA])
    assert client_for(world.agent).get(f"{LIST}{message.pk}/retry/").status_code == 405
    assert client_for(world.agent).get(BULK).status_code == 405


def test_bulk_retry_requeues_ticked_rows_once_and_ignores_other_directions(
    world: World, rows: dict
) -> None:
    broken = failed(rows["a1"][Target.ZUORA])
    late = retrying(rows["a2"][Target.SALESFORCE])
    untouched = failed(rows["a1"][Target.SALESFORCE])  # not ticked
    theirs = failed(rows["b1"][Target.ZUORA])  # another direction's id, slipped in
    client = client_for(world.agent)
    data = {
        "message": [broken.pk, late.pk, theirs.pk, "junk", str(10**20)],
        "query": "state=failed",
    }
    response = client.post(BULK, data)
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?state=failed"
    assert "2 rows were re-queued." in client.get(response["Location"]).text
    states = dict(OutboxMessage.objects.values_list("pk", "state"))
    assert states[broken.pk] == states[late.pk] == OutboxState.PENDING
    assert states[untouched.pk] == states[theirs.pk] == OutboxState.FAILED

    before = list(OutboxMessage.objects.order_by("pk").values_list("state", "updated_at"))
    again = client.post(BULK, data, follow=True)
    assert "already queued" in again.text
    assert list(OutboxMessage.objects.order_by("pk").values_list("state", "updated_at")) == before


def test_bulk_retry_keeps_the_redirect_on_the_list(world: World, rows: dict) -> None:
    response = client_for(world.agent).post(BULK, {"query": "next=https://evil.example/"})
    assert response["Location"].startswith(f"{LIST}?")
    assert response["Location"] == f"{LIST}?next=https%3A%2F%2Fevil.example%2F"


# ------------------------------------------------------------------------------------------------
# Query counts do not grow with the rows
# ------------------------------------------------------------------------------------------------
# Session, user, TOTP, the admin check, permissions (2), directions, counts, rows, partners.
LIST_QUERIES = 10
DETAIL_QUERIES = 9


def make_failed_rows(world: World, n: int) -> None:
    for _ in range(n):
        for message in messages_of(world.a1).values():
            failed(message)


@pytest.mark.parametrize("orders", [1, 10])
def test_list_queries_do_not_grow_with_rows(
    world: World, orders: int, django_assert_max_num_queries: Any
) -> None:
    make_failed_rows(world, orders)
    client = client_for(world.agent)
    client.get(LIST)  # warm the session and the content types
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(LIST)
    assert rendered_rows(response) == 2 * orders  # 2 rows (1 order) vs 20 rows (10 orders)


@pytest.mark.parametrize("attempts", [1, 20])
def test_detail_queries_do_not_grow_with_attempts(
    world: World, attempts: int, django_assert_max_num_queries: Any
) -> None:
    message = failed(messages_of(world.a1)[Target.ZUORA])
    OutboxAttempt.objects.bulk_create(
        OutboxAttempt(message=message, number=n, outcome=AttemptOutcome.RETRY, error_code="X")
        for n in range(1, attempts + 1)
    )
    client = client_for(world.agent)
    client.get(f"{LIST}{message.pk}/")
    with django_assert_max_num_queries(DETAIL_QUERIES):
        response = client.get(f"{LIST}{message.pk}/")
    assert response.text.count('data-testid="attempt"') == attempts
