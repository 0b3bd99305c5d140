"""allauth's account hooks: the sign-in policy at the moment a sign-in completes, and where a
person lands afterwards."""

from __future__ import annotations

import time
from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.internal.stagekit import clear_login
from allauth.core import context
from allauth.core.internal.ratelimit import get_ip
from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from accounts.models import AuthEventKind, User
from signin.policy import SOCIAL, sign_in_refusal
from signin.services import auth_event_record

# Pages only vendor staff may open: a partner or customer who was heading there lands on their
# own place instead of a 403.
STAFF_PREFIXES = ("/admin/", "/backoffice/")


def last_authentication(request: HttpRequest, user: AbstractBaseUser) -> dict[str, Any]:
    records = get_authentication_records(request, user)
    # MFA completes a sign-in that started with a password: judge the first factor.
    first_factors = [record for record in records if record.get("method") != "mfa"]
    return first_factors[-1] if first_factors else {}


class AccountAdapter(DefaultAccountAdapter):
    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        # allauth counts failed password sign-ins under this key (the ``key`` of
        # ACCOUNT_RATE_LIMITS["login_failed"]) and clears it after a password reset. Its own key
        # is the address alone, so anybody who knows an address could keep that person out by
        # failing five times every five minutes. With the client address in the key an attacker
        # locks out only their own attempts; the per-IP rate still limits them across
        # addresses. get_ip is allauth's client address: the trusted proxies' X-Forwarded-For
        # entry (ALLAUTH_TRUSTED_PROXY_COUNT), IPv6 grouped by its /64.
        address = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{address}:{get_ip(request)}"

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """A sign-in moments ago counts as recent authentication, as a reauthentication does.

        allauth asks for the password again before a security setting changes unless the
        session holds a *re*authentication younger than ACCOUNT_REAUTHENTICATION_TIMEOUT; staff
        sent to set up their authenticator right after signing in would type it twice in a
        minute. Any authentication this session recorded within that timeout proves the same.
        """
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        request = context.request
        if request is None or not request.user.is_authenticated:
            return True
        timeout = account_settings.REAUTHENTICATION_TIMEOUT
        now = time.time()
        return not any(
            now - float(record.get("at", 0)) < timeout
            for record in get_authentication_records(request, request.user)
        )

    def pre_login(
        self,
        request: HttpRequest,
        user: AbstractBaseUser,
        *,
        email_verification: str,
        signal_kwargs: dict[str, Any] | None,
        email: str | None,
        signup: bool,
        redirect_url: str | None,
    ) -> HttpResponse | None:
        response = super().pre_login(
            request,
            user,
            email_verification=email_verification,
            signal_kwargs=signal_kwargs,
            email=email,
            signup=signup,
            redirect_url=redirect_url,
        )
        if response is not None:
            return response
        record = last_authentication(request, user)
        sociallogin = (signal_kwargs or {}).get("sociallogin")
        method = SOCIAL if sociallogin is not None else str(record.get("method", "password"))
        slug = sociallogin.account.provider if sociallogin is not None else ""
        assert isinstance(user, User)  # noqa: S101  # AUTH_USER_MODEL
        refusal = sign_in_refusal(user=user, method=method, sso_provider_slug=slug)
        if refusal is None:
            return None
        auth_event_record(
            kind=AuthEventKind.SIGN_IN_REFUSED,
            request=request,
            user=user,
            method=method,
            provider=slug or (refusal.provider.slug if refusal.provider else ""),
            reason=f"{refusal.code}: {refusal.message}",
        )
        clear_login(request)
        messages.error(request, refusal.message)
        return HttpResponseRedirect(reverse("account_login"))

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        return reverse("home")

    def post_login(
        self,
        request: HttpRequest,
        user: AbstractBaseUser,
        *,
        email_verification: str,
        signal_kwargs: dict[str, Any] | None,
        email: str | None,
        signup: bool,
        redirect_url: str | None,
    ) -> HttpResponse:
        # Land where they were going if they may: a non-staff person heading for a staff page
        # goes home instead (home routes them to their own portal). Portal pages apply their own
        # policy (another direction's portal sends them to the same page of their own).
        path = (redirect_url or "").split("?", 1)[0]
        if path.startswith(STAFF_PREFIXES) and not getattr(user, "is_staff", False):
            redirect_url = reverse("home")
        return super().post_login(
            request,
            user,
            email_verification=email_verification,
            signal_kwargs=signal_kwargs,
            email=email,
            signup=signup,
            redirect_url=redirect_url,
        )
