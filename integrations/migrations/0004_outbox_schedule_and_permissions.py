"""Rows written before the workers existed get a schedule (they are due now), and the vendor
groups may read the attempt log and the invoices pulled from Zuora."""

from __future__ import annotations

from django.db import migrations
from django.db.models import F

from core.migration_helpers import VENDOR_ADMINS, VENDOR_AGENTS, ensure_permissions, grant


def schedule_waiting_rows(apps, schema_editor):
    OutboxMessage = apps.get_model("integrations", "OutboxMessage")
    OutboxMessage.objects.filter(next_attempt_at__isnull=True, state="pending").update(
        next_attempt_at=F("created_at")
    )


def forwards(apps, schema_editor):
    ensure_permissions(apps, ["orders", "integrations"])
    for group in (VENDOR_ADMINS, VENDOR_AGENTS):
        grant(apps, group, "integrations", ["view_outboxmessage", "view_outboxattempt"])
        grant(apps, group, "orders", ["view_invoice", "view_invoiceitem"])


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0003_outbox_attempts_and_schedule"),
        ("orders", "0002_remote_ids_and_invoices"),
    ]

    operations = [
        migrations.RunPython(schedule_waiting_rows, migrations.RunPython.noop),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
