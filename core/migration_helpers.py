"""Helpers for data migrations that grant model permissions to the vendor groups.

Permissions are normally created after all migrations ran (post_migrate); a data migration that
assigns them must create them first, which ``ensure_permissions`` does for the apps it names.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.management import create_permissions

VENDOR_ADMINS = "Vendor admins"
VENDOR_AGENTS = "Vendor agents"


def ensure_permissions(apps: Any, app_labels: list[str]) -> None:
    for label in app_labels:
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def grant(apps: Any, group_name: str, app_label: str, codenames: list[str] | None = None) -> None:
    """Give ``group_name`` the named permissions of ``app_label`` (all of them if None)."""
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    group, _ = group_model.objects.get_or_create(name=group_name)
    permissions = permission_model.objects.filter(content_type__app_label=app_label)
    if codenames is not None:
        permissions = permissions.filter(codename__in=codenames)
        missing = set(codenames) - set(permissions.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"Unknown permissions for {app_label}: {sorted(missing)}")
    group.permissions.add(*permissions)
