"""The outbox: one row per (order, target system), written in the order's own transaction, and
the log of every attempt to send it.

This module sits below ``orders`` in the layer order: it names ``Order`` by its app label and
imports nothing of ``orders``, so that ``orders.services`` can write its rows (through
``integrations.outbox.outbox_enqueue``) while the workers above ``orders`` send them.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.models import PartnerOrganisation


class Target(models.TextChoices):
    # Salesforce first: the Zuora account's CrmId is the Salesforce Account id.
    SALESFORCE = "salesforce", _("Salesforce")
    ZUORA = "zuora", _("Zuora")


class OutboxState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    IN_PROGRESS = "in_progress", _("Sending")
    RETRYING = "retrying", _("Retrying")
    SUCCEEDED = "succeeded", _("Sent")
    FAILED = "failed", _("Failed")


# States a worker may claim a row in (an IN_PROGRESS row only once its lease has run out).
CLAIMABLE_STATES = (OutboxState.PENDING, OutboxState.RETRYING)


class OutboxMessage(models.Model):
    """One order, or one correction of a customer's details, to push to one external system.

    Exactly one of ``order`` and ``customer_update`` is set (a check constraint holds it).

    A worker claims a due row with a conditional UPDATE (state and lease), records each attempt
    in ``OutboxAttempt`` and its outcome here; nothing is ever dropped: a row stays visible
    (waiting, retrying with its next attempt time, or failed with its error) until it is sent.
    ``next_attempt_at`` is the schedule: the beat job enqueues rows that are due and rows whose
    claim outlived its lease (a worker killed mid-call, a lost message, Redis down at checkout).
    """

    organisation = models.ForeignKey(
        PartnerOrganisation, on_delete=models.PROTECT, related_name="outbox_messages"
    )
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.PROTECT,
        related_name="outbox_messages",
        null=True,
        blank=True,
    )
    customer_update = models.ForeignKey(
        "orders.CustomerUpdate",
        on_delete=models.PROTECT,
        related_name="outbox_messages",
        null=True,
        blank=True,
    )
    target = models.CharField(max_length=16, choices=Target.choices)
    state = models.CharField(
        max_length=16, choices=OutboxState.choices, default=OutboxState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    # Times the Zuora push waited for the Salesforce Account id (bounded, then it goes ahead).
    waits = models.PositiveIntegerField(default=0)
    last_error_code = models.CharField(max_length=64, blank=True)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    # Set by the claim; a claim older than OUTBOX_CLAIM_LEASE seconds is presumed dead.
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=200, blank=True)
    # When a message for this row last went onto the broker (cleared when a worker claims it).
    # The beat job enqueues a due row that has no message at once, and one whose message may
    # have been lost (Redis restarted) only after OUTBOX_REENQUEUE_AFTER: a backlog in the queue
    # is not mistaken for lost messages and flooded with copies.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("order", "target")
        verbose_name = _("outbox message")
        constraints = [
            models.UniqueConstraint(fields=("order", "target"), name="outbox_once_per_target"),
            models.UniqueConstraint(
                fields=("customer_update", "target"), name="outbox_update_once_per_target"
            ),
            models.CheckConstraint(
                condition=Q(order__isnull=False, customer_update__isnull=True)
                | Q(order__isnull=True, customer_update__isnull=False),
                name="outbox_order_xor_customer_update",
            ),
        ]
        indexes = [
            # The beat job's "what is due" scan: only unsent rows are in this partial index.
            models.Index(
                fields=("next_attempt_at",),
                condition=Q(state__in=["pending", "retrying"]),
                name="outbox_due",
            ),
            # The beat job's stalled-claim scan, and the per-organisation Zuora serialisation.
            models.Index(
                fields=("organisation", "target", "claimed_at"),
                condition=Q(state="in_progress"),
                name="outbox_in_progress",
            ),
            # The back office's list: by state (counts and filter), newest first.
            models.Index(fields=("state", "-id"), name="outbox_state_recent"),
            # The list sorted by its Updated and Attempts headers (integrations.filters).
            models.Index(fields=("updated_at", "id"), name="outbox_updated"),
            models.Index(fields=("attempts", "id"), name="outbox_attempts"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.get_target_display()} ({self.get_state_display()})"

    @property
    def order_pk(self) -> int:
        """The order's id, for the pushes of an order (a customer update's row has none)."""
        if self.order_id is None:
            raise ValueError(f"Outbox message {self.pk} is not an order's.")
        return self.order_id

    @property
    def subject(self) -> str:
        """What the row pushes, in words: the order number, or "Customer update: <company>"."""
        if self.order_id is not None:
            return str(self.order)
        return str(self.customer_update)

    @property
    def is_done(self) -> bool:
        return self.state == OutboxState.SUCCEEDED


class AttemptOutcome(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Sent")
    RETRY = "retry", _("Failed, will retry")
    FAILED = "failed", _("Failed")
    DEFERRED = "deferred", _("Deferred")
    # A worker died mid-call; the next claim after the lease found this attempt still open.
    INTERRUPTED = "interrupted", _("Interrupted")


class OutboxAttempt(models.Model):
    """One try at sending an outbox row: when, by whom, how it ended, what it found or made."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    worker = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(
        max_length=16, choices=AttemptOutcome.choices, default=AttemptOutcome.RUNNING
    )
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)
    # The remote ids this attempt found or created (Zuora account/subscription, Salesforce ids).
    remote_ids = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ("message", "number")
        verbose_name = _("outbox attempt")
        constraints = [
            models.UniqueConstraint(fields=("message", "number"), name="outbox_attempt_once"),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.get_outcome_display()}"
