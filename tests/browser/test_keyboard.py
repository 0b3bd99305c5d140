"""The main journeys with the keyboard only: sign-in, registering an opportunity, a list's filter
and sort, checkout, and an agent's review. Focus moves with Tab (Shift+Tab), controls act on Enter
or Space, text is typed; nothing is clicked. Every element focus stops on shows a visible focus
indicator: an outline of at least 2 px whose colour has 3:1 contrast against what surrounds it
(WCAG 2.4.7, 1.4.11).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from accounts.models import User
from integrations.fake_seed import fakes_seed
from integrations.fakes.server import Fakes
from offers import demo as offers_demo
from orders.models import Order
from partners import demo
from registrations.models import OpportunityRegistration
from tests import factories
from tests.browser.staff import staff_context

pytestmark = pytest.mark.django_db(transaction=True)

# The focused element's outline, and the first opaque background behind it.
FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  // A date box's last stop is Chromium's calendar button, inside the box's closed shadow tree:
  // the box itself then matches neither :focus nor :focus-visible (the button's ring is styled
  // by portal.css's ::-webkit-calendar-picker-indicator rule, which no script can read).
  if (el.type === "date" && !el.matches(":focus-visible")) return {picker: true};
  const style = getComputedStyle(el);
  let background = "rgb(255, 255, 255)";
  for (let node = el.parentElement; node; node = node.parentElement) {
    const colour = getComputedStyle(node).backgroundColor;
    const clear = /^rgba\\(.*, 0\\)$/.test(colour) || colour === "transparent";
    if (!clear) { background = colour; break; }
  }
  return {
    what: el.tagName + " " + (el.getAttribute("name") || el.textContent.trim().slice(0, 40)),
    style: style.outlineStyle, width: parseFloat(style.outlineWidth),
    colour: style.outlineColor, background: background,
  };
}"""


def _luminance(colour: str) -> float:
    red, green, blue = (int(c) / 255 for c in re.findall(r"[\d.]+", colour)[:3])

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(one: str, other: str) -> float:
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def assert_focus_visible(page: Page) -> None:
    focus: dict[str, Any] | None = page.evaluate(FOCUS)
    if focus is None:
        return  # past the last element the focus goes to the browser, then wraps round
    if focus.get("picker"):
        return
    assert focus["style"] not in ("none", "hidden"), focus
    assert focus["width"] >= 2, focus
    assert contrast(focus["colour"], focus["background"]) >= 3, focus


def tab_to(page: Page, target: Locator, *, limit: int = 120, backwards: bool = False) -> None:
    """Tab until ``target`` has the focus, checking the focus indicator at every stop."""
    target.wait_for(state="attached")
    if target.evaluate("element => element === document.activeElement"):
        return  # already there (an autofocus field)
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        assert_focus_visible(page)
        if target.evaluate("element => element === document.activeElement"):
            return
    pytest.fail(f"Tab never reached {target}")


def type_into(page: Page, target: Locator, text: str) -> None:
    tab_to(page, target)
    page.keyboard.type(text)


def keyboard_sign_in(page: Page, base: str, email: str, next_path: str = "/") -> None:
    page.goto(f"{base}{next_path}")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    type_into(page, page.get_by_label("Email"), email)
    tab_to(page, page.get_by_role("button", name="Continue"))
    page.keyboard.press("Enter")
    type_into(page, page.get_by_label("Password"), demo.DEMO_PASSWORD)
    tab_to(page, page.get_by_role("button", name="Sign In"))
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)  # and the page's scripts ran


@pytest.fixture
def catalogue(migration_data: None, fakes: Fakes) -> offers_demo.OffersDemo:
    catalogue = offers_demo.seed(demo.seed())
    fakes_seed()
    return catalogue


def test_sign_in_with_the_keyboard(
    page: Page, live_server: object, catalogue: offers_demo.OffersDemo
) -> None:
    base = str(live_server)
    keyboard_sign_in(page, base, "alice@northwind.example")
    expect(page).to_have_url(f"{base}/p/enterprise/")
    expect(page.get_by_test_id("organisation-name")).to_have_text("Northwind Resellers")

    # The first Tab reaches the skip link; Enter on it takes the focus past the navigation.
    page.reload()
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.getElementById('main').contains(document.activeElement)")


def test_register_an_opportunity_with_the_keyboard(
    page: Page, live_server: object, catalogue: offers_demo.OffersDemo, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    base = str(live_server)
    keyboard_sign_in(page, base, "alice@northwind.example", "/p/enterprise/registrations/")
    expect(page).to_have_url(f"{base}/p/enterprise/registrations/")
    tab_to(page, page.get_by_role("link", name="Register an opportunity"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Register an opportunity")).to_be_visible()
    page.wait_for_load_state()  # registration-form.js has run

    type_into(page, page.locator("#id_name"), "Keyboard deal")
    tab_to(page, page.get_by_label("New company"))
    page.keyboard.press("Space")
    expect(page.get_by_label("Company name")).to_be_visible()
    type_into(page, page.get_by_label("Company name"), "Tabby Corporation")
    type_into(page, page.get_by_label("Company website"), "https://tabby.example/")
    type_into(page, page.get_by_label("Company TIN"), "123456789")
    tab_to(page, page.get_by_label("New contact"))
    page.keyboard.press("Space")
    type_into(page, page.get_by_label("First name"), "Kay")
    type_into(page, page.get_by_label("Last name"), "Board")
    type_into(page, page.get_by_label("Contact email"), "kay@tabby.example")
    tab_to(page, page.get_by_role("button", name="Save"))
    page.keyboard.press("Enter")

    expect(page.get_by_test_id("registration-name")).to_have_text("Keyboard deal")
    registration = OpportunityRegistration.objects.get(name="Keyboard deal")
    assert registration.company_name == "Tabby Corporation"


def test_filter_and_sort_a_list_with_the_keyboard(
    page: Page, live_server: object, catalogue: offers_demo.OffersDemo
) -> None:
    base = str(live_server)
    northwind = catalogue.offers["STD-MONTHLY"].eligible_organisations.get(
        name="Northwind Resellers"
    )
    alice = northwind.memberships.get(user__email="alice@northwind.example").user
    for name in ("Beta deal", "Alpha deal", "Gamma project"):
        factories.RegistrationFactory.create(organisation=northwind, created_by=alice, name=name)
    keyboard_sign_in(page, base, "alice@northwind.example", "/p/enterprise/registrations/")
    rows = page.get_by_test_id("registration-row")
    expect(rows).to_have_count(3)

    type_into(page, page.get_by_label("Search"), "deal")
    expect(rows).to_have_count(2)
    expect(page).to_have_url(re.compile(r"[?&]q=deal"))

    header = page.get_by_role("columnheader", name="Name")
    tab_to(page, header.get_by_role("link"), backwards=False)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]sort=name"))
    expect(page.get_by_role("columnheader", name="Name")).to_have_attribute(
        "aria-sort", "ascending"
    )
    expect(rows.first).to_contain_text("Alpha deal")
    expect(rows).to_have_count(2)  # the filter still applies


def test_checkout_with_the_keyboard(
    page: Page, live_server: object, catalogue: offers_demo.OffersDemo
) -> None:
    base = str(live_server)
    keyboard_sign_in(page, base, "alice@northwind.example")
    expect(page).to_have_url(f"{base}/p/enterprise/")
    tab_to(page, page.get_by_role("link", name="Premium plans"))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("link", name="Order Premium, monthly"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Partner checkout")).to_be_visible()

    for label, text in (
        ("Company name", "Keyboard Foods"),
        ("First name", "Kim"),
        ("Last name", "Keys"),
        ("Email", "kim@keyboardfoods.example"),
        ("Phone", "+31 20 123 4567"),
        ("Address", "Damrak 1"),
        ("City", "Amsterdam"),
        ("Postal code", "1012 LG"),
    ):
        type_into(page, page.get_by_label(label, exact=True), text)
    tab_to(page, page.get_by_label("Country"))
    page.keyboard.type("Netherlands")  # a closed select picks the option typed
    expect(page.get_by_label("Country")).to_have_value("NL")
    tab_to(page, page.get_by_label("I accept the terms on behalf of the customer"))
    page.keyboard.press("Space")
    tab_to(page, page.get_by_test_id("place-order"))
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/p/enterprise/orders/[0-9a-f-]{36}/$"))
    order = Order.objects.get()
    assert order.customer.company_name == "Keyboard Foods"


def test_an_agent_reviews_and_qualifies_with_the_keyboard(
    browser: Browser, live_server: object, catalogue: offers_demo.OffersDemo
) -> None:
    base = str(live_server)
    northwind = catalogue.offers["STD-MONTHLY"].eligible_organisations.get(
        name="Northwind Resellers"
    )
    alice = northwind.memberships.get(user__email="alice@northwind.example").user
    factories.RegistrationFactory.create(
        organisation=northwind, created_by=alice, name="Keyboard review", state="submitted"
    )
    context = staff_context(browser, base, User.objects.get(email="agent@vendor.example"))
    page = context.new_page()
    try:
        page.goto(f"{base}/backoffice/")
        tab_to(page, page.get_by_role("link", name="Keyboard review"))
        page.keyboard.press("Enter")
        tab_to(page, page.get_by_role("button", name="Start review"))
        page.keyboard.press("Enter")
        expect(page.get_by_test_id("state")).to_have_text("In review")
        type_into(
            page,
            page.get_by_label("Message to the partner with the qualification"),
            "Qualified by keyboard.",
        )
        tab_to(page, page.get_by_role("button", name="Qualify"))
        page.keyboard.press("Enter")
        expect(page.get_by_test_id("state")).to_have_text("Qualified")
    finally:
        context.close()
