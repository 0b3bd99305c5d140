"""The demo organisations' Zuora account ids were not Zuora ids (``A00000101``): a real tenant,
and the fake, refuse them. Rewrite exactly those known demo values, and give those accounts
their currency; any other row is left as it is (its pushes fail with a clear message)."""

from __future__ import annotations

from django.db import migrations

DEMO_IDS = {
    "A00000101": "2c92c0f96a1b2c3d016a1b2c3d4e0101",
    "A00000102": "2c92c0f96a1b2c3d016a1b2c3d4e0102",
    "A00000103": "2c92c0f96a1b2c3d016a1b2c3d4e0103",
}
DEMO_CURRENCY = "EUR"


def forwards(apps, schema_editor):
    PartnerOrganisation = apps.get_model("partners", "PartnerOrganisation")
    for old, new in DEMO_IDS.items():
        PartnerOrganisation.objects.filter(zuora_account_id=old).update(
            zuora_account_id=new, zuora_account_currency=DEMO_CURRENCY
        )


def backwards(apps, schema_editor):
    PartnerOrganisation = apps.get_model("partners", "PartnerOrganisation")
    for old, new in DEMO_IDS.items():
        PartnerOrganisation.objects.filter(zuora_account_id=new).update(zuora_account_id=old)


class Migration(migrations.Migration):
    dependencies = [("partners", "0003_zuora_account_currency")]
    operations = [migrations.RunPython(forwards, backwards)]
