from __future__ import annotations

from django.db import migrations

CHANNELS = [("web", "Web"), ("partner", "Partner"), ("call_centre", "Call centre")]


def forwards(apps, schema_editor):
    SalesChannel = apps.get_model("offers", "SalesChannel")
    for code, name in CHANNELS:
        SalesChannel.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("offers", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
