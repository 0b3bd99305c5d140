from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import cast

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import User
from offers.models import BillingPeriod, CheckoutPage, Offer, PricingPage, SalesChannel
from orders.models import Customer, Order, Subscription
from orders.services import CustomerData, order_place
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
    zuora_account_id = factory.Sequence(lambda n: f"8a80{n:028x}")
    zuora_account_currency = "EUR"


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


class CheckoutPageFactory(DjangoModelFactory[CheckoutPage]):
    class Meta:
        model = CheckoutPage
        django_get_or_create = ("slug",)

    slug = "partner-checkout"
    title = "Partner checkout"
    terms = "You agree to pay for what you order."


class OfferFactory(DjangoModelFactory[Offer]):
    """A live partner-channel offer; pass ``eligible=[organisation, ...]``."""

    class Meta:
        model = Offer
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"offer-{n}")
    name = factory.Sequence(lambda n: f"Offer {n}")
    label = "standard"
    price = Decimal("25.00")
    currency = "EUR"
    billing_period = BillingPeriod.MONTH
    term_months = 12
    auto_renew = True
    zuora_product_rate_plan_id = factory.Sequence(lambda n: f"2c92{n:028x}")
    zuora_product_rate_plan_charge_id = factory.Sequence(lambda n: f"2c93{n:028x}")
    checkout_page = factory.SubFactory(CheckoutPageFactory)

    @factory.post_generation
    def channels(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if create:
            codes = extracted if extracted is not None else [SalesChannel.PARTNER]
            cast(Offer, self).channels.set(SalesChannel.objects.filter(code__in=codes))

    @factory.post_generation
    def eligible(
        self, create: bool, extracted: list[PartnerOrganisation] | None, **kwargs: object
    ) -> None:
        if create and extracted:
            cast(Offer, self).eligible_organisations.set(extracted)


class PricingPageFactory(DjangoModelFactory[PricingPage]):
    class Meta:
        model = PricingPage

    portal = factory.SubFactory(PartnerPortalFactory)
    label = "standard"
    slug = factory.LazyAttribute(lambda o: o.label)
    title = factory.LazyAttribute(lambda o: f"{o.label.title()} plans")


class CustomerFactory(DjangoModelFactory[Customer]):
    """A customer record as the checkout leaves it (without its orders: see ``place_order``)."""

    class Meta:
        model = Customer

    organisation = factory.SubFactory(PartnerOrganisationFactory)
    company_name = factory.Sequence(lambda n: f"Customer {n} Ltd")
    first_name = "Casey"
    last_name = factory.Sequence(lambda n: f"Buyer{n}")
    email = factory.Sequence(lambda n: f"buyer{n}@customer{n}.test")
    phone = "+44 20 7946 0000"
    address_line1 = "1 High Street"
    city = "London"
    postal_code = "EC1A 1BB"
    country = "GB"
    created_by = factory.SubFactory(UserFactory)


def new_customer_data(n: int = 1, **overrides: str) -> CustomerData:
    fields = {
        "company_name": f"Customer {n} Ltd",
        "first_name": "Casey",
        "last_name": f"Buyer{n}",
        "email": f"buyer{n}@customer{n}.test",
        "phone": "+44 20 7946 0000",
        "address_line1": f"{n} High Street",
        "city": "London",
        "postal_code": "EC1A 1BB",
        "country": "GB",
    }
    return CustomerData(**{**fields, **overrides})


def place_order(
    *,
    organisation: PartnerOrganisation,
    actor: User,
    offer: Offer,
    customer: Customer | None = None,
    customer_data: CustomerData | None = None,
    quantity: int = 1,
    start_date: date | None = None,
    key: uuid.UUID | None = None,
) -> Order:
    """An order placed through the real service (so every row it makes is as in production)."""
    return order_place(
        partner=organisation,
        actor=actor,
        offer=offer,
        quantity=quantity,
        start_date=start_date or timezone.localdate(),
        idempotency_key=key or uuid.uuid4(),
        customer=customer,
        customer_data=None
        if customer
        else customer_data or new_customer_data(Customer.objects.count() + 1),
    )


def subscription_of(order: Order) -> Subscription:
    """The subscription an order made or changes (every placed order names one)."""
    if order.subscription is None:
        raise AssertionError(f"{order.number} names no subscription")
    return order.subscription


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
