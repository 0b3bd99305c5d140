"""The checkout page, its validation, the confirmation page and their tenant boundaries."""

from __future__ import annotations

import socket
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_countries import countries

from offers.models import Offer
from orders.models import Customer, Order
from tests import factories
from tests.world import World

pytestmark = pytest.mark.django_db

URL = "/p/alpha/checkout/partner-checkout/?offer=gold"


@pytest.fixture
def offer(world: World) -> Offer:
    return factories.OfferFactory.create(
        code="gold", name="Gold", price=Decimal("20.00"), eligible=[world.a1.organisation]
    )


@pytest.fixture
def client_a1(world: World) -> Client:
    client = Client()
    client.force_login(world.a1.member)
    return client


def new_customer_post(**overrides: Any) -> dict[str, Any]:
    data = {
        "customer_mode": "new",
        "company_name": "Fourth Coffee",
        "first_name": "Fay",
        "last_name": "Fourth",
        "email": "Fay@FourthCoffee.test",
        "phone": "+44 20 7946 0958",
        "address_line1": "4 Bean Street",
        "city": "Leeds",
        "postal_code": "LS1 1AA",
        "country": "GB",
        "quantity": "4",
        "start_date": timezone.localdate().isoformat(),
        "po_number": "PO-77",
        "accept_terms": "on",
        "idempotency_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def rendered_customers(response: Any) -> int:
    """The customer picker's options on the page (one per customer, by its public id)."""
    return sum(str(customer.public_id) in response.text for customer in Customer.objects.all())


class TestCheckoutPage:
    def test_shows_the_form_terms_and_summary(self, client_a1: Client, offer: Offer) -> None:
        response = client_a1.get(URL)
        assert response.status_code == 200
        assert response.context["offer"] == offer
        assert "You agree to pay for what you order." in response.text
        assert response.context["summary"].total == Decimal("20.00")
        form = response.context["form"]
        assert form.initial["customer_mode"] == "new"  # no customers yet
        uuid.UUID(str(form.initial["idempotency_key"]))

    def test_start_date_is_rendered_as_an_iso_date(self, client_a1: Client, offer: Offer) -> None:
        # <input type="date"> ignores any other format, which would empty the field.
        today = timezone.localdate().isoformat()
        assert f'type="date" name="start_date" value="{today}"' in client_a1.get(URL).text

    def test_each_visit_gets_a_new_token(self, client_a1: Client, offer: Offer) -> None:
        first = client_a1.get(URL).context["form"].initial["idempotency_key"]
        second = client_a1.get(URL).context["form"].initial["idempotency_key"]
        assert first != second

    @pytest.mark.parametrize(
        "url",
        [
            "/p/alpha/checkout/partner-checkout/?offer=nope",
            "/p/alpha/checkout/partner-checkout/",
            "/p/alpha/checkout/other-checkout/?offer=gold",
        ],
    )
    def test_unknown_offer_or_page_is_not_found(
        self, client_a1: Client, offer: Offer, url: str
    ) -> None:
        factories.CheckoutPageFactory.create(slug="other-checkout")
        assert client_a1.get(url).status_code == 404

    def test_ineligible_organisation_gets_not_found(self, world: World, offer: Offer) -> None:
        client = Client()
        client.force_login(world.a2.supervisor)
        assert client.get(URL).status_code == 404
        assert client.post(URL, new_customer_post()).status_code == 404
        assert Order.objects.count() == 0

    def test_web_only_offer_is_not_found(self, client_a1: Client, world: World) -> None:
        factories.OfferFactory.create(
            code="webby", channels=["web"], eligible=[world.a1.organisation]
        )
        assert client_a1.get("/p/alpha/checkout/partner-checkout/?offer=webby").status_code == 404

    def test_expired_offer_is_not_found(self, client_a1: Client, offer: Offer) -> None:
        Offer.objects.filter(pk=offer.pk).update(active_until=timezone.now() - timedelta(minutes=1))
        assert client_a1.get(URL).status_code == 404

    def test_existing_customers_are_offered_and_searchable(
        self, client_a1: Client, world: World, offer: Offer
    ) -> None:
        for n, name in enumerate(("Contoso Retail", "Adatum", "Bellows"), start=1):
            factories.place_order(
                organisation=world.a1.organisation,
                actor=world.a1.member,
                offer=offer,
                customer_data=factories.new_customer_data(n, company_name=name),
            )
        factories.place_order(
            organisation=world.a2.organisation,
            actor=world.a2.member,
            offer=factories.OfferFactory.create(eligible=[world.a2.organisation]),
        )
        response = client_a1.get(URL)
        choices = response.context["form"].fields["existing_customer"].widget.choices
        labels = [label for value, label in choices if value]
        assert [label.split(" — ")[0] for label in labels] == [
            "Adatum",
            "Bellows",
            "Contoso Retail",
        ]
        assert response.context["form"].initial["customer_mode"] == "existing"
        found = client_a1.get(URL + "&customer_q=bell")
        assert [c.company_name for c in found.context["picker"].customers] == ["Bellows"]
        partial = client_a1.get(
            "/p/alpha/checkout/partner-checkout/customers/?offer=gold&customer_q=tos"
        )
        assert "Contoso Retail" in partial.text
        assert "Adatum" not in partial.text

    def test_summary_partial_follows_the_quantity(self, client_a1: Client, offer: Offer) -> None:
        response = client_a1.get(
            "/p/alpha/checkout/partner-checkout/summary/?offer=gold&quantity=7"
        )
        assert response.status_code == 200
        assert "140.00" in response.text

    def test_query_count_does_not_grow_with_offers_or_customers(
        self, client_a1: Client, world: World, offer: Offer, django_assert_num_queries: Any
    ) -> None:
        def add(n: int) -> None:
            for _ in range(n):
                factories.OfferFactory.create(eligible=[world.a1.organisation])
                factories.place_order(
                    organisation=world.a1.organisation, actor=world.a1.member, offer=offer
                )

        add(2)
        client_a1.get("/p/alpha/")  # the session's idle timestamp is written once a minute
        # the offer (+checkout page), the customer picker; the session, the user's partner
        # context and the nav sections are cached
        with django_assert_num_queries(2):
            response = client_a1.get(URL)
        assert response.status_code == 200
        assert rendered_customers(response) == 2
        add(60)
        with django_assert_num_queries(2):
            response = client_a1.get(URL)
        assert response.context["picker"].has_more is True
        assert rendered_customers(response) == len(response.context["picker"].customers) > 2


# A placed order (new or existing customer): the user with the partner context (the session is
# in the cache), offer (+checkout page), [the posted customer,] the service's one preflight
# read; then the customer (a new one), subscription, order, schedules and outbox rows, and the
# savepoint pair of the service's transaction (the test already runs in one). No page of
# customers is read: the order redirects. Was 20 (new customer) and 16 (existing).
ORDER_POST_QUERIES = 10


class TestOrderPostQueries:
    def test_query_count_is_constant_for_new_and_existing_customers(
        self,
        client_a1: Client,
        world: World,
        offer: Offer,
        django_assert_max_num_queries: Any,
    ) -> None:
        client_a1.get("/p/alpha/")  # the session's idle timestamp is written once a minute
        with django_assert_max_num_queries(ORDER_POST_QUERIES):
            assert client_a1.post(URL, new_customer_post()).status_code == 302
        for n in range(1, 60):
            factories.OfferFactory.create(eligible=[world.a1.organisation])
            factories.place_order(
                organisation=world.a1.organisation,
                actor=world.a1.member,
                offer=offer,
                customer_data=factories.new_customer_data(n),
            )
        customer = Customer.objects.get(email="fay@fourthcoffee.test")
        with django_assert_max_num_queries(ORDER_POST_QUERIES):
            response = client_a1.post(
                URL,
                new_customer_post(
                    customer_mode="existing", existing_customer=str(customer.public_id)
                ),
            )
        assert response.status_code == 302
        with django_assert_max_num_queries(ORDER_POST_QUERIES):
            assert client_a1.post(URL, new_customer_post(email="new@x.test")).status_code == 302
        assert Order.objects.filter(customer=customer).count() == 2

    def test_country_select_renders_every_country(self, client_a1: Client, offer: Offer) -> None:
        html = client_a1.get(URL).text
        start = html.index('id="id_country"')
        select = html[start : html.index("</select>", start)]
        assert select.count("<option") == len(countries) + 1
        assert '<option value="GB">United Kingdom</option>' in select


class TestPlacingAnOrder:
    def test_new_customer_order_redirects_to_confirmation(
        self, client_a1: Client, world: World, offer: Offer
    ) -> None:
        response = client_a1.post(URL, new_customer_post())
        order = Order.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"/p/alpha/orders/{order.public_id}/"
        assert order.organisation == world.a1.organisation
        assert order.placed_by == world.a1.member
        assert order.customer.email == "fay@fourthcoffee.test"
        assert (order.quantity, order.po_number) == (4, "PO-77")

    def test_existing_customer_order(self, client_a1: Client, world: World, offer: Offer) -> None:
        previous = factories.place_order(
            organisation=world.a1.organisation, actor=world.a1.member, offer=offer
        )
        response = client_a1.post(
            URL,
            new_customer_post(
                customer_mode="existing",
                existing_customer=str(previous.customer.public_id),
                company_name="",
                email="",
            ),
        )
        assert response.status_code == 302
        assert Order.objects.latest("pk").customer == previous.customer
        assert Customer.objects.count() == 1

    def test_another_organisations_customer_cannot_be_chosen(
        self, client_a1: Client, world: World, offer: Offer
    ) -> None:
        theirs = factories.place_order(
            organisation=world.a2.organisation,
            actor=world.a2.member,
            offer=factories.OfferFactory.create(eligible=[world.a2.organisation]),
        )
        response = client_a1.post(
            URL,
            new_customer_post(
                customer_mode="existing", existing_customer=str(theirs.customer.public_id)
            ),
        )
        assert response.status_code == 200
        assert response.context["form"].errors["existing_customer"] == [
            "Choose one of your customers."
        ]
        assert Order.objects.filter(organisation=world.a1.organisation).count() == 0

    def test_double_submit_makes_one_order(self, client_a1: Client, offer: Offer) -> None:
        data = new_customer_post()
        first = client_a1.post(URL, data)
        second = client_a1.post(URL, data)
        assert first["Location"] == second["Location"]
        assert Order.objects.count() == 1

    def test_request_makes_no_network_call(
        self, client_a1: Client, offer: Offer, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        real_connect = socket.socket.connect

        def guarded(sock: socket.socket, address: Any) -> Any:
            if isinstance(address, tuple) and address[1] in (5432, 6379):
                return real_connect(sock, address)  # our database and Redis only
            raise AssertionError(f"network call to {address}")

        monkeypatch.setattr(socket.socket, "connect", guarded)
        assert client_a1.post(URL, new_customer_post()).status_code == 302


class TestValidation:
    def post(self, client: Client, **overrides: Any) -> Any:
        response = client.post(URL, new_customer_post(**overrides))
        assert response.status_code == 200
        assert Order.objects.count() == 0
        return response

    def errors(self, response: Any) -> dict[str, list[str]]:
        return {k: list(v) for k, v in response.context["form"].errors.items()}

    def test_new_customer_fields_are_required_and_typed_values_kept(
        self, client_a1: Client, offer: Offer
    ) -> None:
        response = self.post(client_a1, company_name="", city="", country="", first_name="Fay")
        errors = self.errors(response)
        assert errors["company_name"] == ["Company name is required for a new customer."]
        assert errors["city"] == ["City is required for a new customer."]
        assert errors["country"] == ["Country is required for a new customer."]
        assert 'value="Fay"' in response.text
        assert 'value="4 Bean Street"' in response.text
        assert 'value="PO-77"' in response.text
        assert "Nothing you entered was lost" in response.text

    def test_existing_mode_needs_a_customer(self, client_a1: Client, offer: Offer) -> None:
        errors = self.errors(self.post(client_a1, customer_mode="existing"))
        assert errors["existing_customer"] == ["Choose the customer this order is for."]

    def test_start_date_cannot_be_in_the_past(self, client_a1: Client, offer: Offer) -> None:
        yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
        errors = self.errors(self.post(client_a1, start_date=yesterday))
        assert errors["start_date"] == ["The start date must be today or later."]

    @pytest.mark.parametrize(
        ("quantity", "message"),
        [
            ("0", "Order at least 1."),
            ("10001", "At most 10000 in one order; contact us for more."),
            ("two", "Enter a whole number."),
        ],
    )
    def test_quantity(self, client_a1: Client, offer: Offer, quantity: str, message: str) -> None:
        assert self.errors(self.post(client_a1, quantity=quantity))["quantity"] == [message]

    def test_terms_must_be_accepted(self, client_a1: Client, offer: Offer) -> None:
        errors = self.errors(self.post(client_a1, accept_terms=None))
        assert errors["accept_terms"] == ["The terms must be accepted to place the order."]

    def test_phone_and_email_are_checked(self, client_a1: Client, offer: Offer) -> None:
        errors = self.errors(self.post(client_a1, phone="call me", email="not-an-email"))
        assert errors["phone"] == ["Enter a phone number such as +44 20 7946 0958."]
        assert errors["email"] == ["Enter a valid email address."]

    def test_known_customer_email_points_to_the_existing_customer(
        self, client_a1: Client, world: World, offer: Offer
    ) -> None:
        client_a1.post(URL, new_customer_post())
        response = client_a1.post(
            URL, new_customer_post(idempotency_key=str(uuid.uuid4()), email="fay@fourthcoffee.test")
        )
        assert response.status_code == 200
        assert "already has this email address" in self.errors(response)["email"][0]
        assert Order.objects.count() == 1


class TestConfirmation:
    def test_shows_what_was_created_and_sync_state(self, client_a1: Client, offer: Offer) -> None:
        location = client_a1.post(URL, new_customer_post())["Location"]
        response = client_a1.get(location)
        order = Order.objects.get()
        assert response.status_code == 200
        assert order.number in response.text
        assert "Fourth Coffee" in response.text
        assert "Pending billing confirmation" in response.text
        assert response.text.count("Waiting to be sent") == 2
        assert len(response.context["schedules"]) == 13

    def test_other_organisations_order_is_not_found(
        self, world: World, client_a1: Client, offer: Offer
    ) -> None:
        location = client_a1.post(URL, new_customer_post())["Location"]
        other = Client()
        other.force_login(world.a2.supervisor)
        assert other.get(location).status_code == 404
        assert client_a1.get("/p/alpha/orders/not-a-uuid/").status_code == 404
        assert client_a1.get(f"/p/alpha/orders/{uuid.uuid4()}/").status_code == 404

    def test_confirmation_query_count(
        self, client_a1: Client, offer: Offer, django_assert_num_queries: Any
    ) -> None:
        location = client_a1.post(URL, new_customer_post())["Location"]
        # order (+customer, offer, user, subscription), schedules, outbox, and the portal's
        # sections, read into their cache (the order's POST redirected without drawing them);
        # the session and the user's partner context are cached
        with django_assert_num_queries(4):
            response = client_a1.get(location)
        assert response.text.count('data-testid="sync-state"') == 2
        assert 'data-testid="subscription-status"' in response.text
