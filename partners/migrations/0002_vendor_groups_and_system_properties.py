from __future__ import annotations

from django.db import migrations

from core.migration_helpers import VENDOR_ADMINS, VENDOR_AGENTS, ensure_permissions, grant


def forwards(apps, schema_editor):
    ensure_permissions(apps, ["accounts", "partners", "auth"])
    grant(apps, VENDOR_ADMINS, "accounts")
    grant(apps, VENDOR_ADMINS, "partners")
    grant(apps, VENDOR_ADMINS, "auth", ["view_group"])
    grant(
        apps,
        VENDOR_AGENTS,
        "partners",
        [
            "view_salesdirection",
            "view_partnerportal",
            "view_partnerorganisation",
            "view_partnermembership",
        ],
    )
    SystemProperty = apps.get_model("partners", "SystemProperty")
    SystemProperty.objects.get_or_create(
        key="portals.portal_context.enable",
        defaults={
            "value": "true",
            "description": (
                "When true, a partner portal is open only to the people of its sales direction "
                "(and those granted access to it). When false, the direction limitation is not "
                "applied."
            ),
        },
    )


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[VENDOR_ADMINS, VENDOR_AGENTS]).delete()
    apps.get_model("partners", "SystemProperty").objects.filter(
        key="portals.portal_context.enable"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0001_initial"),
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
