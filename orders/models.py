"""The commerce records an order creates. Every row carries its partner organisation (NOT NULL,
PROTECT): seed 000's "all objects created will reference the partner organisation ID"."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from offers.models import BillingPeriod, Offer
from orders.rules import total_per_period
from partners.models import InvoiceOwner, PartnerOrganisation


def partner_fk(related_name: str) -> models.ForeignKey[PartnerOrganisation]:
    return models.ForeignKey(
        PartnerOrganisation,
        on_delete=models.PROTECT,
        related_name=related_name,
        verbose_name=_("partner organisation"),
    )


class Customer(models.Model):
    """An end customer of a partner organisation."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = partner_fk("customers")
    company_name = models.CharField(_("company name"), max_length=200)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("email"))
    phone = models.CharField(_("phone"), max_length=32)
    address_line1 = models.CharField(_("address"), max_length=200)
    address_line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100)
    postal_code = models.CharField(_("postal code"), max_length=20)
    region = models.CharField(_("state or region"), max_length=100, blank=True)
    country = CountryField(_("country"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Written back by the integration workers. With 1:1 account mapping the customer has one
    # Zuora account, reused by every order; without it each subscription has its own.
    zuora_account_id = models.CharField(_("Zuora account id"), max_length=32, blank=True)
    salesforce_account_id = models.CharField(_("Salesforce Account id"), max_length=18, blank=True)
    salesforce_contact_id = models.CharField(_("Salesforce Contact id"), max_length=18, blank=True)
    # Kept by the subscription services and the invoice sync, in the transactions that change
    # what they count (``orders.aggregates``), so the customers list sorts by them on an index.
    active_subscriptions = models.PositiveIntegerField(_("active subscriptions"), default=0)
    unpaid_balance = models.DecimalField(
        _("unpaid balance"), max_digits=14, decimal_places=2, default=Decimal(0)
    )

    class Meta:
        ordering = ("company_name", "id")
        constraints = [
            # One customer record per address and partner: with 1:1 account mapping, each
            # becomes one Zuora account, so a duplicate would split their billing.
            models.UniqueConstraint(
                "organisation", Lower("email"), name="customer_email_per_partner"
            ),
        ]
        indexes = [
            # The checkout's customer picker and the customers list, by company name; the
            # list's other sorts (each walked both ways by keyset paging).
            models.Index(
                fields=("organisation", "company_name", "id"), name="customer_org_company"
            ),
            models.Index(fields=("organisation", "last_name", "id"), name="customer_org_contact"),
            models.Index(fields=("organisation", "email", "id"), name="customer_org_email"),
            models.Index(
                fields=("organisation", "active_subscriptions", "id"),
                name="customer_org_active_subs",
            ),
            models.Index(
                fields=("organisation", "unpaid_balance", "id"), name="customer_org_unpaid"
            ),
            models.Index(fields=("organisation", "created_at", "id"), name="customer_org_created"),
            # An end customer's own records, at every partner (/account/).
            models.Index(Lower("email"), name="customer_email"),
            # The invoice sync finds the customer of a Zuora account.
            models.Index(
                fields=("zuora_account_id",),
                condition=~Q(zuora_account_id=""),
                name="customer_zuora_account",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company_name} ({self.first_name} {self.last_name})"

    @property
    def contact_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


# The contact and billing address fields a partner may correct (``customer_update``); the
# pushes send them to Zuora and Salesforce. The company name is among them: it is the name of the
# Zuora account and of the Salesforce Account.
CUSTOMER_DETAIL_FIELDS = (
    "company_name",
    "first_name",
    "last_name",
    "email",
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "postal_code",
    "region",
    "country",
)


class CustomerUpdate(models.Model):
    """A correction of a customer's contact and billing address: who made it, when, the values
    before and after (every field of ``CUSTOMER_DETAIL_FIELDS``, as strings), and its outbox
    rows (one per system) that push it to Zuora and Salesforce."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = partner_fk("customer_updates")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="updates")
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    old_values = models.JSONField(_("before"))
    new_values = models.JSONField(_("after"))
    # The form's one-time token: a second submit of the same form finds this update.
    idempotency_key = models.UUIDField(unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            # The customer page's latest correction and its sync state.
            models.Index(fields=("customer", "-created_at"), name="customer_update_recent"),
        ]

    def __str__(self) -> str:
        # The name the update gave (no query for the customer row).
        return f"Customer update: {self.new_values.get('company_name', '')}"

    @property
    def changes(self) -> list[tuple[str, str, str]]:
        """(field, before, after) for each field the update changed."""
        return [
            (f, self.old_values.get(f, ""), self.new_values.get(f, "")) for f in self.changed_fields
        ]

    @property
    def changed_fields(self) -> list[str]:
        return [
            f for f in CUSTOMER_DETAIL_FIELDS if self.old_values.get(f) != self.new_values.get(f)
        ]


class OrderType(models.TextChoices):
    NEW = "new", _("New")
    CHANGE = "change", _("Change")
    CANCEL = "cancel", _("Cancel")


class Order(models.Model):
    """A partner user's order for an end customer. Its number is ``ORD-`` and the padded id."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = partner_fk("orders")
    type = models.CharField(_("type"), max_length=8, choices=OrderType.choices)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="orders")
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders_placed"
    )
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    # Snapshots: the order keeps the terms it was placed at when the offer changes later.
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    billing_period = models.CharField(max_length=8, choices=BillingPeriod.choices)
    term_months = models.PositiveSmallIntegerField()
    po_number = models.CharField(_("purchase order number"), max_length=50, blank=True)
    # The subscription the order made (new) or changes (change, cancel).
    subscription = models.ForeignKey(
        "Subscription",
        on_delete=models.PROTECT,
        related_name="orders",
        null=True,
        blank=True,
        verbose_name=_("subscription"),
    )
    # A change or cancel: what it replaced, when it takes effect, and why (a cancel).
    previous_offer = models.ForeignKey(
        Offer, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    previous_quantity = models.PositiveIntegerField(null=True, blank=True)
    effective_date = models.DateField(_("effective date"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=500, blank=True)
    # When a synced change or cancel took effect on the subscription here (on its effective
    # date: at once, or by the daily job for a later one).
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    terms_accepted_at = models.DateTimeField()
    # The form's one-time token: a second submit of the same form finds this order.
    idempotency_key = models.UUIDField(unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="order_price_not_negative"),
            # A change or cancel names the subscription it changes and when it takes effect.
            models.CheckConstraint(
                condition=Q(type=OrderType.NEW)
                | Q(subscription__isnull=False, effective_date__isnull=False),
                name="order_change_names_its_subscription",
            ),
        ]
        indexes = [
            models.Index(fields=("organisation", "-created_at"), name="order_org_recent"),
            # A subscription's trail, newest first.
            models.Index(fields=("subscription", "-created_at"), name="order_subscription_trail"),
            # The beat job's scan for changes and cancels to apply on their date: only the few
            # not applied yet are in it.
            models.Index(
                fields=("effective_date",),
                condition=Q(applied_at__isnull=True) & ~Q(type=OrderType.NEW),
                name="order_change_unapplied",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"ORD-{self.pk:06d}"

    @property
    def total_per_period(self) -> Decimal:
        # From the order's own snapshot of the price, not the offer's price today.
        return total_per_period(unit_price=self.unit_price, quantity=self.quantity)


class SubscriptionStatus(models.TextChoices):
    PENDING = "pending", _("Pending billing confirmation")
    ACTIVE = "active", _("Active")
    CANCELLED = "cancelled", _("Cancelled")


class Subscription(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = partner_fk("subscriptions")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="subscriptions")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="subscriptions")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    status = models.CharField(
        max_length=16, choices=SubscriptionStatus.choices, default=SubscriptionStatus.PENDING
    )
    start_date = models.DateField(_("start date"))
    term_end_date = models.DateField(_("term end date"))
    auto_renew = models.BooleanField(_("auto-renew"))
    created_at = models.DateTimeField(auto_now_add=True)
    # Written back by the Zuora push: the account it was subscribed under (the customer's with
    # 1:1 mapping, its own without), and Zuora's subscription id and number.
    zuora_account_id = models.CharField(_("Zuora account id"), max_length=32, blank=True)
    zuora_subscription_id = models.CharField(_("Zuora subscription id"), max_length=32, blank=True)
    zuora_subscription_number = models.CharField(
        _("Zuora subscription number"), max_length=100, blank=True
    )
    # Each amendment makes a new version in Zuora (a new id, Version + 1): we store the latest.
    zuora_version = models.PositiveIntegerField(_("Zuora version"), null=True, blank=True)
    # Set when a cancellation is synced: the subscription ends on this date.
    cancellation_date = models.DateField(_("cancellation date"), null=True, blank=True)

    class Meta:
        ordering = ("-start_date", "-id")
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end_date__gt=models.F("start_date")),
                name="subscription_term_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=("organisation", "status"), name="subscription_org_status"),
            # The invoice sync finds the subscription of an invoice item, and the accounts
            # (1:1 mapping off) whose invoices it pulls.
            models.Index(
                fields=("zuora_subscription_id",),
                condition=~Q(zuora_subscription_id=""),
                name="subscription_zuora_id",
            ),
            models.Index(
                fields=("organisation", "zuora_account_id"),
                condition=~Q(zuora_account_id=""),
                name="subscription_org_zuora_account",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offer.name} × {self.quantity} for {self.customer.company_name}"


class ScheduleKind(models.TextChoices):
    BILLING = "billing", _("Billing")
    RENEWAL = "renewal", _("Renewal")
    END = "end", _("End of term")
    CANCELLATION = "cancellation", _("Cancellation")


class Schedule(models.Model):
    """A dated event of a subscription: each billing date of the term, then its renewal or end."""

    organisation = partner_fk("schedules")
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="schedules"
    )
    kind = models.CharField(max_length=16, choices=ScheduleKind.choices)
    date = models.DateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    # The order that planned it, and the change or cancel that replaced it (kept, marked).
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="schedules", null=True, blank=True
    )
    superseded_by = models.ForeignKey(
        Order,
        on_delete=models.PROTECT,
        related_name="superseded_schedules",
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ("date", "id")
        constraints = [
            # Among the current schedules only: superseded ones stay as history.
            models.UniqueConstraint(
                fields=("subscription", "kind", "date"),
                condition=Q(superseded_by__isnull=True),
                name="schedule_once_per_kind_and_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.date}"


class Invoice(models.Model):
    """An invoice pulled from Zuora (upserted by its Zuora id; a pull never duplicates).

    An invoice the partner owns covers many end customers: ``customer`` and ``subscription`` are
    set only when every item is of one customer and one subscription; the items carry the links.
    The PDF is fetched from Zuora when asked for, never stored.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = partner_fk("invoices")
    zuora_id = models.CharField(_("Zuora invoice id"), max_length=32, unique=True)
    zuora_account_id = models.CharField(_("Zuora account id"), max_length=32)
    owner = models.CharField(_("invoice owner"), max_length=16, choices=InvoiceOwner.choices)
    number = models.CharField(_("number"), max_length=64)
    invoice_date = models.DateField(_("invoice date"))
    # Zuora always sets one; the sync falls back to the invoice date rather than leave it empty
    # (the list sorts by it, and a key with NULLs cannot be paged by key).
    due_date = models.DateField(_("due date"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    balance = models.DecimalField(_("balance"), max_digits=14, decimal_places=2)
    status = models.CharField(_("status"), max_length=32)
    currency = models.CharField(_("currency"), max_length=3)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="invoices", null=True, blank=True
    )
    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, related_name="invoices", null=True, blank=True
    )
    synced_at = models.DateTimeField(_("synced at"))

    class Meta:
        ordering = ("-invoice_date", "-id")
        indexes = [
            # The invoices list: its sorts (keyset, both ways) and its filters. Each is led by
            # the organisation, so a partner's pages never read another's rows.
            models.Index(fields=("organisation", "invoice_date", "id"), name="invoice_org_date"),
            models.Index(fields=("organisation", "due_date", "id"), name="invoice_org_due"),
            models.Index(fields=("organisation", "amount", "id"), name="invoice_org_amount"),
            models.Index(fields=("organisation", "balance", "id"), name="invoice_org_balance"),
            models.Index(fields=("organisation", "number", "id"), name="invoice_org_number"),
            # Unpaid and overdue: the few invoices with money owed, by date. The due date is a
            # key column after the order's: overdue (due before today, a condition no partial
            # index can hold) is checked in the index, not on each skipped row of the table
            # (1M invoices: 125 ms of heap reads for the first overdue page before).
            models.Index(
                fields=("organisation", "invoice_date", "id", "due_date"),
                condition=Q(balance__gt=0),
                name="invoice_org_unpaid_date_due",
            ),
            models.Index(
                fields=("organisation", "owner", "invoice_date", "id"),
                name="invoice_org_owner_date",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class InvoiceItem(models.Model):
    """One charge of an invoice: which subscription (and so which customer) it bills."""

    organisation = partner_fk("invoice_items")
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="items")
    zuora_id = models.CharField(_("Zuora invoice item id"), max_length=32, unique=True)
    zuora_subscription_id = models.CharField(max_length=32, blank=True)
    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, related_name="invoice_items", null=True, blank=True
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="invoice_items", null=True, blank=True
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    quantity = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    service_start_date = models.DateField(null=True, blank=True)
    service_end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ("invoice", "id")

    def __str__(self) -> str:
        return f"{self.invoice} · {self.amount}"


class PaymentState(models.TextChoices):
    """How an invoice stands for the partner: settled, or money still owed."""

    PAID = "paid", _("Paid")
    UNPAID = "unpaid", _("Unpaid")


class InvoiceSummary(models.Model):
    """Totals of an organisation's invoices per owner, payment state, currency and invoice
    month, kept by the invoice sync in the transaction that writes the invoices.

    The invoices list shows its totals from these rows: a few dozen per organisation and year,
    where an exact SUM over a million invoices would read every one of them.
    """

    organisation = partner_fk("invoice_summaries")
    owner = models.CharField(max_length=16, choices=InvoiceOwner.choices)
    payment_state = models.CharField(max_length=8, choices=PaymentState.choices)
    currency = models.CharField(max_length=3)
    month = models.DateField(help_text=_("The first day of the invoices' month."))
    count = models.PositiveIntegerField(default=0)
    amount = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal(0))
    balance = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal(0))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("organisation", "owner", "payment_state", "currency", "month"),
                name="invoice_summary_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.month:%Y-%m} {self.payment_state} {self.currency}"
