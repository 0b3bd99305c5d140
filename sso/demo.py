"""The demo's SSO organisation: Fabrikam Telecom, whose provider ``bin/demo`` runs on loopback.

Its people exist only at the provider (``python -m devidp devidp_setup --demo-users``): dana is in
the supervisors group, erik is not. Their first sign-in creates their accounts and memberships.
"""

from __future__ import annotations

import os

from partners.demo import FABRIKAM_ZUORA_ID, demo_organisation
from partners.models import InvoiceOwner, PartnerOrganisation, SalesDirection
from sso.models import IdentityProvider, Protocol

DEFAULT_ISSUER = "http://127.0.0.1:9000/o"
CLIENT_ID = "portal-demo"
# The development provider's client secret: as public as the demo password.
CLIENT_SECRET = "demo-client-secret-2026"  # noqa: S105  # public, like the demo password
SUPERVISOR_GROUP = "fabrikam-partner-supervisors"
SLUG = "fabrikam"


def demo_issuer() -> str:
    return os.environ.get("DEVIDP_ISSUER", DEFAULT_ISSUER)


def seed(*, enterprise: SalesDirection, issuer: str | None = None) -> PartnerOrganisation:
    fabrikam = demo_organisation(
        "Fabrikam Telecom",
        direction=enterprise,
        domain="fabrikam.example",
        zuora_account_id=FABRIKAM_ZUORA_ID,
        zuora_account_currency="EUR",
        salesforce_account_id="001000000000103AAA",
        invoice_owner=InvoiceOwner.PARTNER,
        one_to_one_account_mapping=True,
    )
    provider, _ = IdentityProvider.objects.update_or_create(
        organisation=fabrikam,
        defaults={
            "slug": SLUG,
            "protocol": Protocol.OIDC,
            "is_active": True,
            "sso_required": True,
            "oidc_server_url": issuer or demo_issuer(),
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": CLIENT_SECRET,
            "oidc_scopes": "openid profile email groups",
            "groups_claim": "groups",
            "supervisor_group": SUPERVISOR_GROUP,
        },
    )
    provider.full_clean()
    return fabrikam
