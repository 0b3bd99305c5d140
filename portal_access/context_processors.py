from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def portal_nav(request: HttpRequest) -> dict[str, object]:
    """The portal's sections for the navigation bar, on portal pages only.

    Lazy, and shared with the page through ``PartnerContext.sections``: one query at most.
    """
    ctx = getattr(request, "partner", None)
    if ctx is None:
        return {}
    return {"nav_sections": SimpleLazyObject(lambda: ctx.sections)}
