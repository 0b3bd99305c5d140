"""Password authentication that refuses people whose organisation requires SSO.

The sign-in form already says so clearly (signin.forms.LoginForm); the backends make it hold
for every other caller of ``authenticate()`` as well. Only ``authenticate`` is narrowed:
``get_user`` (which restores a session, including an SSO one) is untouched.
"""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.http import HttpRequest

from accounts.models import User
from sso.selectors import sso_required_provider_for_user


def _allowed(user: Any) -> Any:
    if isinstance(user, User) and sso_required_provider_for_user(user=user) is not None:
        return None
    return user


class ModelBackend(DjangoModelBackend):
    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> Any:
        return _allowed(super().authenticate(request, *args, **kwargs))


class AuthenticationBackend(AllauthBackend):
    def authenticate(self, request: HttpRequest | None, **credentials: Any) -> Any:
        return _allowed(super().authenticate(request, **credentials))
