"""Reads of the outbox for vendor staff (/backoffice/outbox/).

Every read takes the ``AgentContext`` first and goes through ``outbox_for_staff``: staff see the
rows of the organisations of the sales directions they work (a vendor admin works them all), so
another direction's row answers 404 exactly like a missing one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404

from backoffice_access.context import AgentContext
from core.lists import Filtered
from integrations.filters import OutboxFilter
from integrations.models import OutboxAttempt, OutboxMessage, OutboxState
from partners.models import PartnerOrganisation

# The states staff act on: exact counts (these rows are few, and each one is work to do).
OPEN_STATES = (
    OutboxState.PENDING,
    OutboxState.IN_PROGRESS,
    OutboxState.RETRYING,
    OutboxState.FAILED,
)
# Sent rows pile up with every order; past this many "1,000+" says enough (as the queue does).
STATE_COUNT_CAP = 1_000
# Rows "retry now" applies to (``outbox_retry_now`` leaves any other row alone).
RETRYABLE_STATES = (OutboxState.FAILED, OutboxState.RETRYING)


def organisations_for_staff(*, agent: AgentContext) -> QuerySet[PartnerOrganisation]:
    """The organisations whose outbox rows the staff user may see (the partner filter)."""
    return PartnerOrganisation.objects.filter(direction_id__in=agent.direction_ids).order_by(
        "name", "id"
    )


def outbox_for_staff(*, agent: AgentContext) -> QuerySet[OutboxMessage]:
    """Every outbox row the staff user may see, newest first, with what the list shows."""
    return (
        OutboxMessage.objects.select_related("order", "customer_update", "organisation")
        .filter(organisation__direction_id__in=agent.direction_ids)
        .order_by("-id")
    )


def outbox_list(
    *, agent: AgentContext, filters: Mapping[str, Any] | None
) -> Filtered[OutboxMessage]:
    """``outbox_for_staff`` through the list's filters (state, system, partner)."""
    filterset = OutboxFilter(
        filters,
        queryset=outbox_for_staff(agent=agent),
        choices={"organisation": organisations_for_staff(agent=agent)},
    )
    return Filtered(rows=filterset.qs, form=filterset.form)


def outbox_get_for_staff_or_404(*, agent: AgentContext, message_id: int) -> OutboxMessage:
    """One row the staff user may see, with its order, customer, subscription and organisation; the
    same 404 for a missing row and another direction's."""
    try:
        return (
            outbox_for_staff(agent=agent)
            .select_related(
                "order__customer",
                "order__offer",
                "order__subscription",
                "customer_update__customer",
                "customer_update__made_by",
                "organisation__direction",
            )
            .get(pk=message_id)
        )
    except OutboxMessage.DoesNotExist as exc:
        raise Http404("No such outbox message.") from exc


def outbox_attempts(*, message: OutboxMessage) -> QuerySet[OutboxAttempt]:
    """The full attempt log of a row, first attempt first."""
    return message.attempt_log.order_by("number", "id")


def outbox_retryable_ids(*, agent: AgentContext, message_ids: list[int]) -> list[int]:
    """Of ``message_ids``, those the staff user may see that "retry now" applies to; ids outside the
    user's scope are dropped silently (a bulk form is no way to probe other directions)."""
    return list(
        outbox_for_staff(agent=agent)
        .filter(pk__in=message_ids, state__in=RETRYABLE_STATES)
        .values_list("pk", flat=True)
    )


def outbox_state_counts(*, messages: QuerySet[OutboxMessage]) -> dict[str, int]:
    """How many of ``messages`` are in each state: exact for the open states, sent rows capped
    at ``STATE_COUNT_CAP + 1`` (show it as "1,000+").

    One statement: a GROUP BY over the open rows (the (state, -id) index finds them, however
    many rows were sent) and a GROUP BY over at most 1,001 sent ids, joined by UNION ALL. An
    exact COUNT of the sent rows would read every row ever pushed (PERFORMANCE.md).
    """
    base = messages.order_by()
    open_rows = base.filter(state__in=OPEN_STATES).values("state").annotate(n=Count("pk"))
    capped_sent = base.filter(state=OutboxState.SUCCEEDED).values("pk")[: STATE_COUNT_CAP + 1]
    sent_rows = (
        OutboxMessage.objects.filter(pk__in=capped_sent)
        .order_by()
        .values("state")
        .annotate(n=Count("pk"))
    )
    counts = dict.fromkeys(OutboxState.values, 0)
    for row in open_rows.union(sent_rows, all=True).order_by():
        counts[row["state"]] = row["n"]
    return counts
