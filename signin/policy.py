"""Who may sign in how: the rules the sign-in forms, the account adapter, the authentication
backends and the session middleware all apply (one place, so they cannot drift apart)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _

from accounts.models import User
from partners.selectors import membership_of
from sso.models import IdentityProvider
from sso.selectors import sso_required_provider_for_email, sso_required_provider_for_user

# Where an account adapter finds how this session authenticated (allauth's records).
SOCIAL = "socialaccount"
CODE = "code"


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str
    provider: IdentityProvider | None = None


def sso_required_message(provider: IdentityProvider) -> str:
    return _(
        "%(org)s requires signing in through its own identity provider. Enter your address on "
        "the sign-in page to continue there."
    ) % {"org": provider.organisation.name}


def local_sign_in_refusal_for_email(*, email: str) -> Refusal | None:
    """Why this address may not use a password, a code or a password reset, if it may not.

    Said to whoever typed the address, before any password is checked: it does not name the
    organisation that owns the domain."""
    provider = sso_required_provider_for_email(email=email)
    if provider is not None:
        message = _(
            "Your organisation requires signing in through its own identity provider. Enter "
            "your address on the sign-in page to continue there."
        )
        return Refusal("sso_required", message, provider)
    return None


def sign_in_refusal(
    *, user: User | AnonymousUser, method: str, sso_provider_slug: str = ""
) -> Refusal | None:
    """Why ``user`` may not complete a sign-in by ``method``, if they may not.

    ``method`` is allauth's record of how they authenticated: password, code, socialaccount, …
    """
    if not isinstance(user, User):
        return None
    # No query for partner people restored from a session (the membership, organisation and
    # provider came with the user), one otherwise; the domain lookup only for people without a
    # membership.
    membership = membership_of(user)
    if membership is not None:
        provider = getattr(membership.organisation, "identity_provider", None)
        required = provider if provider and provider.is_active and provider.sso_required else None
    else:
        required = sso_required_provider_for_user(user=user)
    if required is not None and not (method == SOCIAL and sso_provider_slug == required.slug):
        return Refusal("sso_required", sso_required_message(required), required)
    if user.is_staff and method in (CODE, SOCIAL):
        return Refusal(
            "staff_method", _("Vendor staff sign in with their password and authenticator app.")
        )
    if membership is not None and not (membership.is_active and membership.organisation.is_active):
        return Refusal(
            "deactivated",
            _("Your access to %(org)s's partner portal has been deactivated.")
            % {"org": membership.organisation.name},
        )
    return None
