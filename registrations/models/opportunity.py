"""The opportunity an agent qualifies a registration into."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from partners.models import PartnerOrganisation
from registrations.models.crm import Company, Contact
from registrations.models.registration import OpportunityRegistration
from registrations.states import OpportunityStage, OpportunityStatus


class Opportunity(models.Model):
    """A qualified deal, linked to its registration, the partner and the representative."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        PartnerOrganisation,
        on_delete=models.PROTECT,
        related_name="opportunities",
        verbose_name=_("partner organisation"),
    )
    registration = models.OneToOneField(
        OpportunityRegistration, on_delete=models.PROTECT, related_name="opportunity"
    )
    # The user who registered the deal: "My opportunities" are those qualified from my
    # registrations (seed 003).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="opportunities_registered",
        verbose_name=_("registered by"),
    )
    representative = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="opportunities_represented",
        verbose_name=_("partner representative"),
    )
    name = models.CharField(_("name"), max_length=200)
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="opportunities", verbose_name=_("company")
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, related_name="opportunities", verbose_name=_("contact")
    )
    budget = models.CharField(_("budget"), max_length=500, blank=True)
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    stage = models.CharField(
        _("stage"),
        max_length=16,
        choices=OpportunityStage.choices,
        default=OpportunityStage.QUALIFICATION,
    )
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=OpportunityStatus.choices,
        default=OpportunityStatus.OPEN,
    )
    lost_reason = models.TextField(_("reason lost"), blank=True)
    created_at = models.DateTimeField(_("qualified"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[models.Manager[Opportunity]]

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=OpportunityStatus.LOST) | ~Q(lost_reason=""),
                name="opportunity_lost_has_reason",
            ),
        ]
        indexes = [
            # "All opportunities" newest first and its date range; "My opportunities" likewise.
            models.Index(fields=["organisation", "-created_at", "-id"], name="opp_org_created"),
            models.Index(
                fields=["organisation", "created_by", "-created_at", "-id"],
                name="opp_org_mine_created",
            ),
            # The stage and status filters read opp_org_created / opp_org_mine_created
            # (opp_org_status was never used by any page: dropped by migration 0006).
            # Sort by, and range-filter on, the expected close date.
            models.Index(
                fields=["organisation", "expected_close_date", "id"], name="opp_org_close"
            ),
            # Sort by name; the partner-representative filter.
            models.Index(fields=["organisation", "name", "id"], name="opp_org_name"),
            # "My opportunities" sorted by name and by close date: the organisation's indexes
            # walk past every colleague's row before the first of theirs.
            models.Index(
                fields=["organisation", "created_by", "name", "id"], name="opp_org_mine_name"
            ),
            models.Index(
                fields=["organisation", "created_by", "expected_close_date", "id"],
                name="opp_org_mine_close",
            ),
            models.Index(
                fields=["organisation", "representative", "-created_at"],
                name="opp_org_representative",
            ),
            # The conflict flag ("open opportunities of this company from another organisation",
            # from the index alone) and the company filter.
            models.Index(fields=["company", "status", "organisation"], name="opp_company_status"),
        ]

    def __str__(self) -> str:
        return self.name
