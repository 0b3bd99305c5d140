from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator


class ClaimsValidator(OAuth2Validator):
    """Adds the claims a partner's provider sends: address, names and groups.

    Groups are the names of the user's Django groups here, released with the ``groups`` scope
    as Okta does (Entra ID sends group object ids instead).
    """

    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "email": "email",
        "email_verified": "email",
        "groups": "groups",
    }

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        user = request.user
        return {
            "email": user.email,
            "email_verified": True,
            "given_name": user.first_name,
            "family_name": user.last_name,
            "name": user.get_full_name(),
            "preferred_username": user.username,
            "groups": sorted(user.groups.values_list("name", flat=True)),
        }
