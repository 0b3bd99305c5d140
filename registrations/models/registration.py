"""The opportunity registration: what a partner user submits (seed 003's form)."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from partners.models import PartnerOrganisation, SalesDirection
from registrations.models.crm import Company, Contact
from registrations.normalise import TIN_DB_REGEX
from registrations.states import OPEN_STATES, PartnerUpdate, RegistrationState

# A proposed new company holds its name, website and TIN while the registration is open: two
# open registrations can never propose the same company (see the constraints below).
_HOLDS_PROPOSAL = Q(new_company=True, state__in=OPEN_STATES)


class OpportunityRegistration(models.Model):
    """A deal a partner registers. Agents qualify it into an ``Opportunity`` or reject it.

    Either it names an existing company (``company``) or proposes a new one (``company_name``,
    ``company_website``, ``company_tin``); qualification then creates the company and sets
    ``company``. The same holds for the contact. ``company_name`` always holds the company's
    name as registered, for lists and search.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        PartnerOrganisation,
        on_delete=models.PROTECT,
        related_name="registrations",
        verbose_name=_("partner organisation"),
        db_index=False,  # reg_org_* lead with it (migration 0006)
    )
    # The organisation's direction when the registration was submitted: whose agents work it.
    # Kept on the row so the agents' queue filters on one indexed column.
    direction = models.ForeignKey(
        SalesDirection, on_delete=models.PROTECT, related_name="registrations", db_index=False
    )  # reg_dir_* lead with it (migration 0006)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="registrations_created",
        verbose_name=_("registered by"),
    )
    representative = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="registrations_represented",
        verbose_name=_("partner representative"),
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="registrations_assigned",
        verbose_name=_("agent"),
    )

    name = models.CharField(_("name"), max_length=200)
    product = models.CharField(_("service/product"), max_length=200, blank=True)

    new_company = models.BooleanField(_("new company"), default=False)
    company = models.ForeignKey(
        Company,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registrations",
        verbose_name=_("company"),
        db_index=False,  # reg_company_state leads with it (migration 0006)
    )
    company_name = models.CharField(_("company name"), max_length=200)
    company_website = models.CharField(_("company website"), max_length=200, blank=True)
    company_tin = models.CharField(_("company TIN"), max_length=12, blank=True)

    new_contact = models.BooleanField(_("new contact"), default=False)
    contact = models.ForeignKey(
        Contact,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registrations",
        verbose_name=_("contact"),
    )
    contact_first_name = models.CharField(_("first name"), max_length=100, blank=True)
    contact_middle_name = models.CharField(_("middle name"), max_length=100, blank=True)
    contact_last_name = models.CharField(_("last name"), max_length=100, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone number"), max_length=20, blank=True)

    budget = models.CharField(_("budget"), max_length=500, blank=True)
    expected_close_date = models.DateField(_("estimated closure date"), null=True, blank=True)
    customer_requirements = models.TextField(_("customer requirements"), blank=True)

    state = models.CharField(
        _("state"),
        max_length=16,
        choices=RegistrationState.choices,
        default=RegistrationState.SUBMITTED,
    )
    # The agent's reason for the current state (rejected, more information needed): the
    # partner sees it on the registration.
    state_reason = models.TextField(_("reason"), blank=True)
    state_changed_at = models.DateTimeField(_("state changed"), auto_now_add=True)
    # Set when the partner submits, resubmits or comments; cleared when the registration's agent
    # (any agent of the direction while nobody is assigned) opens it. On the row, so the queue
    # shows the marker without a query of its own.
    partner_update = models.CharField(
        _("updated by the partner"),
        max_length=16,
        choices=PartnerUpdate.choices,
        blank=True,
        default="",
        # Also in the table, for the rows raw SQL inserts (registrations_generate).
        db_default="",
    )

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[models.Manager[OpportunityRegistration]]

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("opportunity registration")
        constraints = [
            models.CheckConstraint(
                condition=Q(new_company=True) | Q(company__isnull=False),
                name="registration_existing_company_named",
            ),
            models.CheckConstraint(
                condition=Q(new_company=False)
                | (
                    ~Q(company_name="")
                    & ~Q(company_website="")
                    & Q(company_tin__regex=TIN_DB_REGEX)
                ),
                name="registration_new_company_complete",
            ),
            models.CheckConstraint(
                condition=Q(new_contact=True) | Q(contact__isnull=False),
                name="registration_existing_contact_named",
            ),
            models.CheckConstraint(
                condition=Q(new_contact=False)
                | (~Q(contact_first_name="") & ~Q(contact_last_name="")),
                name="registration_new_contact_named",
            ),
            # No two open registrations propose the same new company (the Company table's own
            # constraints cover the companies that exist).
            models.UniqueConstraint(
                Lower("company_name"),
                condition=_HOLDS_PROPOSAL,
                name="registration_new_name_unique",
            ),
            models.UniqueConstraint(
                fields=("company_website",),
                condition=_HOLDS_PROPOSAL,
                name="registration_new_website_unique",
            ),
            models.UniqueConstraint(
                fields=("company_tin",),
                condition=_HOLDS_PROPOSAL,
                name="registration_new_tin_unique",
            ),
        ]
        indexes = [
            # Partner lists. "All registrations", newest first (the default sort), and the
            # created-date range filter.
            models.Index(fields=["organisation", "-created_at", "-id"], name="reg_org_created"),
            # "My registrations", newest first, and its created-date range.
            models.Index(
                fields=["organisation", "created_by", "-created_at", "-id"],
                name="reg_org_mine_created",
            ),
            # The state filter on All, and on My (a member may have 100,000s of rows too).
            models.Index(
                fields=["organisation", "state", "-created_at", "-id"], name="reg_org_state"
            ),
            models.Index(
                fields=["organisation", "created_by", "state", "-created_at", "-id"],
                name="reg_org_mine_state",
            ),
            # Sort by, and range-filter on, the estimated closure date.
            models.Index(
                fields=["organisation", "expected_close_date", "id"], name="reg_org_close"
            ),
            # Sort by name / by company.
            models.Index(fields=["organisation", "name", "id"], name="reg_org_name"),
            models.Index(
                fields=["organisation", "company_name", "id"], name="reg_org_company_name"
            ),
            # "My registrations" sorted by name, by closure and by company, and its company
            # filter's names (a loose index scan: selectors.registration_company_names): a
            # member may have 100,000s of rows, and the organisation's index walks past every
            # colleague's row before the first of theirs (120,000 at 500k rows: 104 ms).
            models.Index(
                fields=["organisation", "created_by", "name", "id"], name="reg_org_mine_name"
            ),
            models.Index(
                fields=["organisation", "created_by", "expected_close_date", "id"],
                name="reg_org_mine_close",
            ),
            models.Index(
                fields=["organisation", "created_by", "company_name", "id"],
                name="reg_org_mine_company",
            ),
            # The partner-representative filter.
            models.Index(
                fields=["organisation", "representative", "-created_at"],
                name="reg_org_representative",
            ),
            # The company filter, and the conflict flag: "open registrations of this company from
            # another organisation" is answered from the index alone, without heap visits.
            models.Index(fields=["company", "state", "organisation"], name="reg_company_state"),
            # Back office: the queue of the agent's directions, newest first, and by state (also
            # the capped counts by state).
            models.Index(fields=["direction", "-created_at", "-id"], name="reg_dir_created"),
            models.Index(fields=["direction", "state", "-created_at", "-id"], name="reg_dir_state"),
            # "Assigned to me" is served by assigned_to's own index (reg_assigned_state, never
            # used by any page, was dropped by migration 0006).
            # The queue's sorts (by name, estimated closure, company) within the directions.
            models.Index(fields=["direction", "name", "id"], name="reg_dir_name"),
            models.Index(fields=["direction", "expected_close_date", "id"], name="reg_dir_close"),
            models.Index(fields=["direction", "company_name", "id"], name="reg_dir_company_name"),
            # The queue's "state=submitted&sort=company" (and the other open states): the
            # (direction, company name) index would walk every closed row to find the few open
            # ones (8,000 discarded for a page at 500k rows, growing with the closed ones). Open
            # registrations stay few, so a partial index on them is small (3.5 MB at 500k rows)
            # and the page reads its own rows only. Closed states are most of the rows: the
            # index above serves them without discarding many.
            models.Index(
                fields=["direction", "state", "company_name", "id"],
                condition=Q(state__in=OPEN_STATES),
                name="reg_dir_open_company",
            ),
            # Free-text search ("contains") is served by pg_trgm GIN indexes on UPPER(name) and
            # UPPER(company_name), created by migration 0002 on PostgreSQL only.
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def contact_full_name(self) -> str:
        if self.contact is not None:
            return self.contact.full_name
        parts = (self.contact_first_name, self.contact_middle_name, self.contact_last_name)
        return " ".join(p for p in parts if p)
