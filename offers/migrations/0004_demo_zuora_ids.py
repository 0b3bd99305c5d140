"""The demo catalogue's Zuora rate plan and charge ids were not Zuora ids
(``2c92c0f8-std-monthly``): rewrite exactly those known demo values into valid ones."""

from __future__ import annotations

from django.db import migrations

PLANS = ["std-monthly", "std-yearly", "prm-monthly", "prm-yearly", "web-starter"]


def _mapping():
    for number, plan in enumerate(PLANS, start=1):
        yield (
            f"2c92c0f8-{plan}",
            f"2c92c0f8b1a0c0de016b1a00000{number:03d}01",
            f"2c92c0f8-{plan}-charge",
            f"2c92c0f8b1a0c0de016b1a00000{number:03d}02",
        )


def forwards(apps, schema_editor):
    Offer = apps.get_model("offers", "Offer")
    for old_plan, new_plan, old_charge, new_charge in _mapping():
        Offer.objects.filter(zuora_product_rate_plan_id=old_plan).update(
            zuora_product_rate_plan_id=new_plan
        )
        Offer.objects.filter(zuora_product_rate_plan_charge_id=old_charge).update(
            zuora_product_rate_plan_charge_id=new_charge
        )


def backwards(apps, schema_editor):
    Offer = apps.get_model("offers", "Offer")
    for old_plan, new_plan, old_charge, new_charge in _mapping():
        Offer.objects.filter(zuora_product_rate_plan_id=new_plan).update(
            zuora_product_rate_plan_id=old_plan
        )
        Offer.objects.filter(zuora_product_rate_plan_charge_id=new_charge).update(
            zuora_product_rate_plan_charge_id=old_charge
        )


class Migration(migrations.Migration):
    dependencies = [("offers", "0003_zuora_id_validation")]
    operations = [migrations.RunPython(forwards, backwards)]
