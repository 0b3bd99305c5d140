"""Phone width (390 × 844): no page scrolls sideways, no table hides columns in a sideways scroll
(a table's rows stack, each cell under its column's name), no state badge is cut off, and the
checkout shows its summary and total before the "Place order" button.

The pages are every page the partner member and the vendor agent reach outside Django admin
(``tests/browser/pages.py``: found from the URL resolver), filled with organisation a1's records.
"""

from __future__ import annotations

import pytest
from django.test import Client
from playwright.sync_api import Browser, Page, ViewportSize, expect

from integrations.fakes.server import Fakes
from tests import factories
from tests.browser.pages import candidate_urls, reachable_pages
from tests.world import World

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = ViewportSize(width=390, height=844)

# What overflows sideways on the page, as [what, how far] (empty: nothing does).
OVERFLOW = """() => {
  const found = [];
  const root = document.scrollingElement;
  const over = (box) => box.scrollWidth - box.clientWidth;
  if (over(root) > 0) found.push(["page", over(root)]);
  // A table scrolls sideways inside its .table-responsive box, hiding columns past the edge.
  for (const box of document.querySelectorAll(".table-responsive")) {
    if (over(box) > 0) found.push(["table " + (box.querySelector("[data-testid]") || box)
      .getAttribute("data-testid"), over(box)]);
  }
  for (const badge of document.querySelectorAll(".badge")) {
    const rect = badge.getBoundingClientRect();
    if (rect.width === 0) continue;  // not shown (a collapsed section)
    if (rect.left < 0 || rect.right > root.clientWidth || badge.scrollWidth > badge.clientWidth)
      found.push(["badge " + badge.textContent.trim(), Math.round(rect.right - root.clientWidth)]);
  }
  return found;
}"""


def phone_page(browser: Browser, base: str, client: Client) -> Page:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
    )
    return context.new_page()


@pytest.mark.parametrize("persona", ["partner member", "vendor agent"])
def test_no_page_scrolls_sideways_and_no_badge_is_cut_off(
    persona: str,
    browser: Browser,
    live_server: object,
    migration_data: None,
    fakes: Fakes,
    world: World,
) -> None:
    base = str(live_server)
    client = Client()
    client.force_login(world.a1.member if persona == "partner member" else world.agent)
    urls = [url for url in candidate_urls(world) if not url.startswith("/admin/")]
    pages = reachable_pages(client, urls)
    page = phone_page(browser, base, client)
    found = []
    lists = 0
    try:
        for url in pages:
            page.goto(base + url)
            lists += page.locator("#results table").count()
            found += [f"{url}: {what} by {px} px" for what, px in page.evaluate(OVERFLOW)]
    finally:
        page.context.close()
    assert lists >= (4 if persona == "partner member" else 2), pages  # the lists were seen
    assert not found, "\n".join(found)


def test_a_stacked_list_row_names_each_cell(
    browser: Browser, live_server: object, migration_data: None, world: World
) -> None:
    base = str(live_server)
    factories.RegistrationFactory.create(
        organisation=world.a1.organisation, created_by=world.a1.member, state="more_info"
    )
    client = Client()
    client.force_login(world.a1.member)
    page = phone_page(browser, base, client)
    try:
        page.goto(f"{base}/p/alpha/registrations/")
        row = page.get_by_test_id("registration-row").first
        cell = row.locator("td").nth(1)
        label = cell.evaluate("td => getComputedStyle(td, '::before').content")
        assert label.strip('"') == cell.get_attribute("data-label")
        assert cell.get_attribute("data-label")
        # Stacked: the row's cells sit one above the other, each as wide as the row.
        first, second = (row.locator("td").nth(i).bounding_box() for i in (0, 1))
        assert first is not None
        assert second is not None
        assert second["y"] >= first["y"] + first["height"] - 1
        badge = row.get_by_test_id("state")
        badge.scroll_into_view_if_needed()
        expect(badge).to_be_in_viewport(ratio=1)
    finally:
        page.context.close()


def test_checkout_shows_the_summary_and_total_before_place_order(
    browser: Browser, live_server: object, migration_data: None, world: World
) -> None:
    base = str(live_server)
    offer = factories.OfferFactory.create(eligible=[world.a1.organisation])
    assert offer.checkout_page is not None
    client = Client()
    client.force_login(world.a1.member)
    page = phone_page(browser, base, client)
    try:
        page.goto(f"{base}/p/alpha/checkout/{offer.checkout_page.slug}/?offer={offer.code}")
        total = page.get_by_test_id("summary-total")
        button = page.get_by_test_id("place-order")
        expect(total).to_be_visible()
        total_box, button_box = total.bounding_box(), button.bounding_box()
        assert total_box is not None
        assert button_box is not None
        assert total_box["y"] + total_box["height"] <= button_box["y"]
        # In reading order too (a screen reader and the Tab key meet the total first).
        assert total.evaluate(
            "(total, button) => Boolean(total.compareDocumentPosition(button)"
            " & Node.DOCUMENT_POSITION_FOLLOWING)",
            button.element_handle(),
        )
        assert page.evaluate(
            "document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth"
        )
    finally:
        page.context.close()
