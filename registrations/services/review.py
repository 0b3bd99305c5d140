"""The agents' side of the state machine: review, qualify, reject, ask for information.

Every state change goes through ``services.transitions.transition`` (lock, check, save, event).
"""

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
from registrations.services.transitions import transition
from registrations.states import OpportunityStage, RegistrationState


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
    with transition(
        registration, actor=actor, to_state=RegistrationState.IN_REVIEW, side=Side.VENDOR
    ) as locked:
        if locked.assigned_to_id is None:
            locked.assigned_to = actor
    return locked


def _move_with_reason(
    *, registration: OpportunityRegistration, actor: User, to_state: str, reason: str
) -> OpportunityRegistration:
    """A decision the partner is told the reason for; refused without one, before any lock."""
    text = reason.strip()
    if not text:
        raise ValidationError({"reason": _("Give the partner a reason.")})
    with transition(
        registration, actor=actor, to_state=to_state, side=Side.VENDOR, reason=text
    ) as locked:
        pass  # nothing changes but the state and its reason
    return locked


@transaction.atomic
def registration_reject(
    *, registration: OpportunityRegistration, actor: User, reason: str
) -> OpportunityRegistration:
    """in review → rejected, with a reason the partner sees. A proposed company is released."""
    return _move_with_reason(
        registration=registration, actor=actor, to_state=RegistrationState.REJECTED, reason=reason
    )


@transaction.atomic
def registration_request_info(
    *, registration: OpportunityRegistration, actor: User, reason: str
) -> OpportunityRegistration:
    """in review → more information needed: back to the partner with the question."""
    return _move_with_reason(
        registration=registration, actor=actor, to_state=RegistrationState.MORE_INFO, reason=reason
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
    with transition(
        registration,
        actor=actor,
        to_state=RegistrationState.QUALIFIED,
        side=Side.VENDOR,
        refusal=_("Only a registration in review can be qualified."),
    ) as locked:
        company = _company_for(locked)
        CompanyLink.objects.get_or_create(company=company, organisation_id=locked.organisation_id)
        contact = _contact_for(locked, company=company)
        locked.company, locked.contact = company, contact
        if locked.assigned_to_id is None:
            locked.assigned_to = actor
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


def _company_for(registration: OpportunityRegistration) -> Company:
    """The registration's company: the one it names, or the new one it proposes, created."""
    if not registration.new_company:
        if registration.company is None:  # registration_existing_company_named forbids it
            raise ValueError("The registration names no company.")
        return registration.company
    company = Company(
        name=registration.company_name,
        website=registration.company_website,
        tin=registration.company_tin,
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
    return company


def _contact_for(registration: OpportunityRegistration, *, company: Company) -> Contact:
    """The registration's contact: the one it names, or the new one it proposes, created."""
    if not registration.new_contact:
        if registration.contact is None:  # registration_existing_contact_named forbids it
            raise ValueError("The registration names no contact.")
        return registration.contact
    return Contact.objects.create(
        company=company,
        first_name=registration.contact_first_name,
        middle_name=registration.contact_middle_name,
        last_name=registration.contact_last_name,
        email=registration.contact_email,
        phone=registration.contact_phone,
    )
