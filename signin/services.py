"""Writes of the sign-in domain: the authentication log (``accounts.AuthEvent``).

Here rather than beside the model: a line names the partner organisation, and ``accounts`` sits
below ``partners``."""

from __future__ import annotations

from allauth.core.internal.httpkit import get_client_ip
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from accounts.models import AuthEvent, AuthEventKind, User
from partners.models import PartnerOrganisation


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address as allauth's rate limits see it: REMOTE_ADDR, or behind
    ``ALLAUTH_TRUSTED_PROXY_COUNT`` proxies the X-Forwarded-For entry the nearest of them added
    (what a client writes further left is ignored)."""
    if request is None:
        return None
    return get_client_ip(request)


def auth_event_record(
    *,
    kind: AuthEventKind,
    request: HttpRequest | None,
    user: User | AnonymousUser | None = None,
    email: str = "",
    method: str = "",
    provider: str = "",
    organisation: PartnerOrganisation | None = None,
    reason: str = "",
) -> AuthEvent:
    """Append one line to the authentication log, in the request that caused it."""
    account = user if isinstance(user, User) and user.pk is not None else None
    if account is not None and not email:
        email = account.email
    if organisation is None and account is not None:
        membership = getattr(account, "partner_membership", None)
        organisation = membership.organisation if membership is not None else None
    user_agent = request.META.get("HTTP_USER_AGENT", "") if request is not None else ""
    return AuthEvent.objects.create(
        kind=kind,
        user=account,
        email=email.strip().lower()[:254],
        method=method[:32],
        provider=provider[:64],
        organisation=organisation,
        reason=reason,
        ip_address=client_ip(request),
        user_agent=user_agent[:300],
    )
