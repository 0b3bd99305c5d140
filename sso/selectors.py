"""Reads of partner SSO: which provider an address or a person belongs to."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from accounts.models import User
from sso.models import IdentityProvider


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


def identity_providers_active() -> QuerySet[IdentityProvider]:
    """Providers people can sign in with: active, of an active organisation."""
    return IdentityProvider.objects.select_related("organisation").filter(
        is_active=True, organisation__is_active=True
    )


def identity_provider_get_active(*, slug: str) -> IdentityProvider | None:
    return identity_providers_active().filter(slug=slug).first()


def identity_provider_for_email(*, email: str) -> IdentityProvider | None:
    """Home-realm discovery: the active provider of the organisation that owns the domain."""
    domain = email_domain(email)
    if not domain:
        return None
    return identity_providers_active().filter(organisation__email_domains__domain=domain).first()


def sso_required_provider_for_user(*, user: User | AnonymousUser) -> IdentityProvider | None:
    """The provider this person must sign in through, if their organisation requires SSO.

    Their organisation is the one of their membership (active or not: a deactivated member must
    not fall back to a password either) or, for somebody without one, the one owning their
    address's domain.
    """
    if user.pk is None:
        return None
    domain = email_domain(user.email)
    return (
        IdentityProvider.objects.select_related("organisation")
        .filter(is_active=True, sso_required=True)
        .filter(
            Q(organisation__memberships__user_id=user.pk)
            | Q(organisation__email_domains__domain=domain)
        )
        .first()
    )


def sso_required_provider_for_email(*, email: str) -> IdentityProvider | None:
    """As ``sso_required_provider_for_user``, for an address typed into a form."""
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is not None:
        return sso_required_provider_for_user(user=user)
    return (
        IdentityProvider.objects.select_related("organisation")
        .filter(is_active=True, sso_required=True)
        .filter(organisation__email_domains__domain=email_domain(email))
        .first()
    )
