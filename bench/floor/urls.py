"""The floor's URLs: what each page needs to know (the organisation, the user, the portal) is in
the path, so that a page costs only its one query."""

from __future__ import annotations

from django.urls import path

from floor import views

urlpatterns = [
    path("hello", views.hello),
    path("healthz", views.healthz),
    path("<int:org>/<str:portal>/customers/", views.customers),
    path("<int:org>/<str:portal>/invoices/", views.invoices),
    path("<int:org>/<int:user>/<str:portal>/registrations/", views.registrations),
    path("<int:org>/<int:user>/<str:portal>/opportunities/", views.opportunities),
    path("queue/<str:directions>/", views.queue),
    path("<int:org>/<int:portal_id>/<str:portal>/home/", views.home),
    path("<int:org>/<int:portal_id>/<str:portal>/pricing/<slug:slug>/", views.pricing_page),
    path("<str:portal>/registrations/<uuid:public_id>/", views.registration),
    path("<int:org>/<str:portal>/checkout/<slug:slug>/", views.checkout),
]
