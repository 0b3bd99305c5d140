"""The vendor's CRM records a registration names: companies and their contacts.

A company is the vendor's, not a partner's: partners never list the CRM. An organisation sees a
company only through a ``CompanyLink`` (made when one of its registrations creates or names the
company, or by an admin).
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from partners.models import PartnerOrganisation
from registrations.normalise import TIN_DB_REGEX


class Company(models.Model):
    """A customer company in the vendor's CRM. Name, website and TIN each identify it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    # Stored normalised (registrations.normalise.normalise_website): "example.com/shop".
    website = models.CharField(_("website"), max_length=200)
    tin = models.CharField(_("TIN"), max_length=12, help_text=_("9, 10 or 12 digits."))
    organisations = models.ManyToManyField(
        PartnerOrganisation, through="CompanyLink", related_name="companies", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[models.Manager[Company]]

    class Meta:
        ordering = ("name",)
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        constraints = [
            # "Unique compared to the companies existing in the system" (seed 003), enforced by
            # the database so that no race between two submissions can produce a duplicate.
            models.UniqueConstraint(Lower("name"), name="company_name_ci_unique"),
            models.UniqueConstraint(fields=("website",), name="company_website_unique"),
            models.UniqueConstraint(fields=("tin",), name="company_tin_unique"),
            models.CheckConstraint(
                condition=Q(tin__regex=TIN_DB_REGEX), name="company_tin_9_10_or_12_digits"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CompanyLink(models.Model):
    """Lets an organisation see (and register opportunities for) a company."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="links")
    organisation = models.ForeignKey(
        PartnerOrganisation, on_delete=models.PROTECT, related_name="company_links"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("company link")
        constraints = [
            models.UniqueConstraint(
                fields=("organisation", "company"), name="company_link_once_per_organisation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company} ↔ {self.organisation}"


class Contact(models.Model):
    """A person at a company, in the vendor's CRM."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="contacts")
    first_name = models.CharField(_("first name"), max_length=100)
    middle_name = models.CharField(_("middle name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("email"), blank=True)
    # E.164 (registrations.normalise.normalise_phone).
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[models.Manager[Contact]]

    class Meta:
        ordering = ("company", "last_name", "first_name")
        verbose_name = _("contact")

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)
