"""The subscription page and its change and cancel pages: what they show (the trail, what is
ahead, pending and scheduled changes), the price preview, forms that keep what was typed, one
order per form, the rules the services enforce shown on the page, and constant query counts.
The pushes run through the real client against the fake Zuora."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from integrations.fakes.server import Fakes
from offers.models import Offer
from orders.models import Order, OrderType, Subscription, SubscriptionStatus
from tests import factories
from tests.integrations.helpers import place, run_pushes, sellable_offer
from tests.world import World

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def offers(world: World, fakes: Fakes) -> dict[str, Offer]:
    org = world.a1.organisation
    return {
        "basic": sellable_offer(org, name="Basic", price=Decimal("10.00")),
        "plus": sellable_offer(org, name="Plus", price=Decimal("25.00")),
    }


@pytest.fixture
def subscription(world: World, offers: dict[str, Offer]) -> Subscription:
    """Basic × 3, ordered and pushed: active in Zuora."""
    order = place(world.a1, offers["basic"], quantity=3)
    run_pushes(order)
    subscription = factories.subscription_of(order)
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ACTIVE
    return subscription


def url(subscription: Subscription, rest: str = "") -> str:
    return f"/p/alpha/subscriptions/{subscription.public_id}/{rest}"


def change_post(offer: Offer, quantity: int, **extra: str) -> dict[str, str]:
    return {
        "offer": offer.code,
        "quantity": str(quantity),
        "timing": "today",
        "idempotency_key": str(uuid.uuid4()),
        **extra,
    }


def test_the_page_shows_the_subscription_and_its_trail(
    world: World, subscription: Subscription
) -> None:
    response = client_for(world.a1.member).get(url(subscription))
    assert response.status_code == 200
    html = response.text
    assert 'data-testid="subscription-quantity">3<' in html
    assert html.count('data-testid="trail-row"') == 1
    assert 'data-testid="change-link"' in html
    assert 'data-testid="cancel-link"' in html
    assert response.context["record"].upcoming  # the next billing dates and the term's end
    # The customer page links here.
    customer = client_for(world.a1.member).get(
        f"/p/alpha/customers/{subscription.customer.public_id}/"
    )
    assert url(subscription) in customer.text


def test_the_preview_shows_the_new_price_before_confirming(
    world: World, subscription: Subscription, offers: dict
) -> None:
    client = client_for(world.a1.member)
    page = client.get(url(subscription, "change/"))
    assert page.status_code == 200
    assert page.context["form"]["quantity"].value() == 3
    preview = client.get(
        url(subscription, "change/"),
        {"preview": "1", **change_post(offers["plus"], 2)},
        headers={"HX-Request": "true"},
    )
    assert 'data-testid="change-preview"' in preview.text
    assert "€50.00" in preview.text  # Plus × 2 at 25.00
    assert "€30.00" in preview.text  # what it costs now: Basic × 3
    assert Order.objects.filter(type=OrderType.CHANGE).count() == 0  # a preview saves nothing


def test_a_change_is_pending_then_applied(
    world: World, subscription: Subscription, offers: dict
) -> None:
    client = client_for(world.a1.member)
    response = client.post(url(subscription, "change/"), change_post(offers["basic"], 5))
    assert response.status_code == 302
    assert response["Location"] == url(subscription)
    [order] = Order.objects.filter(type=OrderType.CHANGE)
    page = client.get(url(subscription)).text
    assert 'data-state="pending"' in page
    assert 'data-testid="change-link"' not in page  # blocked until it takes effect
    blocked = client.get(url(subscription, "change/"))
    assert 'data-testid="blocked"' in blocked.text
    refused = client.post(url(subscription, "change/"), change_post(offers["basic"], 7))
    assert refused.status_code == 409
    assert 'data-testid="blocked"' in refused.text
    assert Order.objects.filter(type=OrderType.CHANGE).count() == 1  # refused while pending

    run_pushes(order)
    page = client.get(url(subscription)).text
    assert 'data-testid="subscription-quantity">5<' in page
    assert 'data-testid="blocking"' not in page
    assert page.count('data-testid="trail-row"') == 2


def test_a_double_submit_makes_one_order(
    world: World, subscription: Subscription, offers: dict
) -> None:
    client = client_for(world.a1.member)
    data = change_post(offers["plus"], 3)
    client.post(url(subscription, "change/"), data)
    client.post(url(subscription, "change/"), data)
    assert Order.objects.filter(type=OrderType.CHANGE).count() == 1


def test_a_change_that_changes_nothing_is_refused_with_the_form_kept(
    world: World, subscription: Subscription, offers: dict
) -> None:
    response = client_for(world.a1.member).post(
        url(subscription, "change/"), change_post(offers["basic"], 3)
    )
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    response = client_for(world.a1.member).post(
        url(subscription, "change/"), change_post(offers["basic"], 10_001)
    )
    assert response.status_code == 400
    assert 'value="10001"' in response.text  # what was typed is kept


def test_cancel_needs_a_reason_and_keeps_what_was_typed(
    world: World, subscription: Subscription
) -> None:
    client = client_for(world.a1.member)
    response = client.post(
        url(subscription, "cancel/"),
        {"timing": "on_date", "on_date": "", "reason": "", "idempotency_key": str(uuid.uuid4())},
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"on_date", "reason"}
    response = client.post(
        url(subscription, "cancel/"),
        {
            "timing": "on_date",
            "on_date": timezone.localdate().isoformat(),
            "reason": "Closing the branch",
            "idempotency_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 302
    [order] = Order.objects.filter(type=OrderType.CANCEL)
    assert order.cancel_reason == "Closing the branch"
    run_pushes(order)
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.CANCELLED
    page = client_for(world.a1.member).get(url(subscription)).text
    assert 'data-testid="blocked"' in page  # cancelled: it cannot change any more
    subscription.customer.refresh_from_db()
    assert subscription.customer.active_subscriptions == 0


def test_the_cancellation_window_is_explained(world: World, subscription: Subscription) -> None:
    Offer.objects.filter(pk=subscription.offer_id).update(cancellation_window_days=400)
    response = client_for(world.a1.member).post(
        url(subscription, "cancel/"),
        {"timing": "term_end", "reason": "Too late?", "idempotency_key": str(uuid.uuid4())},
    )
    assert response.status_code == 400
    assert "cannot be cancelled in the last 400 days" in response.text
    assert "Too late?" in response.text
    assert not Order.objects.filter(type=OrderType.CANCEL).exists()


@pytest.mark.parametrize("changes", [0, 3])
def test_the_page_query_count_is_constant(
    world: World,
    subscription: Subscription,
    offers: dict,
    changes: int,
    django_assert_max_num_queries: Any,
) -> None:
    client = client_for(world.a1.member)
    for n in range(changes):
        client.post(url(subscription, "change/"), change_post(offers["basic"], 4 + n))
        run_pushes(Order.objects.filter(type=OrderType.CHANGE).latest("id"))
    client.get(url(subscription))
    # the portal's own 6, the subscription, the record's 6, the blocking reason's 1
    with django_assert_max_num_queries(15):
        response = client.get(url(subscription))
    assert response.text.count('data-testid="trail-row"') == 1 + changes
