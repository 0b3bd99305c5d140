from django.db import migrations

from core.migration_helpers import VENDOR_ADMINS, VENDOR_AGENTS, ensure_permissions, grant

# Agents work registrations in the back office; in Django admin they may only look.
AGENT_CODENAMES = [
    "view_company",
    "view_companylink",
    "view_contact",
    "view_opportunityregistration",
    "view_opportunity",
    "view_activityentry",
    "view_attachment",
]


def forwards(apps, schema_editor):
    ensure_permissions(apps, ["registrations"])
    grant(apps, VENDOR_ADMINS, "registrations")
    grant(apps, VENDOR_AGENTS, "registrations", AGENT_CODENAMES)


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="registrations")
    for group in Group.objects.filter(name__in=[VENDOR_ADMINS, VENDOR_AGENTS]):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("registrations", "0002_trigram_search"),
        ("partners", "0002_vendor_groups_and_system_properties"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
