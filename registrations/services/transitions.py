"""The registration state machine's one way in: every change of a registration's state.

Partner-side writes (``services.registrations``: submit, resubmit) and agent-side writes
(``services.review``: start review, ask for information, qualify, reject) change a
registration's state only through this module, so the rules hold for both sides alike:

- ``transition`` locks the row, refuses a move ``states.TRANSITIONS`` lacks, lets the caller
  change the locked row, then saves the new state and writes the feed's event;
- ``entered`` writes the first event of a registration just created in ``INITIAL_STATE``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from registrations.models import ActivityEntry, EntryKind, OpportunityRegistration
from registrations.services.activity import entry_record
from registrations.states import INITIAL_STATE, RegistrationState, can_transition


class InvalidTransition(Exception):
    """The registration is not in a state this change can start from (or it just changed)."""


@contextmanager
def transition(
    registration: OpportunityRegistration,
    *,
    actor: User,
    to_state: str,
    side: str,
    reason: str = "",
    refusal: str | Promise = "",
) -> Iterator[OpportunityRegistration]:
    """Move ``registration`` to ``to_state``; the block in between edits the locked row.

    Invariants: the move is checked against ``TRANSITIONS`` on the locked row, before the
    block runs, and refused with ``InvalidTransition`` (``refusal``, or a message naming both
    states); when the block raises, nothing more is saved. On leaving the block the state, its
    reason (the partner sees it; cleared when none is given) and its time are saved with the
    block's edits, and the feed gets the event, from ``side``.
    """
    # The lock lasts until the caller's transaction ends (select_for_update refuses to run
    # outside one): two moves of one registration serialise, and the second sees the first's
    # state, so two agents deciding at once cannot both win.
    locked = OpportunityRegistration.objects.select_for_update().get(pk=registration.pk)
    from_state = locked.state
    if not can_transition(from_state, to_state):
        raise InvalidTransition(refusal or _refusal(from_state, to_state))
    yield locked
    locked.state = to_state
    locked.state_reason = reason
    locked.state_changed_at = timezone.now()
    locked.save()
    _event_record(locked, actor=actor, side=side, from_state=from_state)


def _refusal(from_state: str, to_state: str) -> str:
    return _("A registration that is “%(from)s” cannot become “%(to)s”.") % {
        "from": RegistrationState(from_state).label,
        "to": RegistrationState(to_state).label,
    }


def entered(registration: OpportunityRegistration, *, actor: User, side: str) -> ActivityEntry:
    """The feed's first event for a registration just saved in the machine's initial state."""
    if registration.state != INITIAL_STATE:
        raise ValueError(f"A registration starts as {INITIAL_STATE}, not {registration.state}.")
    return _event_record(registration, actor=actor, side=side, from_state="")


def _event_record(
    registration: OpportunityRegistration, *, actor: User, side: str, from_state: str
) -> ActivityEntry:
    return entry_record(
        registration=registration,
        kind=EntryKind.EVENT,
        side=side,
        author=actor,
        body=registration.state_reason,
        from_state=from_state,
        to_state=registration.state,
    )
