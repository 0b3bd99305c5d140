"""The activity feed's forms and the agents' decision forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapForm
from registrations.models import EntryKind
from registrations.states import OpportunityStage, OpportunityStatus


class CommentForm(BootstrapForm):
    body = forms.CharField(
        label=_("Add a comment"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AgentCommentForm(CommentForm):
    """An agent's entry on the feed. Who reads it has no default: a note meant for colleagues
    must never reach the partner because nobody changed a pre-selected radio."""

    body = forms.CharField(
        label=_("Comment or work note"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    kind = forms.ChoiceField(
        label=_("Who sees it"),
        choices=[
            (EntryKind.WORK_NOTE, _("Work note (vendor only)")),
            (EntryKind.COMMENT, _("Comment to the partner")),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": _(
                "Choose who sees it: a work note (vendor only) or a comment to the partner."
            )
        },
    )


class ReasonForm(BootstrapForm):
    """A decision's reason, which the partner reads on the registration."""

    reason = forms.CharField(
        label=_("Reason (the partner sees it)"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class InfoRequestForm(ReasonForm):
    reason = forms.CharField(
        label=_("Information needed (the partner sees it)"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what information the partner should add.")},
    )


class RejectForm(ReasonForm):
    """Rejecting is final (the partner cannot resubmit): the agent confirms it in the form
    itself, so the step holds without JavaScript."""

    reason = forms.CharField(
        label=_("Reason for rejecting (the partner sees it)"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the registration is rejected.")},
    )
    confirm = forms.BooleanField(
        label=_("I understand that rejecting is final: the partner cannot resubmit it."),
        error_messages={"required": _("Tick the box to confirm: rejecting cannot be undone.")},
    )


class QualifyForm(BootstrapForm):
    opportunity_name = forms.CharField(
        label=_("Opportunity name"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to use the registration's name."),
    )
    stage = forms.ChoiceField(
        label=_("Stage"), choices=OpportunityStage.choices, initial=OpportunityStage.QUALIFICATION
    )
    comment = forms.CharField(
        # Not "Comment to the partner": that is an audience of the comment form beside it.
        label=_("Message to the partner with the qualification"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class OpportunityUpdateForm(BootstrapForm):
    stage = forms.ChoiceField(label=_("Stage"), choices=OpportunityStage.choices)
    status = forms.ChoiceField(label=_("Status"), choices=OpportunityStatus.choices)
    lost_reason = forms.CharField(
        label=_("Reason lost"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("status") == OpportunityStatus.LOST and not data.get("lost_reason", "").strip():
            self.add_error("lost_reason", _("Say why the opportunity was lost."))
        return data
