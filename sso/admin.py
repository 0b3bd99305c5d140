from __future__ import annotations

from allauth.socialaccount.models import SocialApp, SocialToken
from django import forms
from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from sso.models import IdentityProvider
from sso.social import callback_urls

# Identity providers are configured on organisations (below); allauth's own app table is not
# used (signin.social_adapter ignores it), so its admin would only mislead. Tokens are never
# stored.
for model in (SocialApp, SocialToken):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


class IdentityProviderForm(forms.ModelForm):
    # The secret is write-only: the form never renders the stored value, and leaving the field
    # empty keeps it.
    oidc_client_secret = forms.CharField(
        label=_("client secret"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Write-only. Leave empty to keep the stored secret."),
    )

    class Meta:
        model = IdentityProvider
        fields = (
            "organisation",
            "slug",
            "protocol",
            "is_active",
            "sso_required",
            "oidc_server_url",
            "oidc_client_id",
            "oidc_client_secret",
            "oidc_scopes",
            "saml_entity_id",
            "saml_sso_url",
            "saml_x509cert",
            "saml_metadata_url",
            "saml_metadata_xml",
            "groups_claim",
            "supervisor_group",
        )

    def clean_oidc_client_secret(self) -> str:
        value = str(self.cleaned_data.get("oidc_client_secret") or "")
        if not value and self.instance.pk:
            return self.instance.oidc_client_secret
        return value


@admin.register(IdentityProvider)
class IdentityProviderAdmin(admin.ModelAdmin):
    form = IdentityProviderForm
    list_display = (
        "organisation",
        "protocol",
        "slug",
        "is_active",
        "sso_required",
        "supervisor_group",
        "secret_state",
    )
    list_filter = ("protocol", "is_active", "sso_required")
    search_fields = ("organisation__name", "slug", "oidc_client_id", "saml_entity_id")
    list_select_related = ("organisation",)
    autocomplete_fields = ("organisation",)
    readonly_fields = ("urls_to_register",)
    fieldsets = (
        (None, {"fields": ("organisation", "slug", "protocol", "is_active", "sso_required")}),
        (
            _("Register these at the provider"),
            {"fields": ("urls_to_register",)},
        ),
        (
            _("OpenID Connect"),
            {
                "fields": (
                    "oidc_server_url",
                    "oidc_client_id",
                    "oidc_client_secret",
                    "oidc_scopes",
                )
            },
        ),
        (
            _("SAML 2.0"),
            {
                "fields": (
                    "saml_entity_id",
                    "saml_sso_url",
                    "saml_x509cert",
                    "saml_metadata_url",
                    "saml_metadata_xml",
                )
            },
        ),
        (_("Roles"), {"fields": ("groups_claim", "supervisor_group")}),
    )

    @admin.display(description=_("client secret"))
    def secret_state(self, obj: IdentityProvider) -> str:
        return str(_("set") if obj.oidc_client_secret else "—")

    @admin.display(description=_("URLs"))
    def urls_to_register(self, obj: IdentityProvider) -> str:
        if not obj.pk:
            return str(_("Shown once the provider is saved."))
        return format_html(
            "<dl>{}</dl><p>{}</p>",
            format_html_join("", "<dt>{}</dt><dd><code>{}</code></dd>", callback_urls(obj).items()),
            _("Prefix each path with this site's address, e.g. https://portal.example.com."),
        )
