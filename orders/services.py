"""Writes of the orders domain: placing an order for an end customer, correcting a customer's
contact and billing address."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import CharField, Exists, QuerySet, Subquery, Value
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from integrations.outbox import outbox_enqueue, outbox_enqueue_customer_update
from offers.models import Offer
from offers.selectors import offers_for_partner
from orders.models import (
    CUSTOMER_DETAIL_FIELDS,
    Customer,
    CustomerUpdate,
    Order,
    OrderType,
    Schedule,
    ScheduleKind,
    Subscription,
)
from orders.rules import MAX_QUANTITY, MIN_QUANTITY, order_summary, start_date_allowed
from orders.schedules import add_months, billing_dates
from partners.models import PartnerOrganisation


@dataclass(frozen=True)
class CustomerData:
    company_name: str
    first_name: str
    last_name: str
    email: str
    phone: str
    address_line1: str
    city: str
    postal_code: str
    country: str
    address_line2: str = ""
    region: str = ""


class DuplicateCustomerError(Exception):
    """A new customer's email already belongs to one of the partner's customers."""


def _with_email(email: str) -> QuerySet[Customer]:
    """The customers with ``email``, compared as the (organisation, lower(email)) unique index
    stores it, so that the lookup is that index's: ``email__iexact`` (UPPER() on both sides)
    read every customer of the partner."""
    return Customer.objects.alias(email_key=Lower("email")).filter(email_key=Lower(Value(email)))


def customer_email_taken(*, partner: PartnerOrganisation, email: str) -> bool:
    return _with_email(email).filter(organisation=partner).exists()


def offer_currency_problem(*, offer: Offer, partner: PartnerOrganisation) -> str:
    """Why ``partner`` cannot order ``offer`` because of its currency, or "" when it can."""
    if not partner.owns_invoices:
        return ""
    if not partner.zuora_account_currency:
        return gettext(
            "Your organisation's billing currency is not set up yet, so orders cannot be "
            "invoiced to you. Please contact the vendor."
        )
    if offer.currency != partner.zuora_account_currency:
        return gettext(
            "This offer is priced in %(offer)s, but your organisation is invoiced in "
            "%(own)s. Choose an offer in %(own)s."
        ) % {"offer": offer.currency, "own": partner.zuora_account_currency}
    return ""


def customer_currency_problem(
    *, customer: Customer, offer: Offer, partner: PartnerOrganisation
) -> str:
    """Why ``customer`` cannot order ``offer`` because of its currency, or "" when it can.

    With 1:1 account mapping a customer has one Zuora account, and an account has one currency
    (the currency of the customer's first order): Zuora refuses a subscription in another.
    """
    if not partner.one_to_one_account_mapping:
        return ""
    billed_in = customer.orders.values_list("currency", flat=True).first()
    return _billed_in_problem(customer=customer, offer=offer, billed_in=billed_in)


def _billed_in_problem(*, customer: Customer, offer: Offer, billed_in: str | None) -> str:
    """``customer_currency_problem`` once the currency of the customer's newest order is known."""
    if billed_in is None or billed_in == offer.currency:
        return ""
    return gettext(
        "%(customer)s is billed in %(billed)s, and this offer is priced in %(offer)s. "
        "Choose an offer in %(billed)s for this customer."
    ) % {"customer": customer.company_name, "billed": billed_in, "offer": offer.currency}


@dataclass(frozen=True)
class _Preflight:
    """What ``order_place`` must know from the database before it writes, read in one query."""

    order_id: int | None  # the order this idempotency key already made
    order_organisation_id: int | None
    offer_available: bool
    email_taken: bool  # a new customer's email among the partner's customers
    billed_in: str | None  # the currency of an existing customer's newest order


def _preflight(
    *,
    partner: PartnerOrganisation,
    offer: Offer,
    idempotency_key: uuid.UUID,
    customer: Customer | None,
    customer_data: CustomerData | None,
) -> _Preflight:
    """One round trip for every read check of an order, each an indexed lookup of at most one
    row (the key's unique index, the offer's channel and eligibility rows, the customers'
    (organisation, lower(email)) constraint, the customer's orders), instead of one query each:
    the checkout POST is the hot write path."""
    by_key = Order.objects.filter(idempotency_key=idempotency_key).order_by()
    email_taken: Exists | Value = Value(False)
    if customer_data is not None:
        email_taken = Exists(_with_email(customer_data.email).filter(organisation=partner))
    billed_in: Subquery | Value = Value(None, output_field=CharField())
    if customer is not None and partner.one_to_one_account_mapping:
        # The newest order's currency, as ``customer_currency_problem`` reads it.
        billed_in = Subquery(
            Order.objects.filter(customer_id=customer.pk)
            .order_by("-created_at", "-id")
            .values("currency")[:1]
        )
    row = (
        PartnerOrganisation.objects.filter(pk=partner.pk)
        .annotate(
            order_id=Subquery(by_key.values("pk")[:1]),
            order_organisation_id=Subquery(by_key.values("organisation_id")[:1]),
            offer_available=Exists(offers_for_partner(partner=partner).filter(pk=offer.pk)),
            email_taken=email_taken,
            billed_in=billed_in,
        )
        .values("order_id", "order_organisation_id", "offer_available", "email_taken", "billed_in")
        .get()
    )
    return _Preflight(**row)


def order_place(
    *,
    partner: PartnerOrganisation,
    actor: User,
    offer: Offer,
    quantity: int,
    start_date: date,
    idempotency_key: uuid.UUID,
    customer: Customer | None = None,
    customer_data: CustomerData | None = None,
    po_number: str = "",
) -> Order:
    """Place a new order: customer (reused or created), order, subscription, schedules, outbox.

    Invariants:
    - all rows are written in one transaction, and every one references ``partner``;
    - the same ``idempotency_key`` never makes two orders: a repeated or concurrent submit of
      the same form returns the first order (the key's unique constraint decides the race);
    - ``offer`` is live, in the partner channel and eligible for ``partner``; ``customer`` is
      ``partner``'s; the quantity and ``start_date`` keep ``orders.rules`` (the checkout form's
      rules, checked again here); otherwise ``ValidationError``;
    - when ``partner`` owns the invoices, the offer is in its Zuora account's currency (Zuora
      refuses to bill a subscription in another currency than its invoice owner's);
    - no network call: the outbox rows are sent by the integration workers after commit.
    """
    checked = _preflight(
        partner=partner,
        offer=offer,
        idempotency_key=idempotency_key,
        customer=customer,
        customer_data=customer_data,
    )
    if checked.order_id is not None:
        _key_is_partners(partner=partner, organisation_id=checked.order_organisation_id)
        return Order.objects.get(pk=checked.order_id)
    buyer = _check(
        partner=partner,
        offer=offer,
        customer=customer,
        customer_data=customer_data,
        quantity=quantity,
        start_date=start_date,
        checked=checked,
    )
    try:
        return _order_create(
            partner=partner,
            actor=actor,
            offer=offer,
            quantity=quantity,
            start_date=start_date,
            idempotency_key=idempotency_key,
            buyer=buyer,
            po_number=po_number,
        )
    except (IntegrityError, ValidationError):
        # Lost a race: either the same form was submitted concurrently (return its order), or
        # another submit created a customer with this email in the meantime. The loser sees
        # the winner's rows as a unique index violation (the key's or the customer email's),
        # whether the winner committed before or after the loser's preflight read.
        existing = _order_for_key(partner=partner, idempotency_key=idempotency_key)
        if existing is not None:
            return existing
        if customer_data is not None and customer_email_taken(
            partner=partner, email=customer_data.email
        ):
            raise DuplicateCustomerError(customer_data.email) from None
        raise


def _order_for_key(*, partner: PartnerOrganisation, idempotency_key: uuid.UUID) -> Order | None:
    order = Order.objects.filter(idempotency_key=idempotency_key).first()
    if order is not None:
        _key_is_partners(partner=partner, organisation_id=order.organisation_id)
    return order


def _key_is_partners(*, partner: PartnerOrganisation, organisation_id: int | None) -> None:
    if organisation_id != partner.pk:
        # A key is a random UUID minted for one form; another tenant's key is never legitimate.
        raise ValidationError(
            gettext("This checkout form is not valid any more. Please start again.")
        )


def _check(
    *,
    partner: PartnerOrganisation,
    offer: Offer,
    customer: Customer | None,
    customer_data: CustomerData | None,
    quantity: int,
    start_date: date,
    checked: _Preflight,
) -> Customer | CustomerData:
    """Validate the order's inputs and return the buyer: an existing customer or new data."""
    if not checked.offer_available:
        raise ValidationError(gettext("This offer is not available to your organisation."))
    currency_problem = offer_currency_problem(offer=offer, partner=partner)
    if currency_problem:
        raise ValidationError(currency_problem)
    if quantity < MIN_QUANTITY:
        raise ValidationError(
            gettext("The quantity must be at least %(minimum)d.") % {"minimum": MIN_QUANTITY}
        )
    if quantity > MAX_QUANTITY:
        raise ValidationError(
            gettext("The quantity must be at most %(maximum)d.") % {"maximum": MAX_QUANTITY}
        )
    if not start_date_allowed(start_date):
        raise ValidationError(gettext("The start date cannot be in the past."))
    if customer is not None:
        if customer_data is not None:
            raise ValidationError(
                gettext("Choose an existing customer or enter a new one, not both.")
            )
        if customer.organisation_id != partner.pk:
            raise ValidationError(gettext("This customer does not belong to your organisation."))
        problem = _billed_in_problem(customer=customer, offer=offer, billed_in=checked.billed_in)
        if problem:
            raise ValidationError(problem)
        return customer
    if customer_data is None:
        raise ValidationError(gettext("Choose an existing customer or enter a new one."))
    if checked.email_taken:
        raise DuplicateCustomerError(customer_data.email)
    return customer_data


@transaction.atomic
def _order_create(
    *,
    partner: PartnerOrganisation,
    actor: User,
    offer: Offer,
    quantity: int,
    start_date: date,
    idempotency_key: uuid.UUID,
    buyer: Customer | CustomerData,
    po_number: str,
) -> Order:
    summary = order_summary(offer=offer, quantity=quantity)
    if isinstance(buyer, Customer):
        customer = buyer
    else:
        customer = Customer(organisation=partner, created_by=actor, **asdict(buyer))
        customer.email = customer.email.strip().lower()
        # The field checks only: they read no database. Both foreign keys are set here from
        # loaded rows, the public id is a fresh UUID, and the email's uniqueness was read by
        # ``_preflight``; a concurrent submit that took it since is refused by the
        # (organisation, lower(email)) constraint as an IntegrityError, which the caller
        # answers. The full check would add four SELECTs to every new customer's order.
        customer.full_clean(
            exclude={"organisation", "created_by"},
            validate_unique=False,
            validate_constraints=False,
        )
        customer.save()
    term_end = add_months(start_date, offer.term_months)
    # The subscription first, so that the order is inserted with it (no UPDATE after).
    subscription = Subscription.objects.create(
        organisation=partner,
        customer=customer,
        offer=offer,
        quantity=quantity,
        start_date=start_date,
        term_end_date=term_end,
        auto_renew=offer.auto_renew,
    )
    order = Order.objects.create(
        organisation=partner,
        type=OrderType.NEW,
        customer=customer,
        offer=offer,
        placed_by=actor,
        quantity=quantity,
        unit_price=summary.unit_price,
        currency=offer.currency,
        billing_period=offer.billing_period,
        term_months=offer.term_months,
        po_number=po_number.strip(),
        terms_accepted_at=timezone.now(),
        idempotency_key=idempotency_key,
        subscription=subscription,
    )
    schedules = [
        Schedule(
            organisation=partner,
            subscription=subscription,
            order=order,
            kind=ScheduleKind.BILLING,
            date=day,
            amount=summary.total,
            currency=offer.currency,
        )
        for day in billing_dates(
            start_date, period_months=offer.period.months, term_months=offer.term_months
        )
    ]
    schedules.append(
        Schedule(
            organisation=partner,
            subscription=subscription,
            order=order,
            kind=ScheduleKind.RENEWAL if offer.auto_renew else ScheduleKind.END,
            date=term_end,
        )
    )
    Schedule.objects.bulk_create(schedules)
    outbox_enqueue(order=order)
    return order


def _details(customer: Customer) -> dict[str, str]:
    return {name: str(getattr(customer, name)) for name in CUSTOMER_DETAIL_FIELDS}


def customer_update(
    *,
    partner: PartnerOrganisation,
    actor: User,
    customer: Customer,
    data: CustomerData,
    idempotency_key: uuid.UUID,
) -> CustomerUpdate:
    """Correct ``customer``'s contact and billing address and push the correction to Zuora and
    Salesforce.

    Invariants:
    - ``customer`` is ``partner``'s (else ``ValidationError``);
    - the new values keep the checkout's rules for a new customer: ``Customer.full_clean()``,
      the email lower-cased and unique among the partner's customers (else
      ``DuplicateCustomerError``); a submit that changes nothing is a ``ValidationError``;
    - the customer row, the ``CustomerUpdate`` (old and new values) and its outbox rows (one per
      system) are written in one transaction, under a lock on the customer row, so two
      corrections of one customer never interleave and the "before" values are the ones replaced;
    - the same ``idempotency_key`` never makes two updates: a repeated or concurrent submit of
      the same form returns the first one;
    - no network call: the workers send the rows after commit.
    """
    existing = _update_for_key(partner=partner, idempotency_key=idempotency_key)
    if existing is not None:
        return existing
    if customer.organisation_id != partner.pk:
        raise ValidationError(gettext("This customer does not belong to your organisation."))
    try:
        return _customer_update(
            partner=partner,
            actor=actor,
            customer=customer,
            data=data,
            idempotency_key=idempotency_key,
        )
    except IntegrityError:
        # The same form submitted concurrently: the key's unique constraint decided, and the
        # loser returns the winner's update. Otherwise another customer took the email.
        existing = _update_for_key(partner=partner, idempotency_key=idempotency_key)
        if existing is not None:
            return existing
        raise DuplicateCustomerError(data.email) from None


def _update_for_key(
    *, partner: PartnerOrganisation, idempotency_key: uuid.UUID
) -> CustomerUpdate | None:
    update = CustomerUpdate.objects.filter(idempotency_key=idempotency_key).first()
    if update is not None and update.organisation_id != partner.pk:
        raise ValidationError(gettext("This form is not valid any more. Please start again."))
    return update


@transaction.atomic
def _customer_update(
    *,
    partner: PartnerOrganisation,
    actor: User,
    customer: Customer,
    data: CustomerData,
    idempotency_key: uuid.UUID,
) -> CustomerUpdate:
    # The lock serialises corrections of this customer: the old values recorded are the ones
    # this update replaces, and a concurrent double submit waits here, then finds the first.
    locked = Customer.objects.select_for_update().get(pk=customer.pk, organisation=partner)
    existing = _update_for_key(partner=partner, idempotency_key=idempotency_key)
    if existing is not None:
        return existing
    before = _details(locked)
    for name, value in asdict(data).items():
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    locked.email = locked.email.lower()
    after = _details(locked)
    if after == before:
        raise ValidationError(
            gettext("Nothing to change: these are the customer's details already.")
        )
    if (
        after["email"] != before["email"].lower()
        and Customer.objects.filter(organisation=partner, email__iexact=locked.email)
        .exclude(pk=locked.pk)
        .exists()
    ):
        raise DuplicateCustomerError(locked.email)
    # full_clean() also runs the (organisation, lower(email)) constraint's own check.
    locked.full_clean()
    locked.save(update_fields=list(CUSTOMER_DETAIL_FIELDS))
    update = CustomerUpdate.objects.create(
        organisation=partner,
        customer=locked,
        made_by=actor,
        old_values=before,
        new_values=after,
        idempotency_key=idempotency_key,
    )
    outbox_enqueue_customer_update(update=update)
    # The caller's instance shows the new values too.
    for name in CUSTOMER_DETAIL_FIELDS:
        setattr(customer, name, getattr(locked, name))
    return update
