"""Reads of the outbox for vendor staff (/backoffice/outbox/).

Every read takes the staff user first and goes through ``outbox_for_staff``: a vendor admin sees
every row, an agent only the rows of the organisations of their sales directions, so another
direction's row answers 404 exactly like a missing one.
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db.models import Count, QuerySet
from django.http import Http404

from accounts.models import User
from core.migration_helpers import VENDOR_ADMINS
from integrations.models import OutboxAttempt, OutboxMessage, OutboxState
from partners.models import PartnerOrganisation
from registrations.selectors import direction_ids_for_agent

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

_VENDOR_ADMIN_ATTRIBUTE = "_is_vendor_admin"


def is_vendor_admin(*, user: User) -> bool:
    """A superuser or a member of "Vendor admins": sees every direction's rows.

    Read once per user object (that is, per request): the list needs it for its rows, its
    counts and its organisation filter.
    """
    cached = getattr(user, _VENDOR_ADMIN_ATTRIBUTE, None)
    if cached is None:
        cached = bool(
            user.is_active
            and user.is_staff
            and (user.is_superuser or Group.objects.filter(user=user, name=VENDOR_ADMINS).exists())
        )
        setattr(user, _VENDOR_ADMIN_ATTRIBUTE, cached)
    return cached


def organisations_for_staff(*, user: User) -> QuerySet[PartnerOrganisation]:
    """The organisations whose outbox rows ``user`` may see (the list's organisation filter)."""
    organisations = PartnerOrganisation.objects.order_by("name", "id")
    if is_vendor_admin(user=user):
        return organisations
    return organisations.filter(direction_id__in=direction_ids_for_agent(agent=user))


def outbox_for_staff(*, user: User) -> QuerySet[OutboxMessage]:
    """Every outbox row ``user`` may see, newest first, with what the list shows of each."""
    messages = OutboxMessage.objects.select_related("order", "organisation").order_by("-id")
    if is_vendor_admin(user=user):
        return messages
    return messages.filter(organisation__direction_id__in=direction_ids_for_agent(agent=user))


def outbox_get_for_staff_or_404(*, user: User, message_id: int) -> OutboxMessage:
    """One row ``user`` may see, with its order, customer, subscription and organisation; the
    same 404 for a missing row and another direction's."""
    try:
        return (
            outbox_for_staff(user=user)
            .select_related(
                "order__customer",
                "order__offer",
                "order__subscription",
                "organisation__direction",
            )
            .get(pk=message_id)
        )
    except OutboxMessage.DoesNotExist as exc:
        raise Http404("No such outbox message.") from exc


def outbox_attempts(*, message: OutboxMessage) -> QuerySet[OutboxAttempt]:
    """The full attempt log of a row, first attempt first."""
    return message.attempt_log.order_by("number", "id")


def outbox_retryable_ids(*, user: User, message_ids: list[int]) -> list[int]:
    """Of ``message_ids``, those ``user`` may see that "retry now" applies to; ids outside the
    user's scope are dropped silently (a bulk form is no way to probe other directions)."""
    return list(
        outbox_for_staff(user=user)
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
