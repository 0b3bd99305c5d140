from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = _("Partners")

    def ready(self) -> None:
        # ready() is Django's hook for connecting signal receivers: the module reads models,
        # which may not be imported before the app registry is ready.
        from partners import receivers  # noqa: F401  # imported for its @receiver side effect
