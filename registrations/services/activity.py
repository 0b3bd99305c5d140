"""Activity-feed writes, and the notifications they trigger."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from registrations.models import (
    ActivityEntry,
    EntryKind,
    Opportunity,
    OpportunityRegistration,
    Side,
)
from registrations.tasks import send_activity_notification


def entry_record(
    *,
    registration: OpportunityRegistration,
    kind: str,
    side: str,
    author: User | None,
    body: str = "",
    from_state: str = "",
    to_state: str = "",
    opportunity: Opportunity | None = None,
) -> ActivityEntry:
    """Append an entry to the feed (in the caller's transaction) and notify on commit."""
    entry = ActivityEntry.objects.create(
        registration=registration,
        opportunity=opportunity,
        organisation_id=registration.organisation_id,
        kind=kind,
        side=side,
        author=author,
        body=body,
        from_state=from_state,
        to_state=to_state,
    )
    if entry.notifies_registrant:
        # Enqueued only once the entry is committed: a worker must find it.
        send_activity_notification.delay_on_commit(  # type: ignore[attr-defined]  # not in stubs
            entry.pk
        )
    return entry


@transaction.atomic
def comment_add(
    *,
    registration: OpportunityRegistration,
    actor: User,
    body: str,
    side: str,
    kind: str = EntryKind.COMMENT,
    opportunity: Opportunity | None = None,
) -> ActivityEntry:
    """Add an additional comment (partner or agent) or a work note (agents only).

    The caller has already resolved ``registration`` through its side's access helper.
    """
    text = body.strip()
    if not text:
        raise ValidationError({"body": _("Write a comment first.")})
    if kind not in (EntryKind.COMMENT, EntryKind.WORK_NOTE):
        raise ValueError(f"Not a comment kind: {kind}")
    if kind == EntryKind.WORK_NOTE and side != Side.VENDOR:
        raise ValidationError(_("Only vendor staff write work notes."))
    return entry_record(
        registration=registration,
        kind=kind,
        side=side,
        author=actor,
        body=text,
        opportunity=opportunity,
    )
