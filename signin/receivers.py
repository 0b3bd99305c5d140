"""Feed the authentication log from Django's and allauth's signals.

Receivers only translate a signal into one ``auth_event_record`` call, in the same request: the
decisions live in the adapters and forms.
"""

from __future__ import annotations

from typing import Any

from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.signals import login_code_rejected
from allauth.mfa.signals import authentication_failed as mfa_authentication_failed
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.models import AuthEventKind, User
from signin.adapters import last_authentication
from signin.policy import SOCIAL
from signin.services import auth_event_record
from sso.selectors import identity_provider_get_active


@receiver(user_logged_in, dispatch_uid="accounts.log_signed_in")
def log_signed_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    record = last_authentication(request, user) if request is not None else {}
    method = str(record.get("method", ""))
    provider = ""
    if method == SOCIAL:
        provider = str(record.get("provider", ""))
        idp = identity_provider_get_active(slug=provider)
        method = idp.method if idp is not None else method
    records = get_authentication_records(request, user) if request is not None else []
    if any(r.get("method") == "mfa" for r in records):
        method = f"{method}+mfa" if method else "mfa"
    auth_event_record(
        kind=AuthEventKind.SIGNED_IN, request=request, user=user, method=method, provider=provider
    )


@receiver(user_login_failed, dispatch_uid="accounts.log_sign_in_failed")
def log_sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Django masks the password in ``credentials``; only the address is kept.
    email = str(credentials.get("email") or credentials.get("username") or "")
    auth_event_record(
        kind=AuthEventKind.SIGN_IN_FAILED,
        request=request,
        user=User.objects.filter(email__iexact=email).first() if email else None,
        email=email,
        method="password",
        reason="wrong address or password",
    )


@receiver(login_code_rejected, dispatch_uid="accounts.log_code_rejected")
def log_code_rejected(
    sender: Any, request: HttpRequest, user: User, last_attempt: bool = False, **kwargs: Any
) -> None:
    auth_event_record(
        kind=AuthEventKind.SIGN_IN_FAILED,
        request=request,
        user=user,
        method="code",
        reason="wrong sign-in code" + (" (last attempt)" if last_attempt else ""),
    )


@receiver(mfa_authentication_failed, dispatch_uid="accounts.log_mfa_failed")
def log_mfa_failed(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    auth_event_record(
        kind=AuthEventKind.SIGN_IN_FAILED,
        request=request,
        user=user,
        method="mfa",
        reason="wrong authenticator or recovery code",
    )


@receiver(user_logged_out, dispatch_uid="accounts.log_signed_out")
def log_signed_out(
    sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any
) -> None:
    if user is None or getattr(request, "portal_session_ended", False):
        return  # never signed in, or the portal ended the session and logged it already
    auth_event_record(kind=AuthEventKind.SIGNED_OUT, request=request, user=user)
