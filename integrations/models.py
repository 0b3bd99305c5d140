from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from orders.models import Order
from partners.models import PartnerOrganisation


class Target(models.TextChoices):
    ZUORA = "zuora", _("Zuora")
    SALESFORCE = "salesforce", _("Salesforce")


class OutboxState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    IN_PROGRESS = "in_progress", _("Sending")
    SUCCEEDED = "succeeded", _("Sent")
    FAILED = "failed", _("Failed")


class OutboxMessage(models.Model):
    """One order to push to one external system, written in the order's own transaction.

    A worker claims a pending row, records each attempt and its outcome; nothing is ever dropped:
    a row stays visible (pending or failed, with its last error) until it succeeds.
    """

    organisation = models.ForeignKey(
        PartnerOrganisation, on_delete=models.PROTECT, related_name="outbox_messages"
    )
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="outbox_messages")
    target = models.CharField(max_length=16, choices=Target.choices)
    state = models.CharField(
        max_length=16, choices=OutboxState.choices, default=OutboxState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("order", "target")
        verbose_name = _("outbox message")
        constraints = [
            models.UniqueConstraint(fields=("order", "target"), name="outbox_once_per_target"),
        ]
        indexes = [
            # The worker's claim query and the back office's "what is stuck" view.
            models.Index(fields=("state", "next_attempt_at"), name="outbox_state_due"),
        ]

    def __str__(self) -> str:
        return f"{self.order} → {self.get_target_display()} ({self.get_state_display()})"
