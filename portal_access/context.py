"""The portal-access policy: every view under /p/<path_name>/ is wrapped by ``portal_view``.

The decorator resolves the portal and the signed-in user's partner context once per request and
hands it to the view, so a view never looks up the tenant itself. A test walks the URL resolver and
fails on any view under /p/ without this policy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, wraps
from typing import Any, Concatenate

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from partners.models import PartnerMembership, PartnerOrganisation, PartnerPortal
from partners.sections import SectionLink, section_link
from partners.selectors import (
    Verdict,
    portal_access_decide,
    portal_get_active,
    portal_section_keys,
)

POLICY_ATTRIBUTE = "portal_access_policy"


@dataclass(frozen=True)
class PartnerContext:
    """Who is asking, for which organisation, on which portal."""

    portal: PartnerPortal
    membership: PartnerMembership
    user: User

    @property
    def organisation(self) -> PartnerOrganisation:
        return self.membership.organisation

    @property
    def is_supervisor(self) -> bool:
        return self.membership.is_supervisor

    @cached_property
    def sections(self) -> list[SectionLink]:
        """The portal's sections this build serves, in the configured order (cached)."""
        return [
            link
            for key in portal_section_keys(self.portal)
            if (link := section_link(key=key, path_name=self.portal.path_name)) is not None
        ]


# HttpResponseBase: a view may stream (CSV exports) or send a file.
type PortalView = Callable[Concatenate[HttpRequest, PartnerContext, ...], HttpResponseBase]


def same_page_of(request: HttpRequest, *, current: PartnerPortal, target: PartnerPortal) -> str:
    """The URL of the page the request asked for, on another portal, query string kept."""
    prefix = reverse("portal:home", kwargs={"path_name": current.path_name})
    rest = request.path[len(prefix) :] if request.path.startswith(prefix) else ""
    url = reverse("portal:home", kwargs={"path_name": target.path_name}) + rest
    query = request.META.get("QUERY_STRING", "")
    return f"{url}?{query}" if query else url


def portal_view(view: PortalView) -> Callable[..., HttpResponseBase]:
    """Enforce the portal context and pass the partner context to ``view``.

    - unknown or inactive portal: 404, for everybody;
    - anonymous: sign in, then come back here;
    - partner user of another direction: the same page of their own portal, with a message
      saying why;
    - anybody without an active partner membership: the self-service portal.
    """

    @wraps(view)
    def wrapper(
        request: HttpRequest, path_name: str, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        # A partner user's own portal came with the user (no query); any other is read.
        portal = portal_get_active(path_name=path_name, user=request.user)
        if portal is None:
            raise Http404("No such portal.")
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        access = portal_access_decide(user=request.user, portal=portal)
        if access.verdict is Verdict.OWN_PORTAL and access.own_portal is not None:
            # Said once, on the page they land on (the messages framework keeps it in a cookie:
            # no query, gone after it is shown).
            messages.info(
                request,
                _(
                    "%(other)s is the portal of another sales direction, so you were brought to "
                    "the same page of your own portal, %(own)s."
                )
                % {"other": portal.title, "own": access.own_portal.title},
            )
            return HttpResponseRedirect(
                same_page_of(request, current=portal, target=access.own_portal)
            )
        if access.verdict is not Verdict.ALLOW or access.membership is None:
            return redirect("account")
        if not isinstance(request.user, User):
            raise TypeError("A signed-in user is required.")
        context = PartnerContext(portal=portal, membership=access.membership, user=request.user)
        request.partner = context  # type: ignore[attr-defined]  # for templates and logging
        return view(request, context, *args, **kwargs)

    setattr(wrapper, POLICY_ATTRIBUTE, True)
    return wrapper
