"""allauth's social-account hooks for partner SSO: apps from ``IdentityProvider`` rows, the
sign-in checks, just-in-time provisioning and the auth log of refusals and protocol errors."""

from __future__ import annotations

from typing import Any

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp, SocialLogin
from allauth.socialaccount.providers.base import AuthProcess, Provider
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.models import AuthEventKind, User
from signin.services import auth_event_record
from sso import services
from sso.models import IdentityProvider
from sso.selectors import email_domain, identity_provider_get_active, identity_providers_active
from sso.social import social_app_for


def provider_for(sociallogin: SocialLogin) -> IdentityProvider | None:
    return identity_provider_get_active(slug=sociallogin.provider.app.provider_id)


def assertion_of(provider: IdentityProvider, sociallogin: SocialLogin) -> services.Assertion:
    addresses = sorted(sociallogin.email_addresses, key=lambda address: not address.primary)
    email = addresses[0].email.strip().lower() if addresses else ""
    groups = services.groups_from_claims(
        provider=provider, extra_data=sociallogin.account.extra_data or {}
    )
    return services.Assertion(email=email, groups=tuple(groups))


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(
        self, request: HttpRequest | None, provider: str | None = None, client_id: str | None = None
    ) -> list[SocialApp]:
        # Only organisations' providers exist: apps stored in allauth's own table or in settings
        # are ignored, so no sign-in can bypass the organisation checks below.
        apps = [social_app_for(idp) for idp in identity_providers_active()]
        if provider:
            apps = [app for app in apps if provider in (app.provider, app.provider_id)]
        if client_id:
            apps = [app for app in apps if app.client_id == client_id]
        return apps

    def is_email_verified(self, provider: Provider, email: str) -> bool:
        # An organisation's provider vouches for the addresses of that organisation's domains
        # (and only those: sso_sign_in_check refuses the others anyway).
        idp = identity_provider_get_active(slug=provider.app.provider_id)
        return (
            idp is not None
            and idp.organisation.email_domains.filter(domain=email_domain(email)).exists()
        )

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        idp = provider_for(sociallogin)
        slug = sociallogin.provider.app.provider_id
        if idp is None:
            self._refuse(request, None, slug, "", services.SsoRefusal("no_provider", _(_NO_IDP)))
            return
        assertion = assertion_of(idp, sociallogin)
        try:
            if sociallogin.state.get("process", AuthProcess.LOGIN) != AuthProcess.LOGIN:
                # Connecting a provider account to whoever is signed in would let one
                # organisation's identity open another person's account.
                raise services.SsoRefusal("connect", _(_NO_CONNECT))
            existing = sociallogin.user if sociallogin.is_existing else None
            services.sso_sign_in_check(provider=idp, assertion=assertion, user=existing)
            if existing is None and User.objects.filter(email__iexact=assertion.email).exists():
                # allauth's email authentication claims accounts with this address (wiping the
                # password of an unverified one); if it matched none, the account is one it may
                # not sign in (a disabled one). Never create a second account beside it.
                raise services.SsoRefusal("email_taken", _(_TAKEN))
            if existing is not None:
                services.membership_apply_sso(provider=idp, user=existing, assertion=assertion)
        except services.SsoRefusal as refusal:
            self._refuse(request, idp, slug, assertion.email, refusal)

    def save_user(self, request: HttpRequest, sociallogin: SocialLogin, form: Any = None) -> User:
        """Just-in-time provisioning: the new person and their membership, together."""
        idp = provider_for(sociallogin)
        if idp is None:  # deactivated between the redirect and now
            self._refuse(
                request,
                None,
                sociallogin.provider.app.provider_id,
                "",
                services.SsoRefusal("no_provider", _(_NO_IDP)),
            )
        assert idp is not None  # noqa: S101  # _refuse raised otherwise
        assertion = assertion_of(idp, sociallogin)
        try:
            with transaction.atomic():
                user: User = super().save_user(request, sociallogin, form)
                services.membership_apply_sso(provider=idp, user=user, assertion=assertion)
        except services.SsoRefusal as refusal:
            # Rolled back: no half-provisioned person is left behind.
            self._refuse(request, idp, idp.slug, assertion.email, refusal)
        return user

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Provider,
        error: str | None = None,
        exception: BaseException | None = None,
        extra_context: dict[str, Any] | None = None,
    ) -> None:
        # Protocol failures: a bad signature, an expired or misaddressed SAML response, a failed
        # token exchange, a cancelled login. allauth then renders its error page (401).
        extra = extra_context or {}
        reason = str(
            extra.get("saml_last_error_reason") or exception or error or "authentication error"
        )
        slug = provider.app.provider_id if provider.app else provider.id
        idp = identity_provider_get_active(slug=slug)
        auth_event_record(
            kind=AuthEventKind.SIGN_IN_FAILED,
            request=request,
            method=idp.method if idp else provider.id,
            provider=slug,
            organisation=idp.organisation if idp else None,
            reason=reason,
        )

    def _refuse(
        self,
        request: HttpRequest,
        idp: IdentityProvider | None,
        slug: str,
        email: str,
        refusal: services.SsoRefusal,
    ) -> None:
        auth_event_record(
            kind=AuthEventKind.SSO_REFUSED,
            request=request,
            user=User.objects.filter(email__iexact=email).first() if email else None,
            email=email,
            method=idp.method if idp else "",
            provider=slug,
            organisation=idp.organisation if idp else None,
            reason=f"{refusal.code}: {refusal.message}",
        )
        response = render(
            request,
            "sso/refused.html",
            {"message": refusal.message, "organisation": idp.organisation if idp else None},
            status=403,
        )
        raise ImmediateHttpResponse(response)


# Messages shown on the refusal page (translated when shown).
_NO_IDP = "This sign-in is not configured for any partner organisation."
_NO_CONNECT = "Partner sign-in cannot be linked to an account that is already signed in."
_TAKEN = (
    "An account with this address exists but cannot be used for this sign-in. Ask your channel "
    "manager to sort it out."
)
