from __future__ import annotations

from django.db import migrations

from core.migration_helpers import VENDOR_ADMINS, VENDOR_AGENTS, ensure_permissions, grant


def forwards(apps, schema_editor):
    ensure_permissions(apps, ["accounts", "sso"])
    # Vendor admins configure identity providers; all vendor staff read the auth log.
    grant(apps, VENDOR_ADMINS, "sso")
    grant(apps, VENDOR_ADMINS, "accounts", ["view_authevent"])
    grant(apps, VENDOR_AGENTS, "accounts", ["view_authevent"])


def backwards(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=[VENDOR_ADMINS, VENDOR_AGENTS]):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="sso"),
            *Permission.objects.filter(codename="view_authevent"),
        )


class Migration(migrations.Migration):
    dependencies = [
        ("sso", "0001_initial"),
        ("accounts", "0002_authevent"),
        ("partners", "0002_vendor_groups_and_system_properties"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
