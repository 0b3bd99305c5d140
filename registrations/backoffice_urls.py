"""/backoffice/: the vendor agents' pages (namespace ``backoffice``)."""

from __future__ import annotations

from django.urls import path

from registrations.views import backoffice

app_name = "backoffice"

urlpatterns = [
    path("", backoffice.queue, name="queue"),
    path(
        "registrations/<uuid:registration_id>/",
        backoffice.registration_detail,
        name="registration",
    ),
    path(
        "registrations/<uuid:registration_id>/<slug:action>/",
        backoffice.registration_action,
        name="registration_action",
    ),
    path(
        "registrations/<uuid:registration_id>/files/<uuid:attachment_id>/",
        backoffice.attachment_download,
        name="attachment",
    ),
    path(
        "opportunities/<uuid:opportunity_id>/",
        backoffice.opportunity_detail,
        name="opportunity",
    ),
]
