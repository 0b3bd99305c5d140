"""Vendor admins configure an organisation's identity provider in Django admin (issue #3)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from sso.models import IdentityProvider, Protocol
from tests import factories
from tests.world import World

pytestmark = pytest.mark.django_db

IDP_METADATA = """<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"
    xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://sts.windows.net/tenant/">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data>
      <ds:X509Certificate>MIICERTIFICATEDATA</ds:X509Certificate>
    </ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
        Location="https://login.microsoftonline.com/tenant/saml2"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"""


@pytest.fixture
def admin_client(world: World) -> Client:
    client = Client()
    client.force_login(world.admin)
    return client


def form_data(world: World, **overrides: str) -> dict[str, str]:
    data = {
        "organisation": str(world.b1.organisation.pk),
        "slug": "b1-entra",
        "protocol": Protocol.OIDC,
        "is_active": "on",
        "sso_required": "on",
        "oidc_server_url": "https://login.microsoftonline.com/tenant-id/v2.0",
        "oidc_client_id": "client-123",
        "oidc_client_secret": "s3cret-value",
        "oidc_scopes": "openid profile email",
        "groups_claim": "groups",
        "supervisor_group": "8f2c-group-object-id",
    }
    data.update(overrides)
    return data


def test_admin_configures_an_oidc_provider_and_never_sees_the_secret_again(
    admin_client: Client, world: World
) -> None:
    response = admin_client.post("/admin/sso/identityprovider/add/", form_data(world))
    assert response.status_code == 302, response.context["adminform"].form.errors
    provider = IdentityProvider.objects.get(slug="b1-entra")
    assert provider.oidc_client_secret == "s3cret-value"

    listing = admin_client.get("/admin/sso/identityprovider/").text
    change = admin_client.get(f"/admin/sso/identityprovider/{provider.pk}/change/").text
    assert "s3cret-value" not in listing
    assert "s3cret-value" not in change
    assert "/accounts/oidc/b1-entra/login/callback/" in change

    # Saving without typing the secret keeps it; typing one replaces it.
    admin_client.post(
        f"/admin/sso/identityprovider/{provider.pk}/change/",
        form_data(world, oidc_client_secret="", supervisor_group="other"),
    )
    provider.refresh_from_db()
    assert (provider.oidc_client_secret, provider.supervisor_group) == ("s3cret-value", "other")
    admin_client.post(
        f"/admin/sso/identityprovider/{provider.pk}/change/",
        form_data(world, oidc_client_secret="rotated"),
    )
    provider.refresh_from_db()
    assert provider.oidc_client_secret == "rotated"


def test_several_organisations_have_their_own_providers(world: World) -> None:
    factories.IdentityProviderFactory.create(organisation=world.a1.organisation, slug="a1")
    factories.IdentityProviderFactory.create(
        organisation=world.b1.organisation, slug="b1", protocol=Protocol.OIDC
    )
    from signin.social_adapter import SocialAccountAdapter

    apps = {app.provider_id: app for app in SocialAccountAdapter().list_apps(None)}
    assert set(apps) == {"a1", "b1"}
    assert (apps["a1"].provider, apps["b1"].provider) == ("saml", "openid_connect")
    assert apps["b1"].settings["oauth_pkce_enabled"] is True


def test_oidc_needs_issuer_client_and_openid_scope(world: World) -> None:
    provider = IdentityProvider(
        organisation=world.a1.organisation, slug="a1", protocol=Protocol.OIDC, oidc_scopes="email"
    )
    with pytest.raises(ValidationError) as error:
        provider.full_clean()
    assert {"oidc_server_url", "oidc_client_id", "oidc_scopes"} <= set(error.value.message_dict)


def test_saml_needs_entity_url_and_certificate_or_metadata(world: World) -> None:
    provider = IdentityProvider(
        organisation=world.a1.organisation, slug="a1", protocol=Protocol.SAML
    )
    with pytest.raises(ValidationError) as error:
        provider.full_clean()
    assert {"saml_entity_id", "saml_sso_url", "saml_x509cert"} <= set(error.value.message_dict)


def test_saml_metadata_xml_fills_entity_url_and_certificate(world: World) -> None:
    provider = IdentityProvider(
        organisation=world.a1.organisation,
        slug="a1",
        protocol=Protocol.SAML,
        saml_metadata_xml=IDP_METADATA,
    )
    provider.full_clean()
    assert provider.saml_entity_id == "https://sts.windows.net/tenant/"
    assert provider.saml_sso_url == "https://login.microsoftonline.com/tenant/saml2"
    assert provider.saml_x509cert == "MIICERTIFICATEDATA"


def test_broken_metadata_is_reported(world: World) -> None:
    provider = IdentityProvider(
        organisation=world.a1.organisation,
        slug="a1",
        protocol=Protocol.SAML,
        saml_metadata_xml="<not-metadata/>",
    )
    with pytest.raises(ValidationError) as error:
        provider.full_clean()
    assert "saml_metadata_xml" in error.value.message_dict


def test_agents_cannot_configure_providers(world: World) -> None:
    client = Client()
    client.force_login(world.agent)
    assert client.get("/admin/sso/identityprovider/").status_code == 403


def test_organisation_list_shows_how_each_signs_in(admin_client: Client, world: World) -> None:
    provider = factories.IdentityProviderFactory.create(
        organisation=world.a1.organisation, sso_required=True
    )
    page = admin_client.get("/admin/partners/partnerorganisation/").text
    assert f"/admin/sso/identityprovider/{provider.pk}/change/" in page
    assert "SAML 2.0, required" in page
    assert "password or code" in page
