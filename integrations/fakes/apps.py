from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FakesConfig(AppConfig):
    """The fake Zuora and Salesforce servers (demo, tests, benchmarks); no models.

    An app of its own so that ``manage.py run_fakes`` exists only where it is installed.
    """

    name = "integrations.fakes"
    label = "fakes"
    verbose_name = _("Fake Zuora and Salesforce")
