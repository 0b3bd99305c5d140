from __future__ import annotations

import re
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from core.validators import validate_zuora_id
from partners.sections import Section

# Path names become the first segment under /p/. Lower-case letters, digits and single hyphens,
# starting with a letter, so they read well in a URL and never need escaping.
PATH_NAME_RE = r"^[a-z](?:[a-z0-9]|-(?=[a-z0-9])){1,48}$"
RESERVED_PATH_NAMES = frozenset({"admin", "account", "accounts", "api", "static", "media", "new"})

validate_path_name = RegexValidator(
    PATH_NAME_RE,
    _(
        "Use 2-49 lower-case letters, digits and single hyphens, starting with a letter "
        "(for example “enterprise” or “public-sector”)."
    ),
)

DOMAIN_RE = re.compile(r"^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$")


def validate_not_reserved(value: str) -> None:
    if value in RESERVED_PATH_NAMES:
        raise ValidationError(_("“%(value)s” is reserved."), params={"value": value})


def validate_email_domain(value: str) -> None:
    if not DOMAIN_RE.match(value):
        raise ValidationError(
            _("“%(value)s” is not a domain name such as “northwind.example”."),
            params={"value": value},
        )


class SalesDirection(models.Model):
    """A line of business of the vendor (seed 003). Partners, portals and agents belong to one."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("code"), max_length=50, unique=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name",)
        permissions = [
            # Granted per direction with django-guardian: which agents work its registrations.
            ("work_registrations", "Can work registrations of this sales direction"),
        ]

    def __str__(self) -> str:
        return self.name


class PartnerPortal(models.Model):
    """The portal of one sales direction, served at ``/p/<path_name>/``."""

    direction = models.OneToOneField(
        SalesDirection, on_delete=models.PROTECT, related_name="portal", verbose_name=_("direction")
    )
    path_name = models.CharField(
        _("path name"),
        max_length=49,
        unique=True,
        validators=[validate_path_name, validate_not_reserved],
        help_text=_("The portal opens at /p/<path name>/."),
    )
    title = models.CharField(_("title"), max_length=120)
    is_active = models.BooleanField(
        _("active"),
        default=False,
        help_text=_("An inactive portal answers “not found” to everybody."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("path_name",)
        permissions = [
            # The source's "user criteria": an admin grants a user or a group of another
            # direction access to this portal (django-guardian object permission).
            ("access_portal", "Can enter this partner portal from another direction"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (/p/{self.path_name}/)"

    def get_absolute_url(self) -> str:
        return f"/p/{self.path_name}/"


class PortalSection(models.Model):
    """One entry of the portal's structure: which section it shows, at which position."""

    portal = models.ForeignKey(PartnerPortal, on_delete=models.CASCADE, related_name="sections")
    section = models.CharField(_("section"), max_length=32, choices=Section.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ("portal", "position", "id")
        constraints = [
            models.UniqueConstraint(fields=("portal", "section"), name="portal_section_once"),
        ]

    def __str__(self) -> str:
        return str(Section(self.section).label)


class InvoiceOwner(models.TextChoices):
    PARTNER = "partner", _("Partner organisation")
    END_CUSTOMER = "end_customer", _("End customer")


class PartnerOrganisation(models.Model):
    """A reseller partner: the tenant every partner-facing record belongs to."""

    name = models.CharField(_("name"), max_length=200)
    direction = models.ForeignKey(
        SalesDirection,
        on_delete=models.PROTECT,
        related_name="organisations",
        verbose_name=_("sales direction"),
    )
    zuora_account_id = models.CharField(
        _("Zuora account id"),
        max_length=64,
        unique=True,
        validators=[validate_zuora_id],
        help_text=_("The partner's own Zuora account: parent of its end customers' accounts."),
    )
    zuora_account_currency = models.CharField(
        _("Zuora account currency"),
        max_length=3,
        blank=True,
        validators=[
            RegexValidator(r"^[A-Z]{3}$", _("An ISO 4217 currency code such as EUR or USD."))
        ],
        help_text=_(
            "The currency of the partner's Zuora account. Required when the partner owns the "
            "invoices: Zuora bills only subscriptions in the invoice owner's currency."
        ),
    )
    salesforce_account_id = models.CharField(
        _("Salesforce account id"),
        max_length=18,
        blank=True,
        help_text=_("When set, end-customer Accounts get this as their ParentId."),
        validators=[
            RegexValidator(
                r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$",
                _("A Salesforce id has 15 or 18 letters and digits."),
            )
        ],
    )
    invoice_owner = models.CharField(
        _("invoice owner"),
        max_length=16,
        choices=InvoiceOwner.choices,
        default=InvoiceOwner.PARTNER,
        help_text=_("Who receives the invoices of subscriptions this partner sells."),
    )
    one_to_one_account_mapping = models.BooleanField(
        _("1:1 account mapping"),
        default=True,
        help_text=_(
            "On: one Zuora account per end customer, reused for every order. "
            "Off: one Zuora account per subscription."
        ),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Deactivating ends every member's access at their next request."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("name",)
        verbose_name = _("partner organisation")
        constraints = [
            models.UniqueConstraint(Lower("name"), name="partner_org_name_ci_unique"),
            models.UniqueConstraint(
                fields=("salesforce_account_id",),
                condition=~Q(salesforce_account_id=""),
                name="partner_org_sf_account_unique",
            ),
        ]
        indexes = [
            # The admin's list filters by direction and state.
            models.Index(fields=("direction", "is_active"), name="partner_org_dir_active"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def owns_invoices(self) -> bool:
        return self.invoice_owner == InvoiceOwner.PARTNER

    def clean(self) -> None:
        if self.owns_invoices and not self.zuora_account_currency:
            raise ValidationError(
                {
                    "zuora_account_currency": _(
                        "Set the currency of the partner's Zuora account: it owns the invoices."
                    )
                }
            )


class PartnerEmailDomain(models.Model):
    """An email domain that belongs to exactly one partner organisation."""

    organisation = models.ForeignKey(
        PartnerOrganisation, on_delete=models.CASCADE, related_name="email_domains"
    )
    domain = models.CharField(
        _("domain"), max_length=253, unique=True, validators=[validate_email_domain]
    )

    class Meta:
        ordering = ("domain",)
        verbose_name = _("email domain")

    def __str__(self) -> str:
        return self.domain

    def clean(self) -> None:
        self.domain = self.domain.strip().lower()


class PartnerRole(models.TextChoices):
    MEMBER = "member", _("Member")
    SUPERVISOR = "supervisor", _("Supervisor")


class PartnerMembership(models.Model):
    """Makes a user a partner user of one organisation. A user has at most one."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="partner_membership",
        verbose_name=_("user"),
    )
    organisation = models.ForeignKey(
        PartnerOrganisation,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    role = models.CharField(
        _("role"), max_length=16, choices=PartnerRole.choices, default=PartnerRole.MEMBER
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Deactivating ends access at the next request.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[models.Manager[PartnerMembership]]

    class Meta:
        ordering = ("organisation", "user__email")
        verbose_name = _("partner membership")
        indexes = [
            # "The organisation's people" (partner representative choices, admin inline).
            models.Index(fields=("organisation", "is_active"), name="membership_org_active"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.get_role_display()})"

    @property
    def is_supervisor(self) -> bool:
        return self.role == PartnerRole.SUPERVISOR

    def clean(self) -> None:
        # A partner user's address must be in their organisation's domains (when it has any),
        # and never in a domain that another organisation owns: SSO provisioning relies on it.
        if not (self.user_id and self.organisation_id):
            return
        domain = self.user.email.rpartition("@")[2].lower()
        owner = (
            PartnerEmailDomain.objects.filter(domain=domain)
            .values_list("organisation_id", flat=True)
            .first()
        )
        if owner is not None and owner != self.organisation_id:
            raise ValidationError(
                {"user": _("This address's domain belongs to another partner organisation.")}
            )
        if owner is None and self.organisation.email_domains.exists():
            raise ValidationError(
                {"user": _("This address is not in one of the organisation's email domains.")}
            )


class SystemProperty(models.Model):
    """A named switch vendor admins can flip in Django admin (seed 003's system properties)."""

    key = models.CharField(_("key"), max_length=120, unique=True)
    value = models.CharField(_("value"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("key",)
        verbose_name = _("system property")
        verbose_name_plural = _("system properties")

    def __str__(self) -> str:
        return f"{self.key} = {self.value}"
