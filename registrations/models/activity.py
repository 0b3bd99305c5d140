"""The activity feed of a registration (and the opportunity qualified from it), and its files."""

from __future__ import annotations

import secrets
import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from partners.models import PartnerOrganisation
from registrations.models.opportunity import Opportunity
from registrations.models.registration import OpportunityRegistration
from registrations.states import NOTIFIED_STATES, RegistrationState


class EntryKind(models.TextChoices):
    # Seed 003's "Additional Comments": written by partner users or agents, seen by both.
    COMMENT = "comment", _("Additional comment")
    # Internal to the vendor: never rendered on a partner page.
    WORK_NOTE = "work_note", _("Work note")
    # Written by the system on every state change (and opportunity update).
    EVENT = "event", _("System event")


PARTNER_VISIBLE_KINDS: tuple[str, ...] = (EntryKind.COMMENT, EntryKind.EVENT)


class Side(models.TextChoices):
    PARTNER = "partner", _("Partner")
    VENDOR = "vendor", _("Vendor")


class ActivityEntry(models.Model):
    """One entry of a registration's activity feed. Entries are never edited."""

    registration = models.ForeignKey(
        OpportunityRegistration, on_delete=models.CASCADE, related_name="activity"
    )
    # Set on entries about the opportunity (stage and status changes, comments on it).
    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, null=True, blank=True, related_name="activity"
    )
    organisation = models.ForeignKey(
        PartnerOrganisation, on_delete=models.PROTECT, related_name="activity_entries"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=EntryKind.choices)
    side = models.CharField(_("side"), max_length=8, choices=Side.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activity_entries",
    )
    body = models.TextField(_("text"), blank=True)
    # For state-change events: the state left and the state entered.
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[models.Manager[ActivityEntry]]

    class Meta:
        ordering = ("created_at", "id")
        verbose_name = _("activity entry")
        verbose_name_plural = _("activity entries")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=EntryKind.WORK_NOTE) | Q(side=Side.VENDOR),
                name="activity_work_notes_are_vendor_only",
            ),
        ]
        indexes = [
            # The feed of one registration, oldest first, filtered by kind for partners.
            models.Index(fields=["registration", "created_at"], name="activity_registration"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.registration_id}"

    @property
    def notifies_registrant(self) -> bool:
        """Does the registering user get an email for this entry?

        Agents' comments and the agent's decisions, never work notes, never what partners write.
        On the model because both sides ask: the service that records the entry (to enqueue the
        email) and the worker that sends it (to check again).
        """
        if self.side != Side.VENDOR:
            return False
        if self.kind == EntryKind.COMMENT:
            return True
        return self.kind == EntryKind.EVENT and self.to_state in NOTIFIED_STATES

    @property
    def notifies_agents(self) -> bool:
        """Do the registration's agents get an email (and the queue a marker) for this entry?

        What partners do that agents must act on: a submission, a resubmission (both events
        entering "submitted") and a comment.
        """
        if self.side != Side.PARTNER:
            return False
        if self.kind == EntryKind.COMMENT:
            return True
        return self.kind == EntryKind.EVENT and self.to_state == RegistrationState.SUBMITTED


def attachment_path(instance: Any, filename: str) -> str:
    """A random name: neither the partner's file name nor a guessable sequence reaches disk."""
    return f"registrations/{secrets.token_hex(2)}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A file attached to a registration; served only through the access-checked views."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    registration = models.ForeignKey(
        OpportunityRegistration, on_delete=models.CASCADE, related_name="attachments"
    )
    organisation = models.ForeignKey(
        PartnerOrganisation, on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attachments"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[models.Manager[Attachment]]

    class Meta:
        ordering = ("created_at", "id")
        indexes = [
            models.Index(fields=["registration", "created_at"], name="attachment_registration")
        ]

    def __str__(self) -> str:
        return self.original_name


class PendingUpload(models.Model):
    """A file chosen on a registration form that came back with errors, kept so the partner
    does not choose it again (browsers clear a file input on every response).

    It belongs to one organisation, one user and one form session (``form_key``, handed to
    the page only inside a signed token, ``registrations.uploads.upload_session_sign``). The
    submit that succeeds turns it into an ``Attachment`` (the stored file is reused, not
    copied); anything left is purged a day later by a beat task
    (``registrations.pending_uploads_purge``).
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        PartnerOrganisation, on_delete=models.CASCADE, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    form_key = models.CharField(max_length=32)
    # The final attachment's random name already: turning it into an Attachment moves no file.
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[models.Manager[PendingUpload]]

    class Meta:
        ordering = ("created_at", "id")
        indexes = [
            # The form's kept files: one session of one user of one organisation.
            models.Index(
                fields=["organisation", "uploaded_by", "form_key"], name="pending_upload_session"
            ),
            # The purge: everything older than a day.
            models.Index(fields=["created_at"], name="pending_upload_created"),
        ]

    def __str__(self) -> str:
        return self.original_name
