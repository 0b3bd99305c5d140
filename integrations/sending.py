"""The outbox's state machine: claim a row, record the attempt, finish it, schedule the next.

Every transition is a conditional UPDATE, so two workers (or a message delivered twice, or a
worker that outlived its lease) can never both own a row: a worker owns a row from the moment
its claim matched until its ``claimed_at`` is replaced. Attempts are logged in
``OutboxAttempt``, one row per claim.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from integrations.errors import IntegrationError
from integrations.models import (
    CLAIMABLE_STATES,
    AttemptOutcome,
    OutboxAttempt,
    OutboxMessage,
    OutboxState,
    Target,
)
from integrations.outbox import outbox_send

logger = logging.getLogger(__name__)

BUSY: Literal["busy"] = "busy"

# pg_advisory_xact_lock key serialising Zuora claims (the per-organisation and global checks).
_ZUORA_CLAIM_LOCK = 0x5A0A


@dataclass(frozen=True)
class Claim:
    message: OutboxMessage
    attempt: OutboxAttempt
    claimed_at: datetime

    def mine(self) -> Q:
        """Matches the row only while this claim still owns it."""
        return Q(pk=self.message.pk, state=OutboxState.IN_PROGRESS, claimed_at=self.claimed_at)


def _lease_start(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.OUTBOX_CLAIM_LEASE)


def _lock_zuora_claims() -> None:
    # Zuora advises against concurrent subscribes under one parent account: at most one Zuora
    # push per organisation, and a cap on all of them. The check and the claim must not
    # interleave between workers, so they run under one transaction-scoped lock (a few ms).
    # SQLite (the demo, with one worker) has no concurrent writers to keep apart.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ZUORA_CLAIM_LOCK])


def outbox_claim(*, message_id: int, worker: str) -> Claim | Literal["busy"] | None:
    """Take ``message_id`` for ``worker`` if it is due and nobody holds it.

    Returns ``None`` when there is nothing to do (sent, failed, not due yet, or held by a live
    claim) and ``BUSY`` when a Zuora row must wait for its organisation's push in flight or for
    the concurrency cap. A claim older than the lease is presumed dead and taken over; its open
    attempt is closed as interrupted.
    """
    now = timezone.now()
    lease_start = _lease_start(now)
    claimable = Q(state__in=CLAIMABLE_STATES, next_attempt_at__lte=now) | Q(
        state=OutboxState.IN_PROGRESS, claimed_at__lte=lease_start
    )
    with transaction.atomic():
        row = (
            OutboxMessage.objects.filter(claimable, pk=message_id)
            .values("target", "organisation_id")
            .first()
        )
        if row is None:
            return None
        if row["target"] == Target.ZUORA:
            _lock_zuora_claims()
            in_flight = OutboxMessage.objects.filter(
                target=Target.ZUORA, state=OutboxState.IN_PROGRESS, claimed_at__gt=lease_start
            ).exclude(pk=message_id)
            if (
                in_flight.filter(organisation_id=row["organisation_id"]).exists()
                or in_flight.count() >= settings.ZUORA_MAX_CONCURRENT_ORGANISATIONS
            ):
                return BUSY
        updated = OutboxMessage.objects.filter(claimable, pk=message_id).update(
            state=OutboxState.IN_PROGRESS,
            claimed_at=now,
            claimed_by=worker,
            # Its message has reached a worker: whatever comes next enqueues a new one.
            enqueued_at=None,
            attempts=F("attempts") + 1,
            updated_at=now,
        )
        if not updated:
            return None
        OutboxAttempt.objects.filter(message_id=message_id, outcome=AttemptOutcome.RUNNING).update(
            outcome=AttemptOutcome.INTERRUPTED,
            finished_at=now,
            error_code="INTERRUPTED",
            error_message="The worker stopped before this attempt finished; it was taken over.",
        )
        last = OutboxAttempt.objects.filter(message_id=message_id).aggregate(n=Max("number"))["n"]
        attempt = OutboxAttempt.objects.create(
            message_id=message_id, number=(last or 0) + 1, worker=worker, started_at=now
        )
        message = OutboxMessage.objects.select_related(
            "organisation",
            "order__customer",
            "order__offer",
            "order__subscription",
            "customer_update__customer",
        ).get(pk=message_id)
    return Claim(message=message, attempt=attempt, claimed_at=now)


def _close_attempt(
    claim: Claim,
    *,
    outcome: str,
    error: IntegrationError | None = None,
    remote_ids: dict[str, str] | None = None,
) -> None:
    attempt = claim.attempt
    attempt.outcome = outcome
    attempt.finished_at = timezone.now()
    if error is not None:
        attempt.error_code = error.code[:64]
        attempt.error_message = error.message
    if remote_ids:
        attempt.remote_ids = remote_ids
    attempt.save(
        update_fields=["outcome", "finished_at", "error_code", "error_message", "remote_ids"]
    )


@transaction.atomic
def outbox_succeed(claim: Claim, *, remote_ids: dict[str, str]) -> bool:
    now = timezone.now()
    _close_attempt(claim, outcome=AttemptOutcome.SUCCEEDED, remote_ids=remote_ids)
    return bool(
        OutboxMessage.objects.filter(claim.mine()).update(
            state=OutboxState.SUCCEEDED,
            sent_at=now,
            next_attempt_at=None,
            claimed_at=None,
            last_error_code="",
            last_error="",
            updated_at=now,
        )
    )


@transaction.atomic
def outbox_fail(claim: Claim, *, error: IntegrationError) -> bool:
    now = timezone.now()
    _close_attempt(claim, outcome=AttemptOutcome.FAILED, error=error)
    return bool(
        OutboxMessage.objects.filter(claim.mine()).update(
            state=OutboxState.FAILED,
            next_attempt_at=None,
            claimed_at=None,
            last_error_code=error.code[:64],
            last_error=error.message,
            updated_at=now,
        )
    )


def backoff_delay(*, attempt: int, error: IntegrationError | None = None) -> float:
    """Seconds before the next try: exponential with jitter, at least what the far side asked."""
    ceiling = min(settings.OUTBOX_BACKOFF_MAX, settings.OUTBOX_BACKOFF_BASE * 2 ** (attempt - 1))
    # "Equal jitter": half the delay fixed, half random, so retries of many rows spread out
    # while none comes back sooner than half its backoff.
    delay = ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not security
    if error is not None and error.retry_after:
        delay = max(delay, min(error.retry_after, settings.OUTBOX_RETRY_AFTER_CAP))
    if error is not None and error.long_backoff:
        delay = max(delay, settings.OUTBOX_LONG_BACKOFF)
    return delay


def outbox_retry(claim: Claim, *, error: IntegrationError) -> float | None:
    """Schedule another try after a transient fault; the delay in seconds, or ``None`` when the
    row has used its attempts and is failed instead."""
    message = claim.message
    tries = message.attempts - message.waits
    if tries >= settings.OUTBOX_MAX_ATTEMPTS:
        gave_up = IntegrationError(
            f"Gave up after {tries} attempts. Last error: {error.message}",
            code=error.code,
            permanent=True,
        )
        outbox_fail(claim, error=gave_up)
        return None
    delay = backoff_delay(attempt=tries, error=error)
    now = timezone.now()
    with transaction.atomic():
        _close_attempt(claim, outcome=AttemptOutcome.RETRY, error=error)
        OutboxMessage.objects.filter(claim.mine()).update(
            state=OutboxState.RETRYING,
            next_attempt_at=now + timedelta(seconds=delay),
            claimed_at=None,
            last_error_code=error.code[:64],
            last_error=error.message,
            updated_at=now,
        )
    return delay


def outbox_defer(claim: Claim, *, delay: float, reason: str) -> None:
    """Put the row back without counting a try (the Zuora push waiting for Salesforce)."""
    now = timezone.now()
    with transaction.atomic():
        claim.attempt.outcome = AttemptOutcome.DEFERRED
        claim.attempt.finished_at = now
        claim.attempt.error_message = reason
        claim.attempt.save(update_fields=["outcome", "finished_at", "error_message"])
        OutboxMessage.objects.filter(claim.mine()).update(
            state=OutboxState.PENDING,
            waits=F("waits") + 1,
            next_attempt_at=now + timedelta(seconds=delay),
            claimed_at=None,
            updated_at=now,
        )


def outbox_postpone(*, message_id: int, delay: float) -> None:
    """A due row that could not be claimed yet (its organisation is busy): try again soon."""
    OutboxMessage.objects.filter(pk=message_id, state__in=CLAIMABLE_STATES).update(
        next_attempt_at=timezone.now() + timedelta(seconds=delay)
    )


def outbox_wake(*, message_id: int) -> bool:
    """A row waiting for something that has now happened is due at once (and enqueued)."""
    now = timezone.now()
    woken = OutboxMessage.objects.filter(
        pk=message_id, state=OutboxState.PENDING, next_attempt_at__gt=now
    ).update(next_attempt_at=now)
    if woken:
        transaction.on_commit(lambda: outbox_send([message_id]))
    return bool(woken)


def outbox_reopen(*, message_id: int) -> bool:
    """Send a row that was sent once more (Zuora's CrmId once Salesforce has answered)."""
    now = timezone.now()
    reopened = OutboxMessage.objects.filter(pk=message_id, state=OutboxState.SUCCEEDED).update(
        state=OutboxState.PENDING, next_attempt_at=now, updated_at=now
    )
    if reopened:
        transaction.on_commit(lambda: outbox_send([message_id]))
    return bool(reopened)


def outbox_retry_now(*, message_ids: Iterable[int]) -> list[int]:
    """Vendor staff's "retry now": failed and retrying rows become due at once.

    Safe to press twice: only rows still failed or retrying change (a row already waiting,
    being sent or sent is left alone), and only those are enqueued. A failed row gets a fresh
    budget of attempts.
    """
    now = timezone.now()
    ids = list(message_ids)
    with transaction.atomic():
        changed = list(
            # By id: the model's ordering joins the (now nullable) order, and FOR UPDATE refuses
            # the nullable side of an outer join; one lock order also keeps two presses apart.
            OutboxMessage.objects.select_for_update()
            .filter(pk__in=ids, state__in=[OutboxState.FAILED, OutboxState.RETRYING])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        OutboxMessage.objects.filter(pk__in=changed).update(
            state=OutboxState.PENDING, next_attempt_at=now, attempts=0, waits=0, updated_at=now
        )
        transaction.on_commit(lambda: outbox_send(changed))
    return changed


def outbox_dispatch(*, limit: int = 1000) -> int:
    """The beat job: enqueue rows that are due but have no message on the way, and rows whose
    claim outlived its lease (a worker killed mid-call).

    A due row is sent once it has been due for ``OUTBOX_STALL_GRACE`` with no message (the
    broker was down when it was enqueued, or its wait was too long for a countdown), or with
    a message older than ``OUTBOX_REENQUEUE_AFTER`` (Redis lost it in a restart): a long queue
    in front of the workers is not mistaken for lost messages.
    """
    now = timezone.now()
    stale = now - timedelta(seconds=settings.OUTBOX_STALL_GRACE)
    no_message = Q(enqueued_at__isnull=True) | Q(
        enqueued_at__lte=now - timedelta(seconds=settings.OUTBOX_REENQUEUE_AFTER)
    )
    due = list(
        OutboxMessage.objects.filter(
            no_message, state__in=CLAIMABLE_STATES, next_attempt_at__lte=stale
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    stalled = list(
        OutboxMessage.objects.filter(
            no_message, state=OutboxState.IN_PROGRESS, claimed_at__lte=_lease_start(now)
        ).values_list("pk", flat=True)[:limit]
    )
    ids = due + stalled
    if ids:
        logger.info("Outbox dispatch: %d due, %d stalled", len(due), len(stalled))
    return outbox_send(ids)
