from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from partners.sections import section_link
from portal.context import PartnerContext, portal_view


@require_GET
@portal_view
def portal_home(request: HttpRequest, ctx: PartnerContext) -> HttpResponse:
    """The organisation's name and the sections its portal shows, in the configured order."""
    keys = ctx.portal.sections.values_list("section", flat=True)
    links = [
        link
        for key in keys
        if (link := section_link(key=key, path_name=ctx.portal.path_name)) is not None
    ]
    return render(request, "partners/portal_home.html", {"ctx": ctx, "sections": links})
