from __future__ import annotations

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from factory.django import DjangoModelFactory

from accounts.models import User
from partners.models import (
    PartnerEmailDomain,
    PartnerMembership,
    PartnerOrganisation,
    PartnerPortal,
    PartnerRole,
    SalesDirection,
)
from sso.models import IdentityProvider, Protocol

PASSWORD = "correct-horse-battery"
# The authenticator-app secret (base32) of every staff user the factory makes, for tests that
# compute a TOTP code.
STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified_email(self, create: bool, extracted: object, **kwargs: object) -> None:
        # allauth refuses to sign in an unverified address (mandatory verification).
        if create:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)

    @factory.post_generation
    def totp(self: User, create: bool, extracted: bool | None, **kwargs: object) -> None:
        # Staff cannot open admin or the back office without TOTP (StaffMfaMiddleware), so staff
        # get it unless a test asks for ``totp=False``.
        if create and self.is_staff and extracted is not False:
            TOTP.activate(self, STAFF_TOTP_SECRET)


class SalesDirectionFactory(DjangoModelFactory[SalesDirection]):
    class Meta:
        model = SalesDirection
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"direction-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())


class PartnerPortalFactory(DjangoModelFactory[PartnerPortal]):
    class Meta:
        model = PartnerPortal

    direction = factory.SubFactory(SalesDirectionFactory)
    path_name = factory.LazyAttribute(lambda o: o.direction.slug)
    title = factory.LazyAttribute(lambda o: f"{o.direction.name} portal")
    is_active = True


class PartnerOrganisationFactory(DjangoModelFactory[PartnerOrganisation]):
    class Meta:
        model = PartnerOrganisation

    name = factory.Sequence(lambda n: f"Partner {n}")
    direction = factory.SubFactory(SalesDirectionFactory)
    zuora_account_id = factory.Sequence(lambda n: f"A{n:08d}")


class PartnerEmailDomainFactory(DjangoModelFactory[PartnerEmailDomain]):
    class Meta:
        model = PartnerEmailDomain

    organisation = factory.SubFactory(PartnerOrganisationFactory)
    domain = factory.Sequence(lambda n: f"partner{n}.test")


class PartnerMembershipFactory(DjangoModelFactory[PartnerMembership]):
    class Meta:
        model = PartnerMembership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(PartnerOrganisationFactory)
    role = PartnerRole.MEMBER


class IdentityProviderFactory(DjangoModelFactory[IdentityProvider]):
    """A SAML provider by default: configuring it needs no server (OIDC reads discovery)."""

    class Meta:
        model = IdentityProvider

    organisation = factory.SubFactory(PartnerOrganisationFactory)
    slug = factory.Sequence(lambda n: f"idp-{n}")
    protocol = Protocol.SAML
    saml_entity_id = factory.LazyAttribute(lambda o: f"https://idp.{o.slug}.test/metadata")
    saml_sso_url = factory.LazyAttribute(lambda o: f"https://idp.{o.slug}.test/sso")
    saml_x509cert = "MIIB"  # never used to verify anything unless a test replaces it
    supervisor_group = "partner-supervisors"
