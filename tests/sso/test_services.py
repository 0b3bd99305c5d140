"""Role mapping from the provider's groups (sso.services)."""

from __future__ import annotations

import pytest

from partners.models import PartnerRole
from sso.models import IdentityProvider, Protocol
from sso.services import groups_from_claims, role_from_groups


def provider(
    protocol: Protocol, claim: str = "groups", supervisors: str = "sup"
) -> IdentityProvider:
    return IdentityProvider(protocol=protocol, groups_claim=claim, supervisor_group=supervisors)


def test_oidc_groups_come_from_userinfo_and_the_id_token() -> None:
    # Entra ID puts groups only in the ID token; Okta in both.
    data = {"userinfo": {"sub": "1"}, "id_token": {"groups": ["a", "sup"]}}
    assert groups_from_claims(provider=provider(Protocol.OIDC), extra_data=data) == ["a", "sup"]
    data = {"userinfo": {"groups": ["a"]}, "id_token": {"groups": ["a", "b"]}}
    assert groups_from_claims(provider=provider(Protocol.OIDC), extra_data=data) == ["a", "b"]


def test_a_single_group_may_come_as_a_string() -> None:
    data = {"userinfo": {"role": "sup"}}
    assert groups_from_claims(provider=provider(Protocol.OIDC, claim="role"), extra_data=data) == [
        "sup"
    ]


def test_saml_attributes_are_lists() -> None:
    data = {"http://schemas.microsoft.com/ws/2008/06/identity/claims/groups": ["x", "sup"]}
    idp = provider(
        Protocol.SAML, claim="http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"
    )
    assert groups_from_claims(provider=idp, extra_data=data) == ["x", "sup"]


def test_no_claim_configured_means_no_groups() -> None:
    data = {"userinfo": {"groups": ["sup"]}}
    assert groups_from_claims(provider=provider(Protocol.OIDC, claim=""), extra_data=data) == []


@pytest.mark.parametrize(
    ("supervisors", "groups", "role"),
    [
        ("sup", ["a", "sup"], PartnerRole.SUPERVISOR),
        ("sup", ["a", "super"], PartnerRole.MEMBER),  # exact values only
        ("sup", [], PartnerRole.MEMBER),
        ("", ["sup", ""], PartnerRole.MEMBER),  # no supervisor group: everybody is a member
    ],
)
def test_role_from_groups(supervisors: str, groups: list[str], role: str) -> None:
    idp = provider(Protocol.OIDC, supervisors=supervisors)
    assert role_from_groups(provider=idp, groups=groups) == role
