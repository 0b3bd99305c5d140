"""Session policies applied on every request, after authentication.

- ``IdleTimeoutMiddleware``: a session unused for ``SESSION_IDLE_TIMEOUT`` seconds is signed out.
- ``PartnerSessionMiddleware``: a partner person whose organisation or membership was
  deactivated, or whose organisation now requires SSO while this session began with a password,
  is signed out at their next request, wherever it goes.
- ``StaffMfaMiddleware``: vendor staff without TOTP are sent to set it up before any admin or
  back-office page opens.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.models import AuthEventKind, User
from signin.adapters import STAFF_PREFIXES, last_authentication
from signin.policy import SOCIAL, Refusal, sign_in_refusal
from signin.services import auth_event_record

type GetResponse = Callable[[HttpRequest], HttpResponse]

LAST_SEEN_KEY = "portal_last_seen"
# Writing the timestamp on every request would save the session every time; once a minute keeps
# the idle timeout accurate to a minute at a fraction of the writes.
LAST_SEEN_RESOLUTION = 60


def end_session(request: HttpRequest, *, reason: str, message: str) -> HttpResponse:
    """Sign the person out now and send them to sign in again, coming back here after."""
    user = request.user
    auth_event_record(
        kind=AuthEventKind.SESSION_ENDED,
        request=request,
        user=user if isinstance(user, User) else None,
        reason=reason,
    )
    # Django's logout flushes the session; the signed-out signal is told not to log it again.
    request.portal_session_ended = True  # type: ignore[attr-defined]  # our flag, read by receivers
    logout(request)
    messages.warning(request, message)
    if request.method == "GET" and not request.headers.get("HX-Request"):
        return redirect_to_login(request.get_full_path())
    return HttpResponseRedirect(reverse("account_login"))


class IdleTimeoutMiddleware:
    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY)
            if isinstance(last_seen, int) and now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                return end_session(
                    request,
                    reason="idle timeout",
                    message=_("You were signed out after a period of inactivity."),
                )
            if not isinstance(last_seen, int) or now - last_seen >= LAST_SEEN_RESOLUTION:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)


class PartnerSessionMiddleware:
    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if isinstance(user, User) and not user.is_staff:
            refusal = self.session_refusal(request, user)
            if refusal is not None:
                return end_session(
                    request, reason=f"{refusal.code}: {refusal.message}", message=refusal.message
                )
        return self.get_response(request)

    @staticmethod
    def session_refusal(request: HttpRequest, user: User) -> Refusal | None:
        """The sign-in policy, applied again to a session that is already open.

        Read from the database on every request (two small indexed queries), never cached in the
        session, so an admin's change applies at the person's next request.
        """
        record = last_authentication(request, user)
        method = str(record.get("method", ""))
        slug = str(record.get("provider", "")) if method == SOCIAL else ""
        return sign_in_refusal(user=user, method=method or "password", sso_provider_slug=slug)


class StaffMfaMiddleware:
    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            request.path.startswith(STAFF_PREFIXES)
            and user.is_authenticated
            and user.is_staff
            and not is_mfa_enabled(user, [Authenticator.Type.TOTP])
        ):
            messages.warning(
                request,
                _("Vendor staff need an authenticator app. Set it up to continue."),
            )
            url = reverse("mfa_activate_totp")
            return HttpResponseRedirect(f"{url}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
