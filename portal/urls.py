from __future__ import annotations

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from portal import views

admin.site.site_header = "Partner Portal administration"
admin.site.site_title = "Partner Portal admin"
admin.site.index_title = "Configuration"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("account/", views.account, name="account"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("backoffice/", include("registrations.backoffice_urls")),
    path("p/<str:path_name>/", include("portal.portal_urls")),
]
