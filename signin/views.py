"""Sign-in with home-realm discovery: the address first, then the organisation's identity
provider, or the password / emailed-code form for everybody else; and the authenticator set-up
that brings staff back to where they were going."""

from __future__ import annotations

import logging
from typing import Any

from allauth.account.utils import get_next_redirect_url
from allauth.account.views import LoginView as AllauthLoginView
from allauth.mfa.recovery_codes import views as recovery_codes_views
from allauth.mfa.totp import views as totp_views
from allauth.socialaccount.providers.base import AuthProcess
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.models import AuthEventKind
from signin.forms import EmailStepForm
from signin.services import auth_event_record
from sso.models import IdentityProvider, Protocol
from sso.selectors import identity_provider_for_email
from sso.social import social_app_for

logger = logging.getLogger(__name__)

STEP_FIELD = "step"
EMAIL_STEP = "email"


class LoginView(AllauthLoginView):
    """allauth's sign-in view with an email step in front of it.

    A POST carrying ``step=email`` is the discovery step; any other POST is allauth's own
    password sign-in (so a client that posts address and password at once still works, with
    every rule of the password form).
    """

    template_name = "account/login.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_step(EmailStepForm(initial={"login": request.GET.get("login", "")}))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.POST.get(STEP_FIELD) != EMAIL_STEP:
            return super().post(request, *args, **kwargs)
        form = EmailStepForm(request.POST)
        if not form.is_valid():
            return self.render_step(form)
        email = form.cleaned_data["login"]
        provider = identity_provider_for_email(email=email)
        if provider is not None:
            try:
                return self.redirect_to_provider(request, provider, email)
            except Exception as exc:
                # The provider's discovery document or metadata could not be fetched (it is
                # down, or misconfigured). Whatever the library raised, the person gets a clear
                # answer and vendor staff a log line, rather than a server error.
                logger.exception("Identity provider %s unavailable", provider.slug)
                auth_event_record(
                    kind=AuthEventKind.SIGN_IN_FAILED,
                    request=request,
                    email=email,
                    method=provider.method,
                    provider=provider.slug,
                    organisation=provider.organisation,
                    reason=f"provider unavailable: {exc}"[:500],
                )
                # Not naming the organisation: anybody can type an address at its domain.
                form.add_error(
                    None,
                    _(
                        "Your organisation's sign-in service cannot be reached right now. "
                        "Please try again in a few minutes."
                    ),
                )
                return self.render_step(form)
        password_form = self.get_form_class()(initial={"login": email}, request=request)
        return self.render_to_response(
            self.get_context_data(form=password_form, step="password", email=email)
        )

    def render_step(self, form: EmailStepForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form, step=EMAIL_STEP))

    def redirect_to_provider(
        self, request: HttpRequest, provider: IdentityProvider, email: str
    ) -> HttpResponse:
        """Start the organisation's OIDC or SAML login, from this CSRF-protected POST."""
        social_provider = social_app_for(provider).get_provider(request)
        next_url = self.get_success_url()
        if provider.protocol == Protocol.OIDC:
            # login_hint pre-fills the address at Entra ID, Okta and Google.
            return social_provider.redirect(
                request,
                AuthProcess.LOGIN,
                next_url=next_url,
                auth_params={"login_hint": email},
            )
        return social_provider.redirect(request, AuthProcess.LOGIN, next_url=next_url)


login = LoginView.as_view()


class ActivateTOTPView(totp_views.ActivateTOTPView):
    """allauth's authenticator set-up, keeping where the person was going.

    Staff are sent here by ``StaffMfaMiddleware`` with ``next`` (the page they asked for). The
    form posts it back, and a successful set-up goes on to the recovery codes with it, whose
    *Continue* leads there.
    """

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        next_url = get_next_redirect_url(self.request)
        action = reverse("mfa_activate_totp")
        context["action_url"] = f"{action}?{urlencode({'next': next_url})}" if next_url else action
        return context

    def get_success_url(self) -> str:
        url = super().get_success_url()
        next_url = get_next_redirect_url(self.request)
        return f"{url}?{urlencode({'next': next_url})}" if next_url else url


class RecoveryCodesView(recovery_codes_views.ViewRecoveryCodesView):
    """allauth's recovery codes page with a *Continue* to where the person was going (a safe
    ``next``), else home."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["continue_url"] = get_next_redirect_url(self.request) or reverse("home")
        return context


activate_totp = ActivateTOTPView.as_view()
view_recovery_codes = RecoveryCodesView.as_view()
