from __future__ import annotations

from django.db import migrations

from core.migration_helpers import VENDOR_ADMINS, VENDOR_AGENTS, ensure_permissions, grant

ORDER_MODELS = ["customer", "order", "subscription", "schedule"]


def forwards(apps, schema_editor):
    ensure_permissions(apps, ["offers", "orders", "integrations"])
    # Admins configure the catalogue; commerce records are written by the portal's services,
    # so admins view and correct them but never add or delete them by hand.
    grant(apps, VENDOR_ADMINS, "offers")
    grant(
        apps,
        VENDOR_ADMINS,
        "orders",
        [f"{action}_{model}" for model in ORDER_MODELS for action in ("view", "change")],
    )
    grant(apps, VENDOR_ADMINS, "integrations", ["view_outboxmessage", "change_outboxmessage"])
    grant(
        apps,
        VENDOR_AGENTS,
        "offers",
        ["view_offer", "view_pricingpage", "view_checkoutpage", "view_saleschannel"],
    )
    grant(apps, VENDOR_AGENTS, "orders", [f"view_{model}" for model in ORDER_MODELS])
    grant(apps, VENDOR_AGENTS, "integrations", ["view_outboxmessage"])


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0001_initial"),
        ("offers", "0002_sales_channels"),
        ("orders", "0001_initial"),
        ("partners", "0002_vendor_groups_and_system_properties"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
