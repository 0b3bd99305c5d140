"""A few past orders, so the demo's pages are not empty. Placed through the real service with
fixed idempotency keys, so seeding again finds them instead of ordering twice."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.utils import timezone

from accounts.models import User
from offers.demo import OffersDemo
from orders.models import Customer
from orders.services import CustomerData, order_place
from partners.demo import PartnersDemo
from partners.models import PartnerOrganisation

NAMESPACE = uuid.UUID("7d0e1c52-3b9a-4f57-9d1e-6a0c2f1b8e44")

CUSTOMERS = {
    "tailspin": CustomerData(
        company_name="Tailspin Toys",
        first_name="Tess",
        last_name="Tailor",
        email="tess@tailspin.example",
        phone="+44 20 7946 0101",
        address_line1="1 Runway Road",
        city="London",
        postal_code="EC1A 1BB",
        country="GB",
    ),
    "woodgrove": CustomerData(
        company_name="Woodgrove Bank",
        first_name="Will",
        last_name="Woods",
        email="will@woodgrove.example",
        phone="+49 30 1234567",
        address_line1="Bankstraße 5",
        city="Berlin",
        postal_code="10115",
        country="DE",
    ),
    "litware": CustomerData(
        company_name="Litware Inc.",
        first_name="Lina",
        last_name="Lit",
        email="lina@litware.example",
        phone="+33 1 23 45 67 89",
        address_line1="12 rue de la Paix",
        city="Paris",
        postal_code="75002",
        country="FR",
    ),
    # carol@customer.example (the demo's end customer) buys from both partners: /account/ shows
    # both subscriptions, and the invoices Contoso bills to her (Northwind owns its invoices).
    "carol": CustomerData(
        company_name="Carol's Café",
        first_name="Carol",
        last_name="Customer",
        email="carol@customer.example",
        phone="+44 20 7946 0202",
        address_line1="3 Market Square",
        city="York",
        postal_code="YO1 7HY",
        country="GB",
    ),
}


@dataclass(frozen=True)
class DemoOrder:
    key: str
    organisation: PartnerOrganisation
    actor: User
    customer: str
    offer: str
    quantity: int
    po_number: str = ""


def _place(demo_order: DemoOrder, offers: OffersDemo) -> None:
    data = CUSTOMERS[demo_order.customer]
    existing = Customer.objects.filter(
        organisation=demo_order.organisation, email=data.email
    ).first()
    order_place(
        partner=demo_order.organisation,
        actor=demo_order.actor,
        offer=offers.offers[demo_order.offer],
        quantity=demo_order.quantity,
        start_date=timezone.localdate(),
        idempotency_key=uuid.uuid5(NAMESPACE, demo_order.key),
        customer=existing,
        customer_data=None if existing else data,
        po_number=demo_order.po_number,
    )


def seed(partners: PartnersDemo, offers: OffersDemo) -> None:
    users, northwind, contoso = partners.users, partners.northwind, partners.contoso
    for demo_order in [
        DemoOrder("nw-1", northwind, users["alice"], "tailspin", "STD-MONTHLY", 5, "PO-4711"),
        DemoOrder("nw-2", northwind, users["sam"], "woodgrove", "PRM-YEARLY", 20),
        DemoOrder("nw-3", northwind, users["alice"], "tailspin", "PRM-MONTHLY", 2),
        DemoOrder("co-1", contoso, users["bob"], "litware", "STD-YEARLY", 3),
        DemoOrder("nw-carol", northwind, users["alice"], "carol", "STD-MONTHLY", 1),
        DemoOrder("co-carol", contoso, users["bob"], "carol", "STD-MONTHLY", 2),
    ]:
        _place(demo_order, offers)
