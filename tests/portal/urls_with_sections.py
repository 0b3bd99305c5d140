"""A URLconf in which two portal sections exist, to test the home page's section list."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, include, path

from portal import portal_urls
from portal.context import PartnerContext, portal_view
from portal.urls import urlpatterns as project_urlpatterns


@portal_view
def section_page(request: HttpRequest, ctx: PartnerContext) -> HttpResponse:
    return HttpResponse(ctx.organisation.name)


portal_patterns = (
    [
        # Only the home page of the real portal: these tests choose which sections exist.
        *(entry for entry in portal_urls.urlpatterns if getattr(entry, "name", "") == "home"),
        path("customers/", section_page, name="customers"),
        path("registrations/", section_page, name="registrations"),
    ],
    "portal",
)

urlpatterns: list[URLPattern | URLResolver] = [
    *(entry for entry in project_urlpatterns if not str(entry.pattern).startswith("p/")),
    path("p/<str:path_name>/", include(portal_patterns)),
]
