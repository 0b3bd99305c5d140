"""/backoffice/: the vendor agents' pages (namespace ``backoffice``). Every view here is
wrapped by ``backoffice_access.context.backoffice_view``."""

from __future__ import annotations

from django.urls import path

from registrations.views import backoffice

app_name = "backoffice"

registration = "registrations/<uuid:registration_id>/"

urlpatterns = [
    path("", backoffice.queue, name="queue"),
    path(registration, backoffice.registration_detail, name="registration"),
    # One view per decision, POST only.
    path(f"{registration}start_review/", backoffice.registration_start_review, name="start_review"),
    path(f"{registration}request_info/", backoffice.registration_request_info, name="request_info"),
    path(f"{registration}qualify/", backoffice.registration_qualify, name="qualify"),
    path(f"{registration}reject/", backoffice.registration_reject, name="reject"),
    path(f"{registration}assign/", backoffice.registration_assign, name="assign"),
    path(f"{registration}comment/", backoffice.registration_comment, name="comment"),
    path(
        f"{registration}files/<uuid:attachment_id>/",
        backoffice.attachment_download,
        name="attachment",
    ),
    path(
        "opportunities/<uuid:opportunity_id>/",
        backoffice.opportunity_detail,
        name="opportunity",
    ),
]
