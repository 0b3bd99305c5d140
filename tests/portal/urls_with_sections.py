"""A URLconf whose portal serves exactly two sections, customers and registrations.

The portal home offers a section only when its URL exists; this pins which ones exist, whatever
features the real URLconf has.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, include, path

from portal import views as portal_views
from portal.urls import urlpatterns as project_urlpatterns
from portal_access.context import PartnerContext, portal_view


@portal_view
def section_page(request: HttpRequest, ctx: PartnerContext) -> HttpResponse:
    return HttpResponse(ctx.organisation.name)


portal_patterns = (
    [
        path("", portal_views.portal_home, name="home"),
        path("customers/", section_page, name="customers"),
        path("registrations/", section_page, name="registrations"),
    ],
    "portal",
)

urlpatterns: list[URLPattern | URLResolver] = [
    *(entry for entry in project_urlpatterns if not str(entry.pattern).startswith("p/")),
    path("p/<str:path_name>/", include(portal_patterns)),
]
