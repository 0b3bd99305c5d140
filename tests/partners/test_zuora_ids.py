"""The ids we send to Zuora are Zuora ids (the WSDL's zns:ID): refused otherwise, in the model
and the admin; the demo's former values are rewritten by a data migration, and only those."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.test import Client

from core.validators import is_zuora_id
from offers.models import Offer
from partners.models import InvoiceOwner, PartnerOrganisation
from tests import factories
from tests.world import World

pytestmark = pytest.mark.django_db

VALID = "2c92c0f96a1b2c3d016a1b2c3d4e0101"


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        (VALID, True),
        ("12345", True),
        ("A00000101", False),
        ("2c92c0f8-std-monthly", False),
        (VALID + "\n", False),
        (VALID[:31], False),
        ("", False),
    ],
)
def test_zuora_id_pattern(value: str, valid: bool) -> None:
    assert is_zuora_id(value) is valid


def test_organisation_refuses_a_malformed_zuora_account_id(world: World) -> None:
    org = world.a1.organisation
    org.zuora_account_id = "A00000101"
    with pytest.raises(ValidationError) as error:
        org.full_clean()
    assert "zuora_account_id" in error.value.message_dict


def test_partner_invoice_owner_needs_the_account_currency(world: World) -> None:
    org = world.a1.organisation
    org.invoice_owner = InvoiceOwner.PARTNER
    org.zuora_account_currency = ""
    with pytest.raises(ValidationError) as error:
        org.full_clean()
    assert "zuora_account_currency" in error.value.message_dict
    org.invoice_owner = InvoiceOwner.END_CUSTOMER
    org.full_clean()


def test_offer_refuses_malformed_rate_plan_ids(world: World) -> None:
    offer = factories.OfferFactory.create(eligible=[world.a1.organisation])
    offer.zuora_product_rate_plan_id = "plan-1"
    offer.zuora_product_rate_plan_charge_id = "charge-1"
    with pytest.raises(ValidationError) as error:
        offer.full_clean()
    assert {"zuora_product_rate_plan_id", "zuora_product_rate_plan_charge_id"} <= set(
        error.value.message_dict
    )


def test_admin_shows_the_zuora_id_error(world: World) -> None:
    client = Client()
    client.force_login(world.admin)
    org = world.a1.organisation
    response = client.post(
        f"/admin/partners/partnerorganisation/{org.pk}/change/",
        {"name": org.name, "direction": org.direction_id, "zuora_account_id": "A00000101"},
    )
    assert response.status_code == 200
    assert "A Zuora id is 32 letters and digits" in response.text


def test_data_migrations_rewrite_only_the_known_demo_values(world: World) -> None:
    demo = factories.PartnerOrganisationFactory.create(
        zuora_account_id="A00000101", zuora_account_currency=""
    )
    other = factories.PartnerOrganisationFactory.create(zuora_account_id="A12345678")
    offer = factories.OfferFactory.create(
        zuora_product_rate_plan_id="2c92c0f8-std-monthly",
        zuora_product_rate_plan_charge_id="2c92c0f8-std-monthly-charge",
    )
    kept = factories.OfferFactory.create(zuora_product_rate_plan_id="plan-7")
    importlib.import_module("partners.migrations.0004_demo_zuora_ids").forwards(django_apps, None)
    importlib.import_module("offers.migrations.0004_demo_zuora_ids").forwards(django_apps, None)
    demo.refresh_from_db()
    other.refresh_from_db()
    assert (demo.zuora_account_id, demo.zuora_account_currency) == (VALID, "EUR")
    assert other.zuora_account_id == "A12345678"  # not a demo value: left, and its pushes fail
    offer.refresh_from_db()
    assert is_zuora_id(offer.zuora_product_rate_plan_id)
    assert is_zuora_id(offer.zuora_product_rate_plan_charge_id)
    assert Offer.objects.get(pk=kept.pk).zuora_product_rate_plan_id == "plan-7"
    assert PartnerOrganisation.objects.filter(zuora_account_id__startswith="A0").count() == 0
