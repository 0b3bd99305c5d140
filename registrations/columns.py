"""The columns of the registrations lists, each declared once: the table's header, in this
order, and the CSV export's header and cells (``core.lists.Column``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.formatting import day
from core.lists import Column, choice_label, text
from registrations.models import Opportunity, OpportunityRegistration
from registrations.states import (
    OpportunityStage,
    OpportunityStatus,
    PartnerUpdate,
    RegistrationState,
)


def _person(user: User) -> str:
    return user.get_full_name() or user.email


def _contact(registration: OpportunityRegistration) -> str:
    # An existing contact (selected with the row), or the new one the registration proposes.
    if registration.contact is not None:
        return registration.contact.full_name
    return f"{registration.contact_first_name} {registration.contact_last_name}".strip()


def _agent(registration: OpportunityRegistration) -> str:
    # The agent handling it, named as the tables name people.
    return _person(registration.assigned_to) if registration.assigned_to else ""


def _day(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


def _created(row: OpportunityRegistration | Opportunity) -> str:
    return timezone.localdate(row.created_at).isoformat()


# The CSV keeps ISO dates (spreadsheets read those); the table shows them as the reader writes
# them (core.formatting).
def _created_column(label: str | Promise) -> Column[Any]:
    return Column(
        label,
        _created,
        sort="created",
        cell_class="text-nowrap",
        html=lambda row: text(day(row.created_at)),
    )


def _closure_column(label: str | Promise) -> Column[Any]:
    """The expected close date: sortable, a dash when there is none."""
    return Column(
        label,
        lambda row: _day(row.expected_close_date),
        sort="closure",
        cell_class="text-nowrap",
        html=lambda row: text(day(row.expected_close_date)) or "—",
    )


# The badge of a registration's state or an opportunity's status (as
# partials/state_badge.html draws it on the record pages): the word says it, the colour repeats it.
_BADGE = {
    "qualified": "text-bg-success",
    "won": "text-bg-success",
    "rejected": "text-bg-danger",
    "lost": "text-bg-danger",
    "more_info": "text-bg-warning",
    "in_review": "text-bg-info",
}


def state_badge(state: str, label: object) -> str:
    colour = _BADGE.get(state, "text-bg-secondary")
    return f'<span class="badge {colour}" data-testid="state">{text(label)}</span>'


def _has_conflict(registration: OpportunityRegistration) -> bool:
    # Annotated by selectors.queue_for_agent (selectors.conflict_exists).
    return bool(getattr(registration, "has_conflict", False))


type RegistrationColumn = Column[OpportunityRegistration]

REGISTRATION_COLUMNS: tuple[RegistrationColumn, ...] = (
    Column(_("Name"), lambda r: r.name, sort="name", link=True),
    Column(
        _("State"),
        lambda r: choice_label(RegistrationState, r.state),
        html=lambda r: state_badge(r.state, choice_label(RegistrationState, r.state)),
    ),
    Column(_("Company"), lambda r: r.company_name, sort="company"),
    Column(_("Representative"), lambda r: _person(r.representative)),
    _created_column(_("Created")),
    _closure_column(_("Estimated closure")),
    Column(_("Service/Product"), lambda r: r.product, in_table=False),
    Column(_("Budget"), lambda r: r.budget, in_table=False),
    Column(_("Contact"), _contact, in_table=False, related=("contact",)),
    Column(_("Agent"), _agent, in_table=False, related=("assigned_to",)),
    Column(_("Reason"), lambda r: r.state_reason, in_table=False),
)


def _partner_update_badge(registration: OpportunityRegistration) -> str:
    """The queue's marker of a registration the partner changed since its agent opened it."""
    update = registration.partner_update
    if not update:
        return ""
    title = text(_("Updated by the partner since its agent last opened it"))
    return (
        f' <span class="badge text-bg-primary" data-testid="partner-update"'
        f' data-update="{text(update)}" title="{title}">'
        f"{text(choice_label(PartnerUpdate, update))}</span>"
    )


def _conflict_flag(registration: OpportunityRegistration) -> str:
    if not _has_conflict(registration):
        return ""
    title = text(_("Another partner has an open registration or opportunity for this company"))
    return (
        f' <span class="badge text-bg-danger" data-testid="conflict-flag" title="{title}">'
        f"{text(_('conflict'))}</span>"
    )


QUEUE_COLUMNS: tuple[RegistrationColumn, ...] = (
    Column(_("Name"), lambda r: r.name, sort="name", link=True, after=_partner_update_badge),
    Column(
        _("State"),
        lambda r: choice_label(RegistrationState, r.state),
        html=lambda r: state_badge(r.state, choice_label(RegistrationState, r.state)),
    ),
    Column(_("Partner"), lambda r: r.organisation.name),
    Column(_("Company"), lambda r: r.company_name, sort="company", after=_conflict_flag),
    Column(_("Agent"), _agent, blank="—"),
    _created_column(_("Created")),
    _closure_column(_("Estimated closure")),
    # The table marks it next to the company.
    Column(_("Conflict"), lambda r: "yes" if _has_conflict(r) else "", in_table=False),
    Column(_("Contact"), _contact, in_table=False, related=("contact",)),
    Column(_("Reason"), lambda r: r.state_reason, in_table=False),
)

OPPORTUNITY_COLUMNS: tuple[Column[Opportunity], ...] = (
    Column(_("Name"), lambda o: o.name, sort="name", link=True),
    Column(_("Company"), lambda o: o.company.name),
    Column(_("Stage"), lambda o: choice_label(OpportunityStage, o.stage)),
    Column(
        _("Status"),
        lambda o: choice_label(OpportunityStatus, o.status),
        html=lambda o: state_badge(o.status, choice_label(OpportunityStatus, o.status)),
    ),
    Column(_("Representative"), lambda o: _person(o.representative)),
    _created_column(_("Qualified")),
    _closure_column(_("Expected close")),
    Column(_("Budget"), lambda o: o.budget, in_table=False),
    Column(_("Contact"), lambda o: o.contact.full_name, in_table=False, related=("contact",)),
    Column(_("Reason lost"), lambda o: o.lost_reason, in_table=False),
)
