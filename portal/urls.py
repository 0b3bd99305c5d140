from __future__ import annotations

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.utils.translation import gettext_lazy as _

from portal import scrape, views
from selfservice import account_views
from signin import views as signin_views

admin.site.site_header = _("Partner Portal administration")
admin.site.site_title = _("Partner Portal admin")
admin.site.index_title = _("Configuration")
# Staff sign in through allauth (password, then TOTP), never through admin's own form.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]  # wrap, as documented

handler400 = "portal.views.bad_request"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    # The probes and the scrape: portal.middleware answers them first; here for reverse().
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.healthz, name="readyz"),
    path("livez", views.livez, name="livez"),
    path("metrics", scrape.metrics, name="metrics"),
    path("account/", account_views.account, name="account"),
    path(
        "account/invoices/<uuid:invoice_id>/pdf/",
        account_views.account_invoice_pdf,
        name="account_invoice_pdf",
    ),
    # Before allauth's URLs: the sign-in page with home-realm discovery takes over its name.
    path("accounts/login/", signin_views.login, name="account_login"),
    # Likewise allauth's authenticator set-up and recovery codes, which keep `next`.
    path("accounts/2fa/totp/activate/", signin_views.activate_totp, name="mfa_activate_totp"),
    path(
        "accounts/2fa/recovery-codes/",
        signin_views.view_recovery_codes,
        name="mfa_view_recovery_codes",
    ),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    # The outbox pages share the back office prefix (and its policy), in their own namespace.
    path("backoffice/outbox/", include("integrations.backoffice_urls")),
    path("backoffice/", include("registrations.backoffice_urls")),
    path("p/<str:path_name>/", include("portal.portal_urls")),
]
