"""Registration writes of the partner side: submit, and resubmit after "more information"."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from partners.models import PartnerMembership, PartnerOrganisation
from registrations.models import (
    Company,
    CompanyLink,
    Contact,
    EntryKind,
    OpportunityRegistration,
    PendingUpload,
    Side,
)
from registrations.services.activity import entry_record
from registrations.services.attachments import attachments_add
from registrations.services.transitions import entered, transition
from registrations.states import INITIAL_STATE, OPEN_STATES, RegistrationState

# What a partner is told when a new company's name, website or TIN is taken. It never says by
# whom (another partner's registration or the vendor's CRM): deal registration is where
# partners compete, and the channel manager sorts such cases out.
DUPLICATE_COMPANY_MESSAGES: dict[str, str] = {
    "company_name": str(
        _(
            "A company with this name already exists. Your channel manager will help you "
            "register this opportunity."
        )
    ),
    "company_website": str(
        _(
            "A company with this website already exists. Your channel manager will help you "
            "register this opportunity."
        )
    ),
    "company_tin": str(
        _(
            "A company with this TIN already exists. Your channel manager will help you "
            "register this opportunity."
        )
    ),
}

# The database constraints behind those messages (a concurrent submission loses the race on
# one of these rather than on the checks above them).
_CONSTRAINT_FIELDS = {
    "registration_new_name_unique": "company_name",
    "registration_new_website_unique": "company_website",
    "registration_new_tin_unique": "company_tin",
    "company_name_ci_unique": "company_name",
    "company_website_unique": "company_website",
    "company_tin_unique": "company_tin",
}


@dataclass(frozen=True, kw_only=True)
class RegistrationData:
    """What the registration form collects, already cleaned and normalised."""

    name: str
    product: str = ""
    new_company: bool
    company: Company | None = None
    company_name: str = ""
    company_website: str = ""
    company_tin: str = ""
    new_contact: bool
    contact: Contact | None = None
    contact_first_name: str = ""
    contact_middle_name: str = ""
    contact_last_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    representative: User
    budget: str = ""
    expected_close_date: date | None = None
    customer_requirements: str = ""


def company_duplicates(
    *, name: str, website: str, tin: str, exclude_registration_id: int | None = None
) -> list[str]:
    """Which of a proposed new company's identifiers are taken, as form field names.

    "Taken" means by a company in the CRM, or proposed by another open registration.
    """
    taken: list[str] = []
    proposals = OpportunityRegistration.objects.filter(new_company=True, state__in=OPEN_STATES)
    if exclude_registration_id is not None:
        proposals = proposals.exclude(pk=exclude_registration_id)
    checks = (
        ("company_name", Q(name__iexact=name), Q(company_name__iexact=name)),
        ("company_website", Q(website=website), Q(company_website=website)),
        ("company_tin", Q(tin=tin), Q(company_tin=tin)),
    )
    for field, in_crm, in_proposals in checks:
        if Company.objects.filter(in_crm).exists() or proposals.filter(in_proposals).exists():
            taken.append(field)
    return taken


def _duplicate_error(fields: Sequence[str]) -> ValidationError:
    return ValidationError({field: DUPLICATE_COMPANY_MESSAGES[field] for field in fields})


def _check_references(*, partner: PartnerOrganisation, data: RegistrationData) -> None:
    """The rows a form names must be ones this partner may name (never trust a posted id)."""
    errors: dict[str, str] = {}
    if not data.new_company:
        if data.company is None:
            errors["company"] = str(_("Choose the company."))
        elif not CompanyLink.objects.filter(company=data.company, organisation=partner).exists():
            errors["company"] = str(_("Choose one of the companies in the list."))
    if not data.new_contact:
        if data.contact is None:
            errors["contact"] = str(_("Choose the contact."))
        elif data.new_company or data.company is None or data.contact.company_id != data.company.pk:
            errors["contact"] = str(_("Choose a contact of the chosen company."))
    is_member = PartnerMembership.objects.filter(
        user=data.representative, organisation=partner, is_active=True
    ).exists()
    if not is_member:
        errors["representative"] = str(_("Choose a member of your organisation."))
    if data.expected_close_date is not None and data.expected_close_date < timezone.localdate():
        errors["expected_close_date"] = str(_("The estimated closure date cannot be in the past."))
    if errors:
        raise ValidationError(errors)


def _apply(registration: OpportunityRegistration, data: RegistrationData) -> None:
    registration.name = data.name
    registration.product = data.product
    registration.new_company = data.new_company
    if data.new_company:
        registration.company = None
        registration.company_name = data.company_name
        registration.company_website = data.company_website
        registration.company_tin = data.company_tin
    else:
        if data.company is None:  # _check_references refuses this; keep mypy and readers sure
            raise ValueError("An existing company is required.")
        registration.company = data.company
        registration.company_name = data.company.name
        registration.company_website = ""
        registration.company_tin = ""
    registration.new_contact = data.new_contact
    if data.new_contact:
        registration.contact = None
        registration.contact_first_name = data.contact_first_name
        registration.contact_middle_name = data.contact_middle_name
        registration.contact_last_name = data.contact_last_name
        registration.contact_email = data.contact_email
        registration.contact_phone = data.contact_phone
    else:
        registration.contact = data.contact
        for field in ("first_name", "middle_name", "last_name", "email", "phone"):
            setattr(registration, f"contact_{field}", "")
    registration.representative = data.representative
    registration.budget = data.budget
    registration.expected_close_date = data.expected_close_date
    registration.customer_requirements = data.customer_requirements


def _constraint_name(exc: IntegrityError) -> str:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) or ""


def _save_unique(registration: OpportunityRegistration) -> None:
    """Save a registration, turning a lost uniqueness race into the duplicate message.

    Order matters for a new company. The checks before the INSERT give the message in the
    common case. Two submissions racing with the same identifier both pass them; PostgreSQL
    then makes the second INSERT wait on the partial unique index until the first commits, and
    it fails there. A registration being qualified at this very moment leaves that index when
    it commits, which is why the CRM is checked once more after the INSERT: by then the new
    Company row is visible.
    """
    if registration.new_company:
        taken = company_duplicates(
            name=registration.company_name,
            website=registration.company_website,
            tin=registration.company_tin,
            exclude_registration_id=registration.pk,
        )
        if taken:
            raise _duplicate_error(taken)
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError as exc:
        field = _CONSTRAINT_FIELDS.get(_constraint_name(exc))
        if field is None:
            # Not a constraint we know by name (SQLite reports none): find what is taken now.
            taken = company_duplicates(
                name=registration.company_name,
                website=registration.company_website,
                tin=registration.company_tin,
                exclude_registration_id=registration.pk,
            )
            if not taken:
                raise
            raise _duplicate_error(taken) from exc
        raise _duplicate_error([field]) from exc
    if registration.new_company:
        in_crm = Company.objects.filter(
            Q(name__iexact=registration.company_name)
            | Q(website=registration.company_website)
            | Q(tin=registration.company_tin)
        ).values_list("name", "website", "tin")
        clashes: set[str] = set()
        for name, website, tin in in_crm:
            if name.lower() == registration.company_name.lower():
                clashes.add("company_name")
            if website == registration.company_website:
                clashes.add("company_website")
            if tin == registration.company_tin:
                clashes.add("company_tin")
        if clashes:
            raise _duplicate_error(sorted(clashes))


@transaction.atomic
def registration_submit(
    *,
    partner: PartnerOrganisation,
    actor: User,
    data: RegistrationData,
    comment: str = "",
    files: Sequence[UploadedFile] = (),
    kept: Sequence[PendingUpload] = (),
) -> OpportunityRegistration:
    """A partner user registers an opportunity for their organisation.

    Invariants: the registration belongs to ``partner`` and its direction; the company, contact
    and representative it names are ones ``partner`` may name; a new company's name, website
    and TIN are unique in the system (raises ``ValidationError`` keyed by form field
    otherwise, the database constraints backing the checks); the feed starts with a
    "submitted" event and, when given, the additional comment.
    """
    _check_references(partner=partner, data=data)
    registration = OpportunityRegistration(
        organisation=partner,
        direction_id=partner.direction_id,
        created_by=actor,
        state=INITIAL_STATE,
    )
    _apply(registration, data)
    registration.full_clean(validate_unique=False, validate_constraints=False)
    _save_unique(registration)
    entered(registration, actor=actor, side=Side.PARTNER)
    if comment.strip():
        entry_record(
            registration=registration,
            kind=EntryKind.COMMENT,
            side=Side.PARTNER,
            author=actor,
            body=comment.strip(),
            # The agents' email of the submission quotes it.
            notify=False,
        )
    attachments_add(registration=registration, actor=actor, files=files, kept=kept)
    return registration


@transaction.atomic
def registration_resubmit(
    *,
    registration: OpportunityRegistration,
    actor: User,
    data: RegistrationData,
    files: Sequence[UploadedFile] = (),
    kept: Sequence[PendingUpload] = (),
) -> OpportunityRegistration:
    """The partner answers "more information needed": edits the registration and sends it back.

    Only from "more information needed" (``InvalidTransition`` otherwise); the same rules as
    ``registration_submit`` apply to the edited data.
    """
    with transition(
        registration,
        actor=actor,
        to_state=RegistrationState.SUBMITTED,
        side=Side.PARTNER,
        refusal=_("Only a registration waiting for more information is edited."),
    ) as locked:
        _check_references(partner=locked.organisation, data=data)
        _apply(locked, data)
        locked.full_clean(validate_unique=False, validate_constraints=False)
        # Still "more information needed" here: the edited row is checked against the others.
        _save_unique(locked)
    attachments_add(registration=locked, actor=actor, files=files, kept=kept)
    return locked
