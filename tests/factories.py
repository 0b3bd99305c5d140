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
from registrations.models import (
    Attachment,
    Company,
    CompanyLink,
    Contact,
    Opportunity,
    OpportunityRegistration,
)
from registrations.states import RegistrationState

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


# ------------------------------------------------------------------------------------------------
# Registrations (issue #5)
# ------------------------------------------------------------------------------------------------
class CompanyFactory(DjangoModelFactory[Company]):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Company {n}")
    website = factory.Sequence(lambda n: f"company{n}.example")
    tin = factory.Sequence(lambda n: f"{500000000 + n}")


class ContactFactory(DjangoModelFactory[Contact]):
    class Meta:
        model = Contact

    company = factory.SubFactory(CompanyFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"contact{n}@customer.example")


class RegistrationFactory(DjangoModelFactory[OpportunityRegistration]):
    """A registration naming an existing company (linked to the organisation) and contact."""

    class Meta:
        model = OpportunityRegistration
        skip_postgeneration_save = True

    organisation = factory.SubFactory(PartnerOrganisationFactory)
    direction = factory.LazyAttribute(lambda o: o.organisation.direction)
    created_by = factory.SubFactory(UserFactory)
    representative = factory.LazyAttribute(lambda o: o.created_by)
    name = factory.Sequence(lambda n: f"Deal {n}")
    company = factory.SubFactory(CompanyFactory)
    company_name = factory.LazyAttribute(lambda o: o.company.name)
    contact = factory.LazyAttribute(lambda o: ContactFactory.create(company=o.company))
    state = RegistrationState.SUBMITTED

    @factory.post_generation
    def link_company(
        obj: OpportunityRegistration, create: bool, extracted: object, **kw: object
    ) -> None:
        # The organisation may name the company it registered (as qualification would link it).
        if create and obj.company_id is not None:
            CompanyLink.objects.get_or_create(
                company_id=obj.company_id, organisation_id=obj.organisation_id
            )


class OpportunityFactory(DjangoModelFactory[Opportunity]):
    class Meta:
        model = Opportunity

    registration = factory.SubFactory(RegistrationFactory, state=RegistrationState.QUALIFIED)
    organisation = factory.LazyAttribute(lambda o: o.registration.organisation)
    created_by = factory.LazyAttribute(lambda o: o.registration.created_by)
    representative = factory.LazyAttribute(lambda o: o.registration.representative)
    name = factory.LazyAttribute(lambda o: o.registration.name)
    company = factory.LazyAttribute(lambda o: o.registration.company)
    contact = factory.LazyAttribute(lambda o: o.registration.contact)


class AttachmentFactory(DjangoModelFactory[Attachment]):
    class Meta:
        model = Attachment

    registration = factory.SubFactory(RegistrationFactory)
    organisation = factory.LazyAttribute(lambda o: o.registration.organisation)
    file = factory.django.FileField(filename="quote.pdf", data=b"%PDF-1.4 test")
    original_name = "quote.pdf"
    content_type = "application/pdf"
    size = 13
    uploaded_by = factory.LazyAttribute(lambda o: o.registration.created_by)
