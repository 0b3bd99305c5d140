from __future__ import annotations

import factory
from allauth.account.models import EmailAddress
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

PASSWORD = "correct-horse-battery"


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
