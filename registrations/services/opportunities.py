"""Opportunity writes (agents)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from registrations.models import EntryKind, Opportunity, Side
from registrations.services.activity import entry_record
from registrations.states import OpportunityStage, OpportunityStatus


@transaction.atomic
def opportunity_update(
    *, opportunity: Opportunity, actor: User, stage: str, status: str, lost_reason: str = ""
) -> Opportunity:
    """Set stage and status; "lost" needs a reason. The change lands in the feed, seen by the
    partner (a no-op change writes nothing)."""
    if stage not in OpportunityStage.values:
        raise ValidationError({"stage": _("Choose a stage.")})
    if status not in OpportunityStatus.values:
        raise ValidationError({"status": _("Choose a status.")})
    reason = lost_reason.strip() if status == OpportunityStatus.LOST else ""
    if status == OpportunityStatus.LOST and not reason:
        raise ValidationError({"lost_reason": _("Say why the opportunity was lost.")})
    locked = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    changes = []
    if locked.stage != stage:
        changes.append(
            _("Stage: %(old)s → %(new)s")
            % {"old": OpportunityStage(locked.stage).label, "new": OpportunityStage(stage).label}
        )
    if locked.status != status or locked.lost_reason != reason:
        changes.append(
            _("Status: %(old)s → %(new)s")
            % {
                "old": OpportunityStatus(locked.status).label,
                "new": OpportunityStatus(status).label,
            }
        )
    if not changes:
        return locked
    locked.stage, locked.status, locked.lost_reason = stage, status, reason
    locked.save(update_fields=["stage", "status", "lost_reason", "updated_at"])
    body = "\n".join(str(change) for change in changes)
    if reason:
        body += "\n" + str(_("Reason: %(reason)s") % {"reason": reason})
    entry_record(
        registration=locked.registration,
        opportunity=locked,
        kind=EntryKind.EVENT,
        side=Side.VENDOR,
        author=actor,
        body=body,
    )
    return locked
