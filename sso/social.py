"""Turn identity providers into the allauth apps that run the OIDC and SAML protocols.

The apps are built in memory (never saved), exactly as allauth builds the apps of
``SOCIALACCOUNT_PROVIDERS``; ``signin.social_adapter.SocialAccountAdapter.list_apps`` serves
them.
"""

from __future__ import annotations

from typing import Any

from allauth.socialaccount.models import SocialApp
from django.urls import reverse

from sso.models import IdentityProvider, Protocol

ALLAUTH_PROVIDER = {Protocol.OIDC: "openid_connect", Protocol.SAML: "saml"}


def social_app_for(provider: IdentityProvider) -> SocialApp:
    settings: dict[str, Any]
    if provider.protocol == Protocol.OIDC:
        settings = {
            "server_url": provider.oidc_server_url,
            # Authorization code flow with PKCE, always: it also protects confidential clients
            # against an intercepted code.
            "oauth_pkce_enabled": True,
            "scope": provider.oidc_scopes.split(),
        }
        client_id = provider.oidc_client_id
        secret = provider.oidc_client_secret
    else:
        settings = {
            "idp": _saml_idp(provider),
            "attribute_mapping": {
                "uid": ["urn:oasis:names:tc:SAML:attribute:subject-id"],
                "email": [
                    "urn:oid:0.9.2342.19200300.100.1.3",
                    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
                    "email",
                    "mail",
                ],
                "first_name": [
                    "urn:oid:2.5.4.42",
                    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
                    "givenName",
                ],
                "last_name": [
                    "urn:oid:2.5.4.4",
                    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
                    "sn",
                ],
            },
            "use_nameid_for_email": False,
            "advanced": {
                "strict": True,
                # The assertion itself must be signed (SHA-256 at least): a signed envelope
                # around an unsigned assertion is not enough.
                "want_assertion_signed": True,
                "reject_deprecated_algorithm": True,
                # Only logins this site started (InResponseTo matches a state stored in the
                # browser's session, used once): no unsolicited responses, no replays.
                "reject_idp_initiated_sso": True,
                # Development and tests run on http://localhost.
                "allow_single_label_domains": True,
            },
        }
        client_id = provider.slug
        secret = ""
    return SocialApp(
        provider=ALLAUTH_PROVIDER[Protocol(provider.protocol)],
        provider_id=provider.slug,
        name=provider.organisation.name,
        client_id=client_id,
        secret=secret,
        settings=settings,
    )


def _saml_idp(provider: IdentityProvider) -> dict[str, str]:
    if provider.saml_metadata_url and not provider.saml_metadata_xml.strip():
        return {"entity_id": provider.saml_entity_id, "metadata_url": provider.saml_metadata_url}
    return {
        "entity_id": provider.saml_entity_id,
        "sso_url": provider.saml_sso_url,
        "x509cert": provider.saml_x509cert,
    }


def callback_urls(provider: IdentityProvider) -> dict[str, str]:
    """The paths an admin registers at the provider (made absolute by the admin page)."""
    if provider.protocol == Protocol.OIDC:
        return {
            "redirect URI": reverse(
                "openid_connect_callback", kwargs={"provider_id": provider.slug}
            )
        }
    return {
        "ACS URL": reverse("saml_acs", kwargs={"organization_slug": provider.slug}),
        "SP entity id (metadata)": reverse(
            "saml_metadata", kwargs={"organization_slug": provider.slug}
        ),
    }
