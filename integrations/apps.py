from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = _("Integrations")

    def ready(self) -> None:
        # Register the tasks in every process that loads Django (web and worker alike):
        # ``integrations.outbox`` enqueues the push task by name, without importing it.
        from integrations import tasks  # noqa: F401 - registers the tasks; ready() is the hook
