from __future__ import annotations

from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "sso"
    verbose_name = "Partner sign-in (SSO)"
