"""axe-core on every page each persona can reach: no violation of impact serious or critical.

The pages come from the URL resolver (``tests/browser/pages.py``), filled with organisation a1's
records, and are the ones the persona's GET answers with a whole page; the admin's list, add and
change forms of the project's models are among the staff's. axe-core 4.14.1 is vendored in
``tests/browser/axe/`` (its minified build and licences, from the npm package): the browser
context runs it as an init script, so each page gets it once, outside the page's
Content-Security-Policy, and ``axe.run`` checks the page as loaded.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page

from accounts.models import User
from integrations.fakes.server import Fakes
from tests.browser.pages import candidate_urls, reachable_pages
from tests.world import World

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).parent / "axe" / "axe.min.js"
BLOCKING = ("serious", "critical")

# Each persona and who they are (None: anonymous). The world's staff have an authenticator.
PERSONAS: dict[str, Callable[[World], User | None]] = {
    "partner member": lambda world: world.a1.member,
    "partner supervisor": lambda world: world.a1.supervisor,
    "vendor agent": lambda world: world.agent,
    "vendor admin": lambda world: world.admin,
    "end customer": lambda world: world.customer,
    "anonymous": lambda world: None,
}

# A few pages each persona must reach: the walk that finds the pages is itself checked.
EXPECTED = {
    "partner member": {"/p/alpha/registrations/", "/p/alpha/registrations/new/", "/p/alpha/"},
    "partner supervisor": {"/p/alpha/customers/", "/p/alpha/invoices/"},
    "vendor agent": {"/backoffice/", "/backoffice/outbox/", "/admin/"},
    "vendor admin": {"/admin/", "/admin/partners/partnerportal/add/", "/admin/offers/offer/"},
    "end customer": {"/account/"},
    "anonymous": {"/accounts/login/", "/accounts/signup/"},
}


def signed_in(browser: Browser, base: str, user: User | None) -> tuple[Client, BrowserContext]:
    """A test client and a browser context sharing ``user``'s session."""
    client = Client()
    context = browser.new_context()
    if user is not None:
        client.force_login(user)
        cookie = client.cookies["sessionid"].value
        context.add_cookies([{"name": "sessionid", "value": cookie, "url": base}])
    return client, context


def violations(page: Page, base: str, url: str) -> list[str]:
    """axe's serious and critical violations on ``url``, one line per rule and element."""
    response = page.goto(base + url, wait_until="load")
    assert response is not None, url
    assert response.ok, url
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        f"{url}: {v['id']} ({v['impact']}) {v['help']} at {node['target']}: {node['html'][:160]}"
        for v in result
        if v["impact"] in BLOCKING
        for node in v["nodes"]
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_a_persona_reaches_has_no_serious_violation(
    persona: str,
    browser: Browser,
    live_server: object,
    migration_data: None,
    fakes: Fakes,
    world: World,
) -> None:
    base = str(live_server)
    client, context = signed_in(browser, base, PERSONAS[persona](world))
    pages = reachable_pages(client, candidate_urls(world))
    assert EXPECTED[persona] <= set(pages), pages
    if persona == "vendor admin":  # the admin's forms of the project's models
        assert any(re.fullmatch(r"/admin/registrations/company/\d+/change/", p) for p in pages)
    context.add_init_script(path=AXE)
    started = time.monotonic()
    found: list[str] = []
    page = context.new_page()
    try:
        for url in pages:
            found += violations(page, base, url)
    finally:
        context.close()
    print(f"{persona}: {len(pages)} pages in {time.monotonic() - started:.1f} s")
    if found:
        pytest.fail("\n".join(found), pytrace=False)
