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
from registrations.states import PartnerUpdate, RegistrationState
from registrations.tasks import send_activity_notification, send_agent_notification


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
    notify: bool = True,
) -> ActivityEntry:
    """Append an entry to the feed (in the caller's transaction) and notify on commit: the
    registering user of an agent's comment or decision, the agents of what the partner does
    (which the queue also marks). ``notify=False`` for an entry another one's email covers."""
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
    if entry.notifies_agents:
        _partner_update_mark(registration, entry)
    if not notify:
        return entry
    # Enqueued only once the entry is committed: a worker must find it.
    if entry.notifies_registrant:
        send_activity_notification.delay_on_commit(  # type: ignore[attr-defined]  # not in stubs
            entry.pk
        )
    if entry.notifies_agents:
        send_agent_notification.delay_on_commit(  # type: ignore[attr-defined]  # not in stubs
            entry.pk
        )
    return entry


def _partner_update_mark(registration: OpportunityRegistration, entry: ActivityEntry) -> None:
    """The queue's marker: a (re)submission always shows; a comment only when no unseen
    (re)submission does already."""
    rows = OpportunityRegistration.objects.filter(pk=registration.pk)
    if entry.kind == EntryKind.EVENT:
        update = (
            PartnerUpdate.RESUBMITTED
            if entry.from_state == RegistrationState.MORE_INFO
            else PartnerUpdate.SUBMITTED
        )
    else:
        update = PartnerUpdate.COMMENTED
        rows = rows.filter(partner_update="")
    if rows.update(partner_update=update):
        registration.partner_update = update


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


def registration_seen(*, registration: OpportunityRegistration, agent: User) -> bool:
    """An agent opened the registration: clear the queue's "updated by the partner" marker if
    they are its agent, or nobody is (another agent's look does not hide it from its agent).
    Returns whether the marker was cleared; no query when there is none."""
    if not registration.partner_update:
        return False
    if registration.assigned_to_id not in (None, agent.pk):
        return False
    OpportunityRegistration.objects.filter(pk=registration.pk).update(partner_update="")
    registration.partner_update = ""
    return True
