"""customer_update: a partner corrects a customer's contact and billing address; the customer,
the update (old and new values) and one outbox row per system are written together, once."""

from __future__ import annotations

import uuid
from dataclasses import replace
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from integrations.models import OutboxMessage, OutboxState, Target
from orders.models import Customer, CustomerUpdate
from orders.services import CustomerData, DuplicateCustomerError, customer_update
from tests import factories
from tests.world import Tenant, World

pytestmark = pytest.mark.django_db


def a_customer(tenant: Tenant, n: int = 1) -> Customer:
    offer = factories.OfferFactory.create(price=Decimal("30.00"), eligible=[tenant.organisation])
    order = factories.place_order(
        organisation=tenant.organisation,
        actor=tenant.member,
        offer=offer,
        customer_data=factories.new_customer_data(n),
    )
    return order.customer


def data_of(customer: Customer, **changes: str) -> CustomerData:
    current = CustomerData(
        company_name=customer.company_name,
        first_name=customer.first_name,
        last_name=customer.last_name,
        email=customer.email,
        phone=customer.phone,
        address_line1=customer.address_line1,
        address_line2=customer.address_line2,
        city=customer.city,
        postal_code=customer.postal_code,
        region=customer.region,
        country=str(customer.country),
    )
    return replace(current, **changes)


def update(
    tenant: Tenant, customer: Customer, data: CustomerData, *, key: uuid.UUID | None = None
) -> CustomerUpdate:
    return customer_update(
        partner=tenant.organisation,
        actor=tenant.member,
        customer=customer,
        data=data,
        idempotency_key=key or uuid.uuid4(),
    )


def test_update_writes_customer_update_and_one_outbox_row_per_system(world: World) -> None:
    customer = a_customer(world.a1)
    old_city = customer.city
    made = update(
        world.a1,
        customer,
        data_of(customer, city="Manchester", email=" New.Buyer@Customer1.TEST ", last_name="New"),
    )
    customer.refresh_from_db()
    assert (customer.city, customer.email, customer.last_name) == (
        "Manchester",
        "new.buyer@customer1.test",
        "New",
    )
    assert made.organisation == world.a1.organisation
    assert made.made_by == world.a1.member
    assert made.old_values["city"] == old_city
    assert made.new_values["city"] == "Manchester"
    assert set(made.changed_fields) == {"city", "email", "last_name"}
    rows = OutboxMessage.objects.filter(customer_update=made)
    assert {r.target for r in rows} == {Target.SALESFORCE, Target.ZUORA}
    assert all(r.order_id is None and r.state == OutboxState.PENDING for r in rows)
    assert all(r.organisation_id == world.a1.organisation.pk for r in rows)
    assert str(rows[0].subject) == f"Customer update: {customer.company_name}"


def test_another_organisations_customer_is_refused(world: World) -> None:
    customer = a_customer(world.a2)
    with pytest.raises(ValidationError):
        update(world.a1, customer, data_of(customer, city="Elsewhere"))
    customer.refresh_from_db()
    assert customer.city != "Elsewhere"
    assert not CustomerUpdate.objects.exists()


def test_invalid_values_are_refused_and_nothing_is_written(world: World) -> None:
    customer = a_customer(world.a1)
    with pytest.raises(ValidationError):
        update(world.a1, customer, data_of(customer, email="not an email", city="Leeds"))
    with pytest.raises(ValidationError):
        update(world.a1, customer, data_of(customer, last_name=""))
    with pytest.raises(ValidationError):
        update(world.a1, customer, data_of(customer, country="XX"))
    assert not CustomerUpdate.objects.exists()
    assert not OutboxMessage.objects.filter(customer_update__isnull=False).exists()


def test_another_customers_email_is_refused(world: World) -> None:
    first = a_customer(world.a1, 1)
    second = a_customer(world.a1, 2)
    with pytest.raises(DuplicateCustomerError):
        update(world.a1, second, data_of(second, email=first.email.upper()))
    second.refresh_from_db()
    assert second.email != first.email
    assert not CustomerUpdate.objects.exists()


def test_the_same_email_at_another_organisation_is_fine(world: World) -> None:
    mine = a_customer(world.a1, 1)
    theirs = a_customer(world.a2, 2)
    update(world.a1, mine, data_of(mine, email=theirs.email))
    mine.refresh_from_db()
    assert mine.email == theirs.email


def test_double_submit_makes_one_update(world: World) -> None:
    customer = a_customer(world.a1)
    key = uuid.uuid4()
    first = update(world.a1, customer, data_of(customer, city="York"), key=key)
    again = update(world.a1, customer, data_of(customer, city="York"), key=key)
    assert again.pk == first.pk
    assert CustomerUpdate.objects.count() == 1
    assert OutboxMessage.objects.filter(customer_update__isnull=False).count() == 2


def test_another_organisations_key_is_refused(world: World) -> None:
    customer = a_customer(world.a1)
    key = uuid.uuid4()
    update(world.a1, customer, data_of(customer, city="York"), key=key)
    theirs = a_customer(world.a2, 2)
    with pytest.raises(ValidationError):
        update(world.a2, theirs, data_of(theirs, city="Bath"), key=key)


def test_nothing_changed_is_refused(world: World) -> None:
    customer = a_customer(world.a1)
    with pytest.raises(ValidationError, match="Nothing to change"):
        update(world.a1, customer, data_of(customer, email=customer.email.upper()))
    assert not CustomerUpdate.objects.exists()


def test_an_outbox_row_names_an_order_or_a_customer_update_exactly_once(world: World) -> None:
    customer = a_customer(world.a1)
    made = update(world.a1, customer, data_of(customer, city="York"))
    order = customer.orders.get()
    org = world.a1.organisation
    for fields in ({}, {"order": order, "customer_update": made}):
        with pytest.raises(IntegrityError), transaction.atomic():
            OutboxMessage.objects.create(organisation=org, target=Target.ZUORA, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboxMessage.objects.create(organisation=org, target=Target.ZUORA, customer_update=made)
