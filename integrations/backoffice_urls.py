"""/backoffice/outbox/: the outbox pages of the back office (namespace ``outbox``)."""

from __future__ import annotations

from django.urls import path

from integrations import views

app_name = "outbox"

urlpatterns = [
    path("", views.outbox_list, name="list"),
    path("retry/", views.outbox_retry_bulk, name="retry_bulk"),
    path("<int:message_id>/", views.outbox_detail, name="detail"),
    path("<int:message_id>/retry/", views.outbox_retry, name="retry"),
]
