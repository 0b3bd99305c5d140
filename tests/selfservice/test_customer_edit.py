"""Correcting a customer's details: the form shows the current values, a refused submit answers
400 with what was typed kept, a saved one redirects to the customer page, which shows the
correction's sync state per system; another organisation's customer answers 404. The back
office's outbox pages show a customer update's rows."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client

from integrations.models import OutboxMessage, OutboxState, Target
from orders.models import Customer, CustomerUpdate
from tests import factories
from tests.registrations.conftest import streamed
from tests.world import Tenant, World

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def a_customer(tenant: Tenant, n: int = 1) -> Customer:
    offer = factories.OfferFactory.create(eligible=[tenant.organisation])
    return factories.place_order(
        organisation=tenant.organisation,
        actor=tenant.member,
        offer=offer,
        customer_data=factories.new_customer_data(n),
    ).customer


def edit_url(customer: Customer) -> str:
    return f"/p/alpha/customers/{customer.public_id}/edit/"


def post_data(customer: Customer, **changes: str) -> dict[str, str]:
    data = {
        "company_name": customer.company_name,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "email": customer.email,
        "phone": customer.phone,
        "address_line1": customer.address_line1,
        "address_line2": customer.address_line2,
        "city": customer.city,
        "postal_code": customer.postal_code,
        "region": customer.region,
        "country": str(customer.country),
        "idempotency_key": str(uuid.uuid4()),
    }
    return data | changes


def test_customer_page_links_to_the_form_which_shows_the_current_values(world: World) -> None:
    customer = a_customer(world.a1)
    client = client_for(world.a1.member)
    page = client.get(f"/p/alpha/customers/{customer.public_id}/")
    assert edit_url(customer) in page.text
    form = client.get(edit_url(customer))
    assert form.status_code == 200
    assert f'value="{customer.email}"' in form.text
    assert 'name="idempotency_key"' in form.text


def test_saved_correction_redirects_and_the_page_shows_its_sync_state(world: World) -> None:
    customer = a_customer(world.a1)
    client = client_for(world.a1.supervisor)
    data = post_data(customer, city="Manchester", company_name="Renamed Ltd")
    response = client.post(edit_url(customer), data)
    assert response.status_code == 302
    assert response["Location"] == f"/p/alpha/customers/{customer.public_id}/"
    # The same form again (a double submit) makes no second update.
    assert client.post(edit_url(customer), data).status_code == 302
    [update] = CustomerUpdate.objects.all()
    assert update.made_by == world.a1.supervisor
    customer.refresh_from_db()
    assert (customer.city, customer.company_name) == ("Manchester", "Renamed Ltd")
    page = client.get(response["Location"])
    section = page.text.split('data-testid="customer-update"')[1].split("</dd>")[0]
    assert 'data-target="salesforce" data-state="pending"' in section
    assert 'data-target="zuora" data-state="pending"' in section


def test_refused_submit_answers_400_and_keeps_what_was_typed(world: World) -> None:
    customer = a_customer(world.a1)
    client = client_for(world.a1.member)
    response = client.post(
        edit_url(customer), post_data(customer, city="Typed City", email="not-an-email")
    )
    assert response.status_code == 400
    assert 'value="Typed City"' in response.text
    assert 'value="not-an-email"' in response.text
    assert 'data-testid="error-email"' in response.text
    assert not CustomerUpdate.objects.exists()


def test_another_customers_email_answers_400_on_the_email_field(world: World) -> None:
    first = a_customer(world.a1, 1)
    second = a_customer(world.a1, 2)
    response = client_for(world.a1.member).post(
        edit_url(second), post_data(second, email=first.email, city="Typed City")
    )
    assert response.status_code == 400
    assert 'data-testid="error-email"' in response.text
    assert 'value="Typed City"' in response.text


def test_nothing_changed_answers_400_with_a_form_error(world: World) -> None:
    customer = a_customer(world.a1)
    response = client_for(world.a1.member).post(edit_url(customer), post_data(customer))
    assert response.status_code == 400
    assert "Nothing to change" in response.text


def test_another_organisations_customer_answers_404(world: World) -> None:
    theirs = a_customer(world.a2)
    client = client_for(world.a1.member)
    assert client.get(edit_url(theirs)).status_code == 404
    assert client.post(edit_url(theirs), post_data(theirs, city="X")).status_code == 404
    theirs.refresh_from_db()
    assert theirs.city != "X"


def test_backoffice_outbox_shows_customer_update_rows(world: World) -> None:
    customer = a_customer(world.a1)
    client_for(world.a1.member).post(
        edit_url(customer), post_data(customer, company_name="Renamed Ltd", city="York")
    )
    rows = OutboxMessage.objects.filter(customer_update__isnull=False)
    assert {r.target for r in rows} == {Target.SALESFORCE, Target.ZUORA}
    OutboxMessage.objects.filter(pk__in=[r.pk for r in rows]).update(state=OutboxState.FAILED)
    staff = client_for(world.admin)
    listing = staff.get("/backoffice/outbox/")
    assert listing.status_code == 200
    assert "Customer update: Renamed Ltd" in listing.text
    exported = staff.get("/backoffice/outbox/?export=csv")
    assert exported.status_code == 200
    assert "Customer update: Renamed Ltd" in streamed(exported).decode()
    for row in rows:
        detail = staff.get(f"/backoffice/outbox/{row.pk}/")
        assert detail.status_code == 200
        assert "Customer update: Renamed Ltd" in detail.text
        assert "city:" in detail.text
        assert "York" in detail.text
        assert 'data-testid="retry-now"' in detail.text
    # The order page still lists the order's own rows only.
    order = customer.orders.get()
    page = client_for(world.a1.member).get(f"/p/alpha/orders/{order.public_id}/")
    assert page.status_code == 200
