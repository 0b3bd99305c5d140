"""The self-service pages of a portal (included by portal/portal_urls.py, namespace
``portal``). Every view here is wrapped by ``portal_view``."""

from __future__ import annotations

from django.urls import path

from selfservice import customer_views, subscription_views, views

urlpatterns = [
    path("customers/", views.customer_list, name="customers"),
    path("customers/<uuid:customer_id>/", views.customer_detail, name="customer"),
    path("customers/<uuid:customer_id>/edit/", customer_views.customer_edit, name="customer_edit"),
    path(
        "subscriptions/<uuid:subscription_id>/",
        subscription_views.subscription_detail,
        name="subscription",
    ),
    path(
        "subscriptions/<uuid:subscription_id>/change/",
        subscription_views.subscription_change_view,
        name="subscription_change",
    ),
    path(
        "subscriptions/<uuid:subscription_id>/cancel/",
        subscription_views.subscription_cancel_view,
        name="subscription_cancel",
    ),
    path("invoices/", views.invoice_list, name="invoices"),
    path("invoices/<uuid:invoice_id>/pdf/", views.invoice_pdf, name="invoice_pdf"),
]
