"""Every page under /p/<path_name>/, in the ``portal`` namespace.

Each view here must be wrapped by ``portal.context.portal_view``; tests/portal/test_policy.py
walks these patterns and fails on one that is not.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from partners import views as partner_views
from registrations import urls as registration_urls

app_name = "portal"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", partner_views.portal_home, name="home"),
    *registration_urls.urlpatterns,
]
