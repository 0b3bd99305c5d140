"""Seed 003's registration form. It validates input; the services enforce the rules again
and write (the querysets limit what a partner can pick, the service checks it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.forms import BootstrapForm
from offers.selectors import offers_for_partner
from partners.models import PartnerOrganisation
from registrations import selectors, uploads
from registrations.forms.fields import (
    CompanyChoiceField,
    ContactChoiceField,
    MultipleFileField,
    RepresentativeChoiceField,
)
from registrations.models import Company, Contact, OpportunityRegistration, PendingUpload
from registrations.normalise import (
    normalise_name,
    normalise_phone,
    normalise_tin,
    normalise_website,
)
from registrations.services import RegistrationData
from registrations.uploads import validate_uploads


class RegistrationForm(BootstrapForm):
    """Seed 003's opportunity registration form, every field and rule."""

    name = forms.CharField(label=_("Name"), max_length=200)
    product = forms.CharField(
        label=_("Service/Product"),
        max_length=200,
        required=False,
        help_text=_("Choose one of the vendor's offers or type the service or product."),
    )
    new_company = forms.BooleanField(label=_("New company"), required=False)
    # Public ids as option values: the form names no internal key.
    company = CompanyChoiceField(
        label=_("Existing company"),
        queryset=Company.objects.none(),
        required=False,
        to_field_name="public_id",
    )
    company_name = forms.CharField(label=_("Company name"), max_length=200, required=False)
    company_website = forms.CharField(
        label=_("Company website"),
        max_length=200,
        required=False,
        help_text=_("For example example.com"),
    )
    company_tin = forms.CharField(
        label=_("Company TIN"), max_length=20, required=False, help_text=_("9, 10 or 12 digits.")
    )
    new_contact = forms.BooleanField(label=_("New contact"), required=False)
    contact = ContactChoiceField(
        label=_("Existing contact"),
        queryset=Contact.objects.none(),
        required=False,
        to_field_name="public_id",
    )
    contact_first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    contact_last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    contact_middle_name = forms.CharField(label=_("Middle name"), max_length=100, required=False)
    contact_email = forms.EmailField(label=_("Contact email"), required=False)
    contact_phone = forms.CharField(
        label=_("Contact phone number"),
        max_length=32,
        required=False,
        help_text=_("International form, for example +44 20 7946 0958."),
    )
    representative = RepresentativeChoiceField(
        label=_("Partner representative"), queryset=User.objects.none(), empty_label=None
    )
    budget = forms.CharField(
        label=_("Budget"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Price expectations and project budget."),
    )
    expected_close_date = forms.DateField(
        label=_("Estimated closure date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    customer_requirements = forms.CharField(
        label=_("Customer requirements"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    comments = forms.CharField(
        label=_("Additional comments"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Added to the Additional Comments of the activity feed."),
    )
    attachments = MultipleFileField(
        label=_("Attachments"),
        help_text=_("Up to 10 files of 10 MB each: PDF, images, office documents, text."),
    )

    def __init__(
        self,
        *args: Any,
        partner: PartnerOrganisation,
        user: User,
        registration: OpportunityRegistration | None = None,
        kept: Sequence[PendingUpload] = (),
        contacts_url: str = "",
        **kwargs: Any,
    ) -> None:
        if registration is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_from(registration)
        super().__init__(*args, **kwargs)
        self.partner = partner
        self.registration = registration
        # Files kept from this form session's earlier attempts (shown as already attached).
        self.kept = list(kept)
        # Choices come from what this partner may name, never from the default managers.
        choices = {
            "company": selectors.companies_for_partner(partner=partner),
            "contact": selectors.contacts_for_partner(partner=partner),
            "representative": selectors.representatives_for_partner(partner=partner),
        }
        for field_name, queryset in choices.items():
            cast(forms.ModelChoiceField, self.fields[field_name]).queryset = queryset
        # "Existing contact" offers the chosen company's contacts only; the page replaces them
        # in place when the company changes (htmx asks ``contacts_url``).
        contacts_offer(self, partner=partner, company=self._chosen_company())
        if contacts_url:
            self.fields["company"].widget.attrs.update(
                {
                    "hx-get": contacts_url,
                    "hx-trigger": "change",
                    "hx-target": "#field-contact",
                    "hx-swap": "outerHTML",
                }
            )
        # Service/Product: one of the vendor's offers this partner may sell, or free text
        # (seed 003). The offers are suggestions of a <datalist>: typing anything else is fine.
        self.product_suggestions = sorted(
            set(offers_for_partner(partner=partner).values_list("name", flat=True))
        )
        self.fields["product"].widget.attrs["list"] = "product-offers"
        # A submission bigger than the request body cap (core.body_limit) would be answered
        # with 413 before the form sees it, and what was typed would be gone: the form's script
        # stops such a submit and says why, before anything is sent.
        self.fields["attachments"].widget.attrs.update(
            {
                "data-max-total-size": settings.REQUEST_BODY_MAX_SIZE - uploads.FORM_FIELDS_ROOM,
                "data-too-large": _(
                    "The files chosen come to {total} together; one submission carries at most "
                    "{limit}. Choose fewer or smaller files."
                ),
            }
        )
        if registration is None:
            self.fields["representative"].initial = user.pk
        else:
            # The first comment is the feed's; later ones are added on the feed itself.
            del self.fields["comments"]

    def _chosen_company(self) -> str:
        """The company the form names: as posted (or asked for by htmx), else as initial."""
        if self.is_bound:
            return str(self.data.get(self.add_prefix("company")) or "")
        initial = self.initial.get("company") or self.fields["company"].initial
        return str(initial or "")

    def _files_already(self) -> int:
        existing = self.registration.attachments.count() if self.registration else 0
        return existing + len(self.kept)

    def clean_attachments(self) -> list[UploadedFile]:
        files: list[UploadedFile] = self.cleaned_data["attachments"]
        if files and self.kept:
            validate_uploads(files, already=self._files_already())
        return files

    def keepable_uploads(self) -> list[UploadedFile]:
        """The files of this (refused) submission worth keeping for the next one: each that
        passes the limits on its own, as many as there is room for. The others are named by
        the attachments field's error."""
        room = uploads.MAX_FILES - self._files_already()
        keepable: list[UploadedFile] = []
        for upload in self.files.getlist(self.add_prefix("attachments")):
            try:
                validate_uploads([upload])
            except ValidationError:
                continue
            keepable.append(upload)
        return keepable[: max(room, 0)]

    def clean_name(self) -> str:
        return normalise_name(self.cleaned_data["name"])

    def clean_expected_close_date(self) -> Any:
        value = self.cleaned_data["expected_close_date"]
        if value is not None and value < timezone.localdate():
            raise ValidationError(
                _("The estimated closure date cannot be in the past."), code="past_date"
            )
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_company"):
            self._clean_new_company(data)
        elif not data.get("company") and "company" not in self.errors:
            self.add_error(
                "company",
                ValidationError(_("Choose the company, or tick New company."), "required"),
            )
        if data.get("new_contact"):
            self._clean_new_contact(data)
        elif "contact" not in self.errors:
            contact = data.get("contact")
            company = data.get("company")
            if data.get("new_company"):
                self.add_error(
                    "contact",
                    ValidationError(
                        _("A new company has no contacts yet: tick New contact."), "new_company"
                    ),
                )
            elif contact is None:
                self.add_error(
                    "contact",
                    ValidationError(_("Choose the contact, or tick New contact."), "required"),
                )
            elif company is not None and contact.company_id != company.pk:
                self.add_error(
                    "contact",
                    ValidationError(_("Choose a contact of the chosen company."), "wrong_company"),
                )
        return data

    def _clean_new_company(self, data: dict[str, Any]) -> None:
        required = {
            "company_name": _("Enter the company's name."),
            "company_website": _("Enter the company's website."),
            "company_tin": _("Enter the company's TIN."),
        }
        for field, message in required.items():
            if not (data.get(field) or "").strip():
                if field not in self.errors:
                    self.add_error(field, ValidationError(message, "required"))
                continue
            try:
                if field == "company_name":
                    data[field] = normalise_name(data[field])
                elif field == "company_website":
                    data[field] = normalise_website(data[field])
                else:
                    data[field] = normalise_tin(data[field])
            except ValidationError as exc:
                self.add_error(field, exc)

    def _clean_new_contact(self, data: dict[str, Any]) -> None:
        for field, message in (
            ("contact_first_name", _("Enter the contact's first name.")),
            ("contact_last_name", _("Enter the contact's last name.")),
        ):
            if not (data.get(field) or "").strip():
                self.add_error(field, ValidationError(message, "required"))
        for field in ("contact_first_name", "contact_last_name", "contact_middle_name"):
            data[field] = normalise_name(data.get(field) or "")
        if data.get("contact_phone"):
            try:
                data["contact_phone"] = normalise_phone(data["contact_phone"])
            except ValidationError as exc:
                self.add_error("contact_phone", exc)

    def to_data(self) -> RegistrationData:
        d = self.cleaned_data
        new_company, new_contact = bool(d["new_company"]), bool(d["new_contact"])
        return RegistrationData(
            name=d["name"],
            product=d["product"].strip(),
            new_company=new_company,
            company=None if new_company else d["company"],
            company_name=d["company_name"] if new_company else "",
            company_website=d["company_website"] if new_company else "",
            company_tin=d["company_tin"] if new_company else "",
            new_contact=new_contact,
            contact=None if new_contact else d["contact"],
            contact_first_name=d["contact_first_name"] if new_contact else "",
            contact_middle_name=d["contact_middle_name"] if new_contact else "",
            contact_last_name=d["contact_last_name"] if new_contact else "",
            contact_email=(d["contact_email"] or "").lower() if new_contact else "",
            contact_phone=d["contact_phone"] if new_contact else "",
            representative=d["representative"],
            budget=d["budget"].strip(),
            expected_close_date=d["expected_close_date"],
            customer_requirements=d["customer_requirements"].strip(),
        )

    def apply_service_error(self, exc: ValidationError) -> None:
        """Show a service's ``ValidationError`` next to the fields it names."""
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, exc)


def initial_from(registration: OpportunityRegistration) -> dict[str, Any]:
    fields = (
        "name",
        "product",
        "new_company",
        "company_name",
        "company_website",
        "company_tin",
        "new_contact",
        "contact_first_name",
        "contact_middle_name",
        "contact_last_name",
        "contact_email",
        "contact_phone",
        "budget",
        "expected_close_date",
        "customer_requirements",
    )
    initial: dict[str, Any] = {field: getattr(registration, field) for field in fields}
    initial["company"] = registration.company.public_id if registration.company else None
    initial["contact"] = registration.contact.public_id if registration.contact else None
    initial["representative"] = registration.representative_id
    return initial


def contacts_offer(form: forms.Form, *, partner: PartnerOrganisation, company: str) -> None:
    """Offer ``form``'s "Existing contact" the contacts of ``company`` (a public id) only."""
    cast(ContactChoiceField, form.fields["contact"]).offer(
        selectors.contacts_of_company(partner=partner, company_public_id=company)
        if company
        else Contact.objects.none(),
        empty_label=str(_("Choose a contact") if company else _("Choose the company first")),
    )


class ContactForm(BootstrapForm):
    """ "Existing contact" alone, as the registration form's page swaps it in (htmx) when the
    company changes."""

    contact = RegistrationForm.base_fields["contact"]

    def __init__(self, *, partner: PartnerOrganisation, company: str) -> None:
        super().__init__()
        contacts_offer(self, partner=partner, company=company)
