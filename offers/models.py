from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.validators import validate_zuora_id
from offers.currencies import validate_currency
from partners.models import PartnerOrganisation, PartnerPortal

validate_label = RegexValidator(
    r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$",
    _("Use lower-case letters, digits, hyphens and underscores, for example “standard”."),
)


class SalesChannel(models.Model):
    """Where an offer is sold. Partner pages only ever show offers of the ``partner`` channel."""

    PARTNER = "partner"

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=80)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class CheckoutPage(models.Model):
    """The page an offer's checkout routes to (seed 000 step 4b: typically one for all partners)."""

    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    title = models.CharField(_("title"), max_length=120)
    terms = models.TextField(
        _("terms"), help_text=_("The terms the buyer must accept to place the order.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ("title",)

    def __str__(self) -> str:
        return self.title


class BillingPeriod(models.TextChoices):
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")

    @property
    def months(self) -> int:
        return 12 if self is BillingPeriod.YEAR else 1


class OfferQuerySet(models.QuerySet["Offer"]):
    def live(self, *, at: datetime | None = None) -> OfferQuerySet:
        """Offers inside their active window at ``at`` (now by default)."""
        now = at or timezone.now()
        return self.filter(
            Q(active_from__isnull=True) | Q(active_from__lte=now),
            Q(active_until__isnull=True) | Q(active_until__gt=now),
        )


class Offer(models.Model):
    """Something the vendor sells at a price, scoped to channels and partners (seed 000 step 2)."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    channels = models.ManyToManyField(
        SalesChannel, related_name="offers", verbose_name=_("sales channels")
    )
    eligible_organisations = models.ManyToManyField(
        PartnerOrganisation,
        related_name="eligible_offers",
        blank=True,
        verbose_name=_("eligible partner organisations"),
    )
    label = models.CharField(
        _("offer label"),
        max_length=64,
        validators=[validate_label],
        help_text=_("Offers with the same label are shown on the same pricing page."),
    )
    price = models.DecimalField(
        _("price"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    billing_period = models.CharField(
        _("billing period"), max_length=8, choices=BillingPeriod.choices
    )
    term_months = models.PositiveSmallIntegerField(
        _("term (months)"), validators=[MinValueValidator(1)]
    )
    auto_renew = models.BooleanField(_("auto-renew"), default=True)
    cancellation_window_days = models.PositiveSmallIntegerField(
        _("no cancelling in the last days of the term"),
        default=0,
        help_text=_(
            "Partners cannot cancel a subscription of this offer in the last this many days of "
            "its term (0: they always can)."
        ),
    )
    zuora_product_rate_plan_id = models.CharField(
        _("Zuora product rate plan id"), max_length=64, validators=[validate_zuora_id]
    )
    zuora_product_rate_plan_charge_id = models.CharField(
        _("Zuora product rate plan charge id"), max_length=64, validators=[validate_zuora_id]
    )
    checkout_page = models.ForeignKey(
        CheckoutPage,
        on_delete=models.PROTECT,
        related_name="offers",
        null=True,
        blank=True,
        verbose_name=_("checkout page"),
        help_text=_("The offer's checkout configuration: where “Buy” takes the partner."),
    )
    active_from = models.DateTimeField(_("active from"), null=True, blank=True)
    active_until = models.DateTimeField(_("active until"), null=True, blank=True)
    display_order = models.PositiveIntegerField(_("display order"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OfferQuerySet.as_manager()

    class Meta:
        ordering = ("display_order", "name")
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="offer_price_not_negative"),
            models.CheckConstraint(condition=Q(term_months__gte=1), name="offer_term_positive"),
            models.CheckConstraint(
                condition=Q(active_until__isnull=True)
                | Q(active_from__isnull=True)
                | Q(active_until__gt=models.F("active_from")),
                name="offer_active_window_ordered",
            ),
        ]
        indexes = [
            # A pricing page lists one label's offers in display order.
            models.Index(fields=("label", "display_order", "name"), name="offer_label_order"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def period(self) -> BillingPeriod:
        return BillingPeriod(self.billing_period)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.billing_period and self.term_months and self.term_months % self.period.months:
            errors["term_months"] = str(
                _("A yearly offer's term must be a whole number of years (12, 24, 36 … months).")
            )
        if self.active_from and self.active_until and self.active_until <= self.active_from:
            errors["active_until"] = str(_("The offer must end after it starts."))
        if errors:
            raise ValidationError(errors)


class PricingPage(models.Model):
    """One page per group of offers (seed 000 step 4a): a portal shows one offer label on it."""

    portal = models.ForeignKey(
        PartnerPortal, on_delete=models.CASCADE, related_name="pricing_pages"
    )
    label = models.CharField(_("offer label"), max_length=64, validators=[validate_label])
    slug = models.SlugField(_("slug"), max_length=64)
    title = models.CharField(_("title"), max_length=120)
    introduction = models.TextField(_("introduction"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    display_order = models.PositiveIntegerField(_("display order"), default=0)

    class Meta:
        ordering = ("portal", "display_order", "title")
        constraints = [
            models.UniqueConstraint(fields=("portal", "slug"), name="pricing_page_slug_per_portal"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (/p/{self.portal.path_name}/pricing/{self.slug}/)"
