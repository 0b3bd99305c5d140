"""The registrations pages of a portal (included by portal/portal_urls.py, namespace
``portal``). Every view here is wrapped by ``portal_view``."""

from __future__ import annotations

from django.urls import path

from registrations.views import partner

urlpatterns = [
    path("registrations/", partner.registration_list, name="registrations"),
    path("registrations/new/", partner.registration_new, name="registration_new"),
    # The form's "Existing contact" for the chosen company (htmx swaps it in).
    path("registrations/contacts/", partner.registration_contacts, name="registration_contacts"),
    path(
        "registrations/<uuid:registration_id>/",
        partner.registration_detail,
        name="registration_detail",
    ),
    path(
        "registrations/<uuid:registration_id>/edit/",
        partner.registration_edit,
        name="registration_edit",
    ),
    path(
        "registrations/<uuid:registration_id>/files/<uuid:attachment_id>/",
        partner.attachment_download,
        name="registration_attachment",
    ),
    path("opportunities/", partner.opportunity_list, name="opportunities"),
    path(
        "opportunities/<uuid:opportunity_id>/",
        partner.opportunity_detail,
        name="opportunity_detail",
    ),
]
