"""The identity provider of a partner organisation (OIDC or SAML 2.0).

This model is the one source of truth for partner SSO: ``signin.social_adapter`` turns every
active row into an allauth ``SocialApp`` in memory (as allauth does for apps configured in
settings), so there is nothing to keep in sync and no second place where a secret lives.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from partners.models import PartnerOrganisation


class Protocol(models.TextChoices):
    OIDC = "oidc", _("OpenID Connect")
    SAML = "saml", _("SAML 2.0")


# The slug is part of the callback URLs registered at the provider
# (/accounts/oidc/<slug>/login/callback/, /accounts/saml/<slug>/acs/) and the ``provider`` of
# every SocialAccount it creates, so it is short, URL-safe and never reused.
validate_slug = RegexValidator(
    r"^[a-z](?:[a-z0-9]|-(?=[a-z0-9])){1,48}$",
    _("Use 2-49 lower-case letters, digits and single hyphens, starting with a letter."),
)


class IdentityProvider(models.Model):
    """How the people of one partner organisation sign in through their own identity provider."""

    organisation = models.OneToOneField(
        PartnerOrganisation,
        on_delete=models.CASCADE,
        related_name="identity_provider",
        verbose_name=_("organisation"),
    )
    slug = models.CharField(
        _("slug"),
        max_length=49,
        unique=True,
        validators=[validate_slug],
        help_text=_("Appears in the URLs you register at the provider. Do not change it later."),
    )
    protocol = models.CharField(_("protocol"), max_length=8, choices=Protocol.choices)
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Inactive: the organisation's people sign in with a password or a code."),
    )
    sso_required = models.BooleanField(
        _("SSO required"),
        default=False,
        help_text=_(
            "The organisation's people can then only sign in through this provider: no password, "
            "no emailed code, and password reset does nothing for them."
        ),
    )

    # OpenID Connect
    oidc_server_url = models.URLField(
        _("issuer / server URL"),
        blank=True,
        help_text=_(
            "The issuer; /.well-known/openid-configuration is appended. Entra ID: "
            "https://login.microsoftonline.com/<tenant id>/v2.0 · Okta: "
            "https://<your org>.okta.com · Google: https://accounts.google.com"
        ),
    )
    oidc_client_id = models.CharField(_("client id"), max_length=255, blank=True)
    oidc_client_secret = models.CharField(_("client secret"), max_length=512, blank=True)
    oidc_scopes = models.CharField(
        _("scopes"),
        max_length=255,
        default="openid profile email",
        help_text=_("Space-separated. Okta needs “groups” added to send the groups claim."),
    )

    # SAML 2.0
    saml_entity_id = models.CharField(_("IdP entity id"), max_length=500, blank=True)
    saml_sso_url = models.URLField(_("IdP single sign-on URL"), max_length=500, blank=True)
    saml_x509cert = models.TextField(
        _("IdP signing certificate"), blank=True, help_text=_("PEM or base64, without a key.")
    )
    saml_metadata_url = models.URLField(
        _("IdP metadata URL"),
        max_length=500,
        blank=True,
        help_text=_("Instead of the three fields above: fetched and cached for four hours."),
    )
    saml_metadata_xml = models.TextField(
        _("IdP metadata XML"),
        blank=True,
        help_text=_(
            "Instead of the fields above: pasted metadata. The entity id, URL and certificate "
            "are read from it when saved."
        ),
    )

    # Role mapping
    groups_claim = models.CharField(
        _("groups claim or attribute"),
        max_length=255,
        default="groups",
        help_text=_(
            "The OIDC claim or SAML attribute listing the person's groups (Entra ID: “groups”; "
            "SAML often http://schemas.microsoft.com/ws/2008/06/identity/claims/groups)."
        ),
    )
    supervisor_group = models.CharField(
        _("supervisor group"),
        max_length=255,
        blank=True,
        help_text=_(
            "A person whose groups include this value becomes a supervisor; everybody else a "
            "member. Re-applied at every sign-in. Empty: everybody is a member."
        ),
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[models.Manager[IdentityProvider]]

    class Meta:
        ordering = ("organisation__name",)
        verbose_name = _("identity provider")

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_protocol_display()})"

    def clean(self) -> None:
        # What each protocol needs to work; an incomplete provider would only fail at the first
        # person's sign-in, far from the admin who can fix it.
        errors: dict[str, Any] = {}
        if self.protocol == Protocol.OIDC:
            if not self.oidc_server_url:
                errors["oidc_server_url"] = _("Required for OpenID Connect.")
            if not self.oidc_client_id:
                errors["oidc_client_id"] = _("Required for OpenID Connect.")
            if "openid" not in self.oidc_scopes.split():
                errors["oidc_scopes"] = _("OpenID Connect needs the “openid” scope.")
        elif self.protocol == Protocol.SAML:
            if self.saml_metadata_xml.strip():
                self._read_saml_metadata(errors)
            elif self.saml_metadata_url:
                if not self.saml_entity_id:
                    errors["saml_entity_id"] = _("Name the entity to pick from the metadata.")
            else:
                for field in ("saml_entity_id", "saml_sso_url", "saml_x509cert"):
                    if not getattr(self, field).strip():
                        errors[field] = _("Required for SAML unless metadata is given.")
        if errors:
            raise ValidationError(errors)

    def _read_saml_metadata(self, errors: dict[str, Any]) -> None:
        # Deferred for start-up time, like fpdf in the fakes: python3-saml loads xmlsec (11 ms in
        # a set-up process, 0.12 s with lxml in a bare one) and only a SAML metadata save needs it.
        from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

        try:
            parsed = OneLogin_Saml2_IdPMetadataParser.parse(
                self.saml_metadata_xml, entity_id=self.saml_entity_id or None
            ).get("idp", {})
        except Exception as exc:  # the parser raises bare Exceptions and lxml errors alike
            errors["saml_metadata_xml"] = _("Not valid IdP metadata: %(error)s") % {"error": exc}
            return
        sso_url = parsed.get("singleSignOnService", {}).get("url", "")
        cert = parsed.get("x509cert") or next(
            iter(parsed.get("x509certMulti", {}).get("signing", [])), ""
        )
        if not (parsed.get("entityId") and sso_url and cert):
            errors["saml_metadata_xml"] = _(
                "The metadata lacks an entity id, a single sign-on URL or a signing certificate."
            )
            return
        self.saml_entity_id = parsed["entityId"]
        self.saml_sso_url = sso_url
        self.saml_x509cert = cert

    @property
    def method(self) -> str:
        """How the auth log names a sign-in through this provider."""
        return str(self.protocol)
