"""The demo catalogue: two offer labels, pricing pages on both portals, one checkout page.

Seed 000 step 4a in small: Northwind (enterprise) may sell both the standard and the premium
offers; Contoso (smb) only the standard ones, so its portal does not list the premium page.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from offers.models import BillingPeriod, CheckoutPage, Offer, PricingPage, SalesChannel
from partners.demo import PartnersDemo
from partners.models import PartnerOrganisation

TERMS = """These terms apply to the subscription ordered on behalf of the end customer.

1. The subscription starts on the start date and runs for the term shown in the summary.
2. Unless the offer says otherwise, it renews automatically for the same term.
3. Invoices are issued at the start of each billing period to the invoice owner agreed with
   the partner organisation.
4. The partner confirms that it has the end customer's authority to place this order."""


@dataclass
class OffersDemo:
    checkout: CheckoutPage
    offers: dict[str, Offer]


def demo_offer(
    code: str, *, channels: list[str], eligible: list[PartnerOrganisation], **fields: object
) -> Offer:
    offer, _ = Offer.objects.update_or_create(code=code, defaults=fields)
    offer.channels.set(SalesChannel.objects.filter(code__in=channels))
    offer.eligible_organisations.set(eligible)
    return offer


def seed(partners: PartnersDemo) -> OffersDemo:
    checkout, _ = CheckoutPage.objects.update_or_create(
        slug="partner-checkout",
        defaults={"title": "Partner checkout", "terms": TERMS, "is_active": True},
    )
    both = [partners.northwind, partners.contoso]
    common = {"checkout_page": checkout, "currency": "EUR", "auto_renew": True}
    offers = {
        "STD-MONTHLY": demo_offer(
            "std-monthly",
            channels=["partner", "web"],
            eligible=both,
            name="Standard, monthly",
            description="Up to 10 users, email support, 99.9% availability.",
            label="standard",
            price=Decimal("29.00"),
            billing_period=BillingPeriod.MONTH,
            term_months=12,
            zuora_product_rate_plan_id="2c92c0f8b1a0c0de016b1a0000000101",
            zuora_product_rate_plan_charge_id="2c92c0f8b1a0c0de016b1a0000000102",
            display_order=10,
            **common,
        ),
        "STD-YEARLY": demo_offer(
            "std-yearly",
            channels=["partner"],
            eligible=both,
            name="Standard, yearly",
            description="Standard, paid yearly: two months free.",
            label="standard",
            price=Decimal("290.00"),
            billing_period=BillingPeriod.YEAR,
            term_months=12,
            zuora_product_rate_plan_id="2c92c0f8b1a0c0de016b1a0000000201",
            zuora_product_rate_plan_charge_id="2c92c0f8b1a0c0de016b1a0000000202",
            display_order=20,
            **common,
        ),
        "PRM-MONTHLY": demo_offer(
            "prm-monthly",
            channels=["partner"],
            eligible=[partners.northwind],
            name="Premium, monthly",
            description="Unlimited users, 24/7 phone support, 99.99% availability.",
            label="premium",
            price=Decimal("79.00"),
            billing_period=BillingPeriod.MONTH,
            term_months=12,
            zuora_product_rate_plan_id="2c92c0f8b1a0c0de016b1a0000000301",
            zuora_product_rate_plan_charge_id="2c92c0f8b1a0c0de016b1a0000000302",
            display_order=10,
            **common,
        ),
        "PRM-YEARLY": demo_offer(
            "prm-yearly",
            channels=["partner"],
            eligible=[partners.northwind],
            name="Premium, two years",
            description="Premium for 24 months, billed yearly.",
            label="premium",
            price=Decimal("790.00"),
            billing_period=BillingPeriod.YEAR,
            term_months=24,
            zuora_product_rate_plan_id="2c92c0f8b1a0c0de016b1a0000000401",
            zuora_product_rate_plan_charge_id="2c92c0f8b1a0c0de016b1a0000000402",
            display_order=20,
            **common,
        ),
        # Sold on the vendor's own website only: never on a partner page.
        "WEB-STARTER": demo_offer(
            "web-starter",
            channels=["web"],
            eligible=[],
            name="Starter (web only)",
            label="standard",
            price=Decimal("9.00"),
            billing_period=BillingPeriod.MONTH,
            term_months=1,
            zuora_product_rate_plan_id="2c92c0f8b1a0c0de016b1a0000000501",
            zuora_product_rate_plan_charge_id="2c92c0f8b1a0c0de016b1a0000000502",
            **common,
        ),
    }
    for direction in (partners.enterprise, partners.smb):
        for order, (label, title, intro) in enumerate(
            [
                ("standard", "Standard plans", "Everything a small team needs."),
                ("premium", "Premium plans", "For customers who need more users and 24/7 support."),
            ]
        ):
            PricingPage.objects.update_or_create(
                portal=direction.portal,
                slug=label,
                defaults={
                    "label": label,
                    "title": title,
                    "introduction": intro,
                    "is_active": True,
                    "display_order": order,
                },
            )
    return OffersDemo(checkout=checkout, offers=offers)
