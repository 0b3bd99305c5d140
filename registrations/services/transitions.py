"""The agents' side of the state machine: review, qualify, reject, ask for information."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from registrations.models import (
    Company,
    CompanyLink,
    Contact,
    EntryKind,
    Opportunity,
    OpportunityRegistration,
    Side,
)
from registrations.services.activity import entry_record
from registrations.states import OpportunityStage, RegistrationState, can_transition


class InvalidTransition(Exception):
    """The registration is not in a state this change can start from (or it just changed)."""


def registration_lock(registration: OpportunityRegistration) -> OpportunityRegistration:
    """The registration's row, locked until the transaction ends: transitions serialise."""
    return OpportunityRegistration.objects.select_for_update().get(pk=registration.pk)


def registration_transition(
    registration: OpportunityRegistration,
    *,
    actor: User,
    to_state: str,
    side: str,
    reason: str = "",
) -> OpportunityRegistration:
    """Move a (locked) registration to ``to_state`` and record the event in the feed."""
    from_state = registration.state
    if not can_transition(from_state, to_state):
        raise InvalidTransition(
            _("A registration that is “%(from)s” cannot become “%(to)s”.")
            % {
                "from": RegistrationState(from_state).label,
                "to": RegistrationState(to_state).label,
            }
        )
    registration.state = to_state
    registration.state_reason = reason
    registration.state_changed_at = timezone.now()
    registration.save()
    entry_record(
        registration=registration,
        kind=EntryKind.EVENT,
        side=side,
        author=actor,
        body=reason,
        from_state=from_state,
        to_state=to_state,
    )
    return registration


@transaction.atomic
def registration_assign(*, registration: OpportunityRegistration, agent: User) -> None:
    """Make ``agent`` the registration's agent ("assigned to me")."""
    OpportunityRegistration.objects.filter(pk=registration.pk).update(
        assigned_to=agent, updated_at=timezone.now()
    )
    registration.assigned_to = agent


@transaction.atomic
def registration_start_review(
    *, registration: OpportunityRegistration, actor: User
) -> OpportunityRegistration:
    """submitted → in review; the agent who starts is assigned unless someone already is."""
    locked = registration_lock(registration)
    if locked.assigned_to_id is None:
        locked.assigned_to = actor
    return registration_transition(
        locked, actor=actor, to_state=RegistrationState.IN_REVIEW, side=Side.VENDOR
    )


def _require_reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise ValidationError({"reason": _("Give the partner a reason.")})
    return text


@transaction.atomic
def registration_reject(
    *, registration: OpportunityRegistration, actor: User, reason: str
) -> OpportunityRegistration:
    """in review → rejected, with a reason the partner sees. A proposed company is released."""
    text = _require_reason(reason)
    return registration_transition(
        registration_lock(registration),
        actor=actor,
        to_state=RegistrationState.REJECTED,
        side=Side.VENDOR,
        reason=text,
    )


@transaction.atomic
def registration_request_info(
    *, registration: OpportunityRegistration, actor: User, reason: str
) -> OpportunityRegistration:
    """in review → more information needed: back to the partner with the question."""
    text = _require_reason(reason)
    return registration_transition(
        registration_lock(registration),
        actor=actor,
        to_state=RegistrationState.MORE_INFO,
        side=Side.VENDOR,
        reason=text,
    )


@transaction.atomic
def registration_qualify(
    *,
    registration: OpportunityRegistration,
    actor: User,
    opportunity_name: str = "",
    stage: str = OpportunityStage.QUALIFICATION,
    comment: str = "",
) -> Opportunity:
    """in review → qualified, creating what the registration proposes and the opportunity.

    Creates the Company (from the proposed name, website and TIN) and the Contact when they are
    new, links the company to the partner organisation, and creates the Opportunity linked to
    the registration, the organisation and the representative. Raises ``InvalidTransition``
    from any other state, and ``ValidationError`` should the CRM have gained a company with
    the same identifiers by another way (Django admin) since the registration was submitted.
    """
    locked = registration_lock(registration)
    if not can_transition(locked.state, RegistrationState.QUALIFIED):
        raise InvalidTransition(_("Only a registration in review can be qualified."))
    if locked.new_company:
        company = Company(
            name=locked.company_name, website=locked.company_website, tin=locked.company_tin
        )
        try:
            with transaction.atomic():
                company.save()
        except IntegrityError as exc:
            raise ValidationError(
                _(
                    "The CRM already has a company with this name, website or TIN. Ask the "
                    "partner for more information, or reject the registration."
                )
            ) from exc
    else:
        if locked.company is None:  # registration_existing_company_named forbids it
            raise ValueError("The registration names no company.")
        company = locked.company
    CompanyLink.objects.get_or_create(company=company, organisation_id=locked.organisation_id)
    if locked.new_contact:
        contact = Contact.objects.create(
            company=company,
            first_name=locked.contact_first_name,
            middle_name=locked.contact_middle_name,
            last_name=locked.contact_last_name,
            email=locked.contact_email,
            phone=locked.contact_phone,
        )
    else:
        if locked.contact is None:  # registration_existing_contact_named forbids it
            raise ValueError("The registration names no contact.")
        contact = locked.contact
    locked.company = company
    locked.contact = contact
    if locked.assigned_to_id is None:
        locked.assigned_to = actor
    registration_transition(
        locked, actor=actor, to_state=RegistrationState.QUALIFIED, side=Side.VENDOR
    )
    opportunity = Opportunity.objects.create(
        organisation_id=locked.organisation_id,
        registration=locked,
        created_by_id=locked.created_by_id,
        representative_id=locked.representative_id,
        name=opportunity_name.strip() or locked.name,
        company=company,
        contact=contact,
        budget=locked.budget,
        expected_close_date=locked.expected_close_date,
        stage=stage,
    )
    if comment.strip():
        entry_record(
            registration=locked,
            kind=EntryKind.COMMENT,
            side=Side.VENDOR,
            author=actor,
            body=comment.strip(),
            opportunity=opportunity,
        )
    return opportunity
