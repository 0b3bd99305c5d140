"""Writes and decisions of partner SSO: who may come in through an organisation's provider, and
the membership (with its role) that a sign-in creates or updates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from partners.models import PartnerEmailDomain, PartnerMembership, PartnerRole
from sso.models import IdentityProvider, Protocol
from sso.selectors import email_domain


class SsoRefusal(Exception):
    """An SSO sign-in that must not go through. ``message`` is shown to the person."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Assertion:
    """What the provider told us about the person, protocol details removed."""

    email: str
    groups: tuple[str, ...]


def groups_from_claims(*, provider: IdentityProvider, extra_data: Mapping[str, Any]) -> list[str]:
    """The values of the provider's groups claim (OIDC) or attribute (SAML).

    OIDC data holds the userinfo response and the ID token; a provider may put groups in either
    (Entra ID only in the token), so both are read. SAML attributes are lists already.
    """
    name = provider.groups_claim.strip()
    if not name:
        return []
    sources: list[Mapping[str, Any]]
    if provider.protocol == Protocol.OIDC:
        sources = [extra_data.get("userinfo") or {}, extra_data.get("id_token") or {}]
    else:
        sources = [extra_data]
    values: list[str] = []
    for source in sources:
        raw = source.get(name)
        if raw is None:
            continue
        items: Iterable[Any] = [raw] if isinstance(raw, str) else raw
        values.extend(str(item) for item in items if str(item) not in values)
    return values


def role_from_groups(*, provider: IdentityProvider, groups: Iterable[str]) -> str:
    wanted = provider.supervisor_group.strip()
    if wanted and wanted in set(groups):
        return PartnerRole.SUPERVISOR
    return PartnerRole.MEMBER


def sso_sign_in_check(
    *, provider: IdentityProvider, assertion: Assertion, user: User | None
) -> None:
    """Refuse (``SsoRefusal``) what an organisation's provider may not sign in.

    Invariants: the address is in one of the provider organisation's email domains; the person
    is not vendor staff; an existing person is not a member of another organisation and their
    membership (and organisation) is active. ``user`` is the existing account the login points
    to, if any.
    """
    organisation = provider.organisation
    if not assertion.email:
        raise SsoRefusal(
            "no_email", _("Your organisation's sign-in did not tell us your email address.")
        )
    domain = email_domain(assertion.email)
    owner = (
        PartnerEmailDomain.objects.filter(domain=domain)
        .values_list("organisation_id", flat=True)
        .first()
    )
    if owner != organisation.pk:
        raise SsoRefusal(
            "wrong_domain",
            _("%(email)s is not an address of %(org)s, so %(org)s's sign-in cannot vouch for it.")
            % {"email": assertion.email, "org": organisation.name},
        )
    if not organisation.is_active:
        raise SsoRefusal(
            "organisation_inactive",
            _("%(org)s no longer has access to the partner portal.") % {"org": organisation.name},
        )
    if user is None:
        return
    if user.email.lower() != assertion.email.lower():
        raise SsoRefusal(
            "email_changed",
            _(
                "Your organisation's sign-in now gives the address %(email)s, which does not "
                "match your account. Ask your channel manager to update it."
            )
            % {"email": assertion.email},
        )
    if user.is_staff:
        raise SsoRefusal(
            "staff", _("Vendor staff sign in with their password and authenticator app.")
        )
    if not user.is_active:
        raise SsoRefusal("user_inactive", _("This account is disabled."))
    membership = PartnerMembership.objects.filter(user=user).first()
    if membership is None:
        return
    if membership.organisation_id != organisation.pk:
        raise SsoRefusal(
            "other_organisation",
            _(
                "%(email)s is a member of another partner organisation. Sign in through that "
                "organisation instead."
            )
            % {"email": assertion.email},
        )
    if not membership.is_active:
        raise SsoRefusal(
            "membership_inactive",
            _("Your access to %(org)s's partner portal has been deactivated.")
            % {"org": organisation.name},
        )


@transaction.atomic
def membership_apply_sso(
    *, provider: IdentityProvider, user: User, assertion: Assertion
) -> PartnerMembership:
    """Create the person's membership in the provider's organisation, or update its role.

    Called after ``sso_sign_in_check`` passed, for a new person (just-in-time provisioning) and at
    every later sign-in: the provider is the source of truth for the role. The row is locked so
    two simultaneous first sign-ins make one membership (the one-to-one constraint backs it).
    """
    role = role_from_groups(provider=provider, groups=assertion.groups)
    membership = PartnerMembership.objects.select_for_update().filter(user=user).first()
    if membership is None:
        membership = PartnerMembership(user=user, organisation=provider.organisation, role=role)
        membership.full_clean()
        membership.save()
        return membership
    if membership.organisation_id != provider.organisation_id or not membership.is_active:
        # sso_sign_in_check refuses these; never re-tenant or re-activate someone here.
        raise SsoRefusal("membership_changed", _("Your membership changed while signing in."))
    if membership.role != role:
        membership.role = role
        membership.save(update_fields=["role", "updated_at"])
    return membership
