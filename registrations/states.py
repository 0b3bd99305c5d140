"""The registration state machine and the opportunity's stage and status.

``TRANSITIONS`` is the whole machine: a registration starts in ``INITIAL_STATE``, a transition
not listed here does not exist, and ``services.transitions.transition``, which every state change
goes through, refuses it (tests walk every pair).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegistrationState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    MORE_INFO = "more_info", _("More information needed")
    QUALIFIED = "qualified", _("Qualified")
    REJECTED = "rejected", _("Rejected")


S = RegistrationState

# A partner's submission creates a registration in this state (and a resubmission returns it).
INITIAL_STATE: str = S.SUBMITTED

TRANSITIONS: dict[str, frozenset[str]] = {
    S.SUBMITTED: frozenset({S.IN_REVIEW}),
    S.IN_REVIEW: frozenset({S.QUALIFIED, S.REJECTED, S.MORE_INFO}),
    # Back to the partner, who edits and resubmits.
    S.MORE_INFO: frozenset({S.SUBMITTED}),
    S.QUALIFIED: frozenset(),
    S.REJECTED: frozenset(),
}

# States in which a registration is still being worked: it holds the identifiers (name, website,
# TIN) of the new company it proposes, and it counts as "open" for the conflict flag.
OPEN_STATES: tuple[str, ...] = (S.SUBMITTED, S.IN_REVIEW, S.MORE_INFO)

# The states whose transition carries a reason the partner sees.
STATES_WITH_REASON: frozenset[str] = frozenset({S.REJECTED, S.MORE_INFO})
# State changes the registering user hears about by email (seed 003 leaves it to the portal;
# issue #5 asks for these).
NOTIFIED_STATES: frozenset[str] = frozenset({S.QUALIFIED, *STATES_WITH_REASON})


class PartnerUpdate(models.TextChoices):
    """What a partner did to a registration that no agent has opened since: the queue's marker.
    A comment does not hide a (re)submission not yet seen."""

    SUBMITTED = "submitted", _("New")
    RESUBMITTED = "resubmitted", _("Resubmitted")
    COMMENTED = "commented", _("New comment")


def can_transition(from_state: str, to_state: str) -> bool:
    return to_state in TRANSITIONS.get(from_state, frozenset())


class OpportunityStage(models.TextChoices):
    QUALIFICATION = "qualification", _("Qualification")
    PROPOSAL = "proposal", _("Proposal")
    NEGOTIATION = "negotiation", _("Negotiation")


class OpportunityStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
