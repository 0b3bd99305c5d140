from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SsoConfig(AppConfig):
    name = "sso"
    verbose_name = _("Partner sign-in (SSO)")

    def ready(self) -> None:
        # ready() is Django's hook for connecting signal receivers: the module reads models,
        # which may not be imported before the app registry is ready.
        from sso import receivers  # noqa: F401  # imported for its @receiver side effect
