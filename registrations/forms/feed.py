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
    kind = forms.ChoiceField(
        label=_("Visible to"),
        choices=[
            (EntryKind.COMMENT, _("Partner and vendor (additional comment)")),
            (EntryKind.WORK_NOTE, _("Vendor only (work note)")),
        ],
        initial=EntryKind.COMMENT,
        widget=forms.RadioSelect,
    )


class ReasonForm(BootstrapForm):
    reason = forms.CharField(
        label=_("Reason (the partner sees it)"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
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
        label=_("Comment to the partner"),
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
