"""Every page under /p/<path_name>/, in the ``portal`` namespace.

Each view here must be wrapped by ``portal_access.context.portal_view``;
tests/portal/test_policy.py walks these patterns and fails on one that is not.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from offers import views as offer_views
from orders import views as order_views
from portal import views as portal_views
from registrations import urls as registration_urls
from selfservice import partner_urls as selfservice_urls

app_name = "portal"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", portal_views.portal_home, name="home"),
    path("pricing/", offer_views.pricing_index, name="pricing"),
    path("pricing/<slug:slug>/", offer_views.pricing_page, name="pricing_page"),
    path("checkout/<slug:checkout_slug>/", order_views.checkout, name="checkout"),
    path(
        "checkout/<slug:checkout_slug>/summary/",
        order_views.checkout_summary,
        name="checkout_summary",
    ),
    path(
        "checkout/<slug:checkout_slug>/customers/",
        order_views.checkout_customers,
        name="checkout_customers",
    ),
    path("orders/<uuid:order_id>/", order_views.order_detail, name="order"),
    *registration_urls.urlpatterns,
    *selfservice_urls.urlpatterns,
]
