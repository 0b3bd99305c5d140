"""Every page under /p/<path_name>/, in the ``portal`` namespace.

Each view here must be wrapped by ``portal.context.portal_view``; tests/portal/test_policy.py
walks these patterns and fails on one that is not.
"""

from __future__ import annotations

from django.urls import path

from partners import views as partner_views

app_name = "portal"

urlpatterns = [
    path("", partner_views.portal_home, name="home"),
]
