"""SSO callbacks that allauth rejects by raising instead of through the adapter: logged, and
answered with the *Sign-in refused* page in the site's layout (403) rather than a bare error."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.models import AuthEventKind
from signin.services import auth_event_record
from sso.selectors import identity_provider_get_active

# allauth raises PermissionDenied from these views when the response's state (SAML InResponseTo,
# OIDC state) is unknown to this browser's session: a replayed or forged response.
CALLBACKS = {"saml_finish_acs": "organization_slug", "openid_connect_callback": "provider_id"}


class SsoFailureLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        match = request.resolver_match
        if not isinstance(exception, PermissionDenied) or match is None:
            return None
        slug_kwarg = CALLBACKS.get(match.url_name or "")
        if slug_kwarg is None:
            return None
        slug = str(match.kwargs.get(slug_kwarg, ""))
        provider = identity_provider_get_active(slug=slug)
        auth_event_record(
            kind=AuthEventKind.SIGN_IN_FAILED,
            request=request,
            method=provider.method if provider else "",
            provider=slug,
            organisation=provider.organisation if provider else None,
            reason="unknown or already used login state (a replayed or forged response)",
        )
        message = _(
            "This sign-in response was already used, or this browser did not start it. Nobody "
            "was signed in. Start again from the sign-in page."
        )
        return render(request, "sso/refused.html", {"message": message}, status=403)
