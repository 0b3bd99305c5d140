"""Password authentication that refuses people whose organisation requires SSO.

The sign-in form already says so clearly (signin.forms.LoginForm); the backends make it hold
for every other caller of ``authenticate()`` as well.

``get_user`` restores the session's user (an SSO session included) with the partner context
every request needs (membership, organisation, identity provider, direction and portal) in one
query, so neither the session middleware nor the portal policy reads them again.
"""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.http import HttpRequest

from accounts.models import User
from partners.selectors import user_with_partner_context
from sso.selectors import sso_required_provider_for_user


def _allowed(user: Any) -> Any:
    if isinstance(user, User) and sso_required_provider_for_user(user=user) is not None:
        return None
    return user


class PartnerContextMixin:
    """``get_user`` with the partner context, in the one query a signed-in request costs."""

    def get_user(self, user_id: Any) -> Any:
        user = user_with_partner_context(user_id=user_id)
        if user is None or not user.is_active:  # ModelBackend.user_can_authenticate
            return None
        return user


class ModelBackend(PartnerContextMixin, DjangoModelBackend):
    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> Any:
        return _allowed(super().authenticate(request, *args, **kwargs))


class AuthenticationBackend(PartnerContextMixin, AllauthBackend):
    def authenticate(self, request: HttpRequest | None, **credentials: Any) -> Any:
        return _allowed(super().authenticate(request, **credentials))
