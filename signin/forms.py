"""allauth's account forms with the portal's rules: SSO-required organisations use neither
passwords nor codes nor password reset, and partner domains are not open to self sign-up."""

from __future__ import annotations

from typing import Any

from allauth.account import forms as allauth_forms
from allauth.core import context
from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import AuthEventKind
from partners.models import PartnerEmailDomain, PartnerMembership
from signin.policy import local_sign_in_refusal_for_email
from signin.services import auth_event_record
from sso.selectors import email_domain


def _refuse_local(request: HttpRequest | None, email: str, method: str) -> None:
    """Raise the form error (and log it) if ``email`` must sign in through its organisation."""
    refusal = local_sign_in_refusal_for_email(email=email)
    if refusal is None:
        return
    auth_event_record(
        kind=AuthEventKind.SIGN_IN_REFUSED,
        request=request,
        email=email,
        method=method,
        provider=refusal.provider.slug if refusal.provider else "",
        organisation=refusal.provider.organisation if refusal.provider else None,
        reason=f"{refusal.code}: {refusal.message}",
    )
    raise ValidationError(refusal.message, code=refusal.code)


class EmailStepForm(forms.Form):
    """The first step of sign-in: the address, for home-realm discovery."""

    login = forms.EmailField(
        label=gettext_lazy("Email"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def clean_login(self) -> str:
        return str(self.cleaned_data["login"]).strip().lower()


class LoginForm(allauth_forms.LoginForm):
    def clean(self) -> dict[str, Any]:
        login = (self.cleaned_data.get("login") or "").strip()
        if login and not self._errors:
            # Before the password is even checked: the answer does not depend on it.
            method = "password" if self.cleaned_data.get("password") else "code"
            _refuse_local(self.request, login, method)
        return super().clean()


class RequestLoginCodeForm(allauth_forms.RequestLoginCodeForm):
    def clean_email(self) -> str:
        email = super().clean_email()
        if email:
            _refuse_local(allauth_request(), email, "code")
        return email


class ResetPasswordForm(allauth_forms.ResetPasswordForm):
    def save(self, request: HttpRequest, **kwargs: Any) -> str:
        email = str(self.cleaned_data["email"])
        refusal = local_sign_in_refusal_for_email(email=email)
        if refusal is not None:
            # Nothing is sent (not even allauth's "unknown account" mail): these people have no
            # password here. The page answers as for anybody else, so it reveals nothing new.
            auth_event_record(
                kind=AuthEventKind.SIGN_IN_REFUSED,
                request=request,
                email=email,
                method="password_reset",
                provider=refusal.provider.slug if refusal.provider else "",
                organisation=refusal.provider.organisation if refusal.provider else None,
                reason=f"{refusal.code}: password reset ignored",
            )
            return email
        return str(super().save(request, **kwargs))


def _refuse_partner_domain(email: str) -> None:
    # The answer names neither the organisation nor the domain's owner: an anonymous visitor
    # must not learn from the sign-up form which partner a domain belongs to.
    if PartnerEmailDomain.objects.filter(domain=email_domain(email)).exists():
        raise ValidationError(
            _(
                "This address cannot be used for a customer account. If you work for one of "
                "our partners, sign in with your organisation's account instead; ask your "
                "channel manager if you have none."
            ),
            code="partner_domain",
        )


class SignupForm(allauth_forms.SignupForm):
    """Self sign-up is for end customers: partner people come through their organisation."""

    def clean_email(self) -> str:
        email = str(super().clean_email())
        _refuse_partner_domain(email)
        return email


class AddEmailForm(allauth_forms.AddEmailForm):
    """Partner people's and staff's addresses are managed by their organisation or the vendor:
    an extra address would sign them in around the domain rules that SSO and memberships rely
    on. End customers may add addresses outside partner domains."""

    def clean_email(self) -> str:
        user = self.user
        if user is not None and (
            user.is_staff or PartnerMembership.objects.filter(user_id=user.pk).exists()
        ):
            raise ValidationError(
                _("Your address is managed by your organisation; ask your administrator."),
                code="managed_address",
            )
        email = str(super().clean_email())
        _refuse_partner_domain(email)
        return email


def allauth_request() -> HttpRequest | None:
    """The current request, which allauth keeps in its context while a form is validated."""
    return context.request
