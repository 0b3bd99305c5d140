"""What a real Zuora tenant and Salesforce org already hold before the portal sends anything:
the partners' own accounts and the product catalogue. ``seed_demo`` and the tests load it into
the bundled fakes through their control API (``POST /_fake/seed``), over HTTP like any client.

This module never imports the fakes (production code must not); it only builds the payload.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings

from core.validators import is_zuora_id
from offers.models import BillingPeriod, Offer
from partners.models import PartnerOrganisation


def zuora_seed_payload() -> dict[str, Any]:
    accounts = [
        {
            "id": org.zuora_account_id,
            "name": org.name,
            # An end-customer-owned partner's account still has a currency in Zuora.
            "currency": org.zuora_account_currency or "EUR",
        }
        for org in PartnerOrganisation.objects.order_by("pk")
        if is_zuora_id(org.zuora_account_id)
    ]
    catalogue = [
        {
            "product_rate_plan_id": offer.zuora_product_rate_plan_id,
            "product_rate_plan_charge_id": offer.zuora_product_rate_plan_charge_id,
            "price": str(offer.price),
            "currency": offer.currency,
            "period": "Annual" if offer.billing_period == BillingPeriod.YEAR else "Month",
        }
        for offer in Offer.objects.order_by("pk")
        if is_zuora_id(offer.zuora_product_rate_plan_id)
        and is_zuora_id(offer.zuora_product_rate_plan_charge_id)
    ]
    return {"accounts": accounts, "catalogue": catalogue}


def salesforce_seed_payload() -> dict[str, Any]:
    return {
        "accounts": [
            {"id": org.salesforce_account_id, "name": org.name}
            for org in PartnerOrganisation.objects.exclude(salesforce_account_id="").order_by("pk")
        ]
    }


def _base(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def fakes_seed(*, zuora_base: str | None = None, salesforce_base: str | None = None) -> None:
    """Load the partners' accounts and the catalogue into the running fakes (by default the
    ones the settings point at). Raises ``requests.RequestException`` if they cannot be reached.
    """
    zuora_base = zuora_base or _base(settings.ZUORA_ENDPOINT)
    salesforce_base = salesforce_base or _base(settings.SALESFORCE_INSTANCE_URL)
    with requests.Session() as session:
        session.trust_env = False  # loopback: no proxy, no CA bundle from the environment
        for base, payload in (
            (zuora_base, zuora_seed_payload()),
            (salesforce_base, salesforce_seed_payload()),
        ):
            response = session.post(f"{base}/_fake/seed", json=payload, timeout=10)
            response.raise_for_status()
