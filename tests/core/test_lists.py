"""The list machinery (core.lists): each list's table header comes from the columns it declares,
its rows have a cell for each, its CSV has the same columns (plus the export-only ones), and the
footer links the export only for lists that export."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from typing import Any

import pytest
from django.test import Client

from core.lists import Column
from integrations.columns import OUTBOX_COLUMNS
from integrations.models import OutboxMessage, OutboxState, Target
from registrations.columns import OPPORTUNITY_COLUMNS, QUEUE_COLUMNS, REGISTRATION_COLUMNS
from registrations.models import Opportunity, OpportunityRegistration
from selfservice.columns import CUSTOMER_COLUMNS
from tests import factories
from tests.registrations.conftest import make_registration, streamed
from tests.world import World

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def table(html: str) -> tuple[list[str], list[int]]:
    """The results table's header labels, and the number of cells of each body row."""
    results = html[html.index('id="results"') :]
    head = re.search(r"<thead>(.*?)</thead>", results, re.S)
    body = re.search(r"<tbody>(.*?)</tbody>", results, re.S)
    assert head
    assert body
    labels = [
        re.sub(r"<[^>]+>", "", re.sub(r'<span aria-hidden="true">.*?</span>', "", th)).strip()
        for th in re.findall(r"<th[^>]*>(.*?)</th>", head[1], re.S)
    ]
    cells = [len(re.findall(r"<td[\s>]", row)) for row in re.findall(r"<tr.*?</tr>", body[1], re.S)]
    return labels, cells


def labels(columns: Sequence[Column[Any]]) -> list[str]:
    return [str(column.label) for column in columns if column.in_table]


@pytest.fixture
def pages(world: World) -> dict[str, tuple[Client, str, Sequence[Column[Any]]]]:
    registration = make_registration(world.a1, state="qualified")
    factories.OpportunityFactory.create(registration=registration)
    offer = factories.OfferFactory.create(eligible=[world.a1.organisation])
    factories.place_order(organisation=world.a1.organisation, actor=world.a1.member, offer=offer)
    supervisor = client_for(world.a1.supervisor)
    agent = client_for(world.agent)
    return {
        "registrations": (supervisor, "/p/alpha/registrations/?scope=all", REGISTRATION_COLUMNS),
        "opportunities": (supervisor, "/p/alpha/opportunities/?scope=all", OPPORTUNITY_COLUMNS),
        "queue": (agent, "/backoffice/", QUEUE_COLUMNS),
        "outbox": (agent, "/backoffice/outbox/", OUTBOX_COLUMNS),
        "customers": (supervisor, "/p/alpha/customers/", CUSTOMER_COLUMNS),
    }


@pytest.mark.parametrize("name", ["registrations", "opportunities", "queue", "outbox", "customers"])
def test_the_header_and_every_row_follow_the_declared_columns(name: str, pages: dict) -> None:
    client, url, columns = pages[name]
    header, cells = table(client.get(url).text)
    expected = labels(columns)
    if name == "outbox":  # the tick box of "retry now" comes first
        header = header[1:]
        cells = [n - 1 for n in cells]
    assert header == expected
    assert cells
    assert all(n == len(expected) for n in cells)


@pytest.mark.parametrize("name", ["registrations", "opportunities", "queue", "outbox", "customers"])
def test_the_csv_has_every_declared_column(name: str, pages: dict) -> None:
    client, url, columns = pages[name]
    separator = "&" if "?" in url else "?"
    response = client.get(f"{url}{separator}export=csv")
    assert response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(streamed(response).decode())))
    assert lines[0] == [str(column.label) for column in columns]
    assert len(lines) > 1
    assert all(len(line) == len(columns) for line in lines[1:])


def test_the_outbox_csv_holds_the_filtered_rows_of_the_agents_directions(world: World) -> None:
    for tenant in (world.a1, world.b1):
        offer = factories.OfferFactory.create(eligible=[tenant.organisation])
        factories.place_order(organisation=tenant.organisation, actor=tenant.member, offer=offer)
    OutboxMessage.objects.filter(target=Target.ZUORA).update(
        state=OutboxState.FAILED, last_error_code="INVALID_VALUE", last_error="=HYPERLINK()"
    )
    response = client_for(world.agent).get("/backoffice/outbox/?state=failed&export=csv")
    lines = list(csv.reader(io.StringIO(streamed(response).decode())))
    assert [line[1] for line in lines[1:]] == [world.a1.organisation.name]
    assert lines[1][-2:] == ["INVALID_VALUE", "'=HYPERLINK()"]  # a formula is defused


def test_the_footer_links_the_export_with_the_filters_kept(world: World, pages: dict) -> None:
    client, _, _ = pages["queue"]
    html = client.get("/backoffice/?state=qualified&page=1").text
    assert 'href="?state=qualified&amp;export=csv"' in html


def test_a_sortable_header_sorts_the_table_and_says_how_it_is_sorted(
    world: World, pages: dict
) -> None:
    client, _, _ = pages["registrations"]
    html = client.get("/p/alpha/registrations/?scope=all").text
    # Newest first by default: the Created header says descending and asks for ascending.
    assert re.search(
        r'<th scope="col" aria-sort="descending"><a href="\?scope=all&amp;sort=created"', html
    )
    assert html.count("aria-sort=") == 1
    html = client.get("/p/alpha/registrations/?scope=all&sort=name").text
    assert re.search(r'aria-sort="ascending"><a href="\?scope=all&amp;sort=-name"', html)
    # A column that does not sort (State) is a plain header.
    assert '<th scope="col">State</th>' in html


def test_filters_apply_on_change_and_name_people_as_the_table_does(
    world: World, pages: dict
) -> None:
    client, url, _ = pages["registrations"]
    html = client.get(url).text
    start = html.index('data-testid="filters"')
    form = html[start : html.index("</form>", start)]
    # No "Apply" to press: the form applies on change; the button is for browsers without script.
    assert "<noscript><button" in form
    # The representative filter shows names, as the table does.
    choices = client.get(url).context["filter"].form.fields["representative"].choices
    assert world.a1.member.get_full_name() in {str(label) for _, label in choices}
    # Both ends of a date range are labelled.
    assert 'aria-label="Created (from)"' in form
    assert 'aria-label="Created (to)"' in form


def csv_lines(client: Client, url: str) -> list[list[str]]:
    separator = "&" if "?" in url else "?"
    response = client.get(f"{url}{separator}export=csv")
    return list(csv.reader(io.StringIO(streamed(response).decode())))


def test_the_registrations_csv_has_the_contact_the_agent_and_the_reason(
    world: World, pages: dict
) -> None:
    client, url, _ = pages["registrations"]
    world.agent.first_name, world.agent.last_name = "Vera", "Vendor"
    world.agent.save()
    OpportunityRegistration.objects.update(state_reason="Budget unclear", assigned_to=world.agent)
    lines = csv_lines(client, url)
    assert lines[0][-3:] == ["Contact", "Agent", "Reason"]
    registration = OpportunityRegistration.objects.get()
    assert registration.contact is not None
    assert lines[1][-3:] == [registration.contact.full_name, "Vera Vendor", "Budget unclear"]
    # The queue's CSV says the same of the row.
    queue = csv_lines(client_for(world.agent), "/backoffice/")
    assert queue[0][4] == "Agent"
    assert queue[0][-2:] == ["Contact", "Reason"]
    assert queue[1][4] == "Vera Vendor"
    assert queue[1][-2:] == [registration.contact.full_name, "Budget unclear"]


def test_the_opportunities_csv_has_the_contact_and_the_reason_lost(
    world: World, pages: dict
) -> None:
    client, url, _ = pages["opportunities"]
    opportunity = Opportunity.objects.get()
    Opportunity.objects.update(lost_reason="Went with a competitor")
    lines = csv_lines(client, url)
    assert lines[0][-2:] == ["Contact", "Reason lost"]
    assert lines[1][-2:] == [opportunity.contact.full_name, "Went with a competitor"]


@pytest.mark.parametrize("n", [1, 6])
def test_the_csv_joins_what_its_columns_read_without_a_query_a_row(
    world: World, n: int, django_assert_max_num_queries: Any
) -> None:
    for _ in range(n):
        make_registration(world.a1, by=world.a1.supervisor, assigned_to=world.agent)
    client = client_for(world.a1.supervisor)
    client.get("/p/alpha/registrations/?scope=all")  # the session settles first
    # The portal's own (at most 7: see tests/registrations/test_lists.py) and the rows' cursor
    # (DECLARE, FETCH, CLOSE).
    with django_assert_max_num_queries(11):
        lines = csv_lines(client, "/p/alpha/registrations/?scope=all")
    assert len(lines) == n + 1


@pytest.mark.parametrize("name", ["registrations", "opportunities", "queue", "outbox", "customers"])
def test_an_address_with_unset_filters_is_redirected_to_the_set_ones(
    name: str, pages: dict
) -> None:
    client, url, _ = pages[name]
    path, _, query = url.partition("?")
    # What a browser without script submits: every field of the form, most of them empty.
    submitted = f"{path}?{query}&q=&created_after=&created_before=&sort=-created&company="
    response = client.get(submitted.replace("?&", "?"))
    assert response.status_code == 302
    assert response["Location"] == (
        f"{path}?{query}&sort=-created" if query else f"{path}?sort=-created"
    )
    # Nothing set: the bare address.
    assert client.get(f"{path}?q=&state=")["Location"] == path
    # A list request with only set filters is served as it is, and htmx's as well.
    assert client.get(response["Location"]).status_code == 200
    assert client.get(f"{path}?q=", HTTP_HX_REQUEST="true").status_code == 200


@pytest.mark.parametrize(
    ("url", "sort", "label"),
    [
        ("/p/alpha/registrations/?scope=all", "name", "Name"),
        ("/p/alpha/opportunities/?scope=all", "closure", "Expected close"),
        ("/backoffice/", "company", "Company"),
        ("/p/alpha/customers/", "email", "Email"),
        ("/p/alpha/invoices/", "amount", "Amount"),
        ("/backoffice/outbox/", "attempts", "Attempts"),
    ],
)
def test_every_sortable_list_sorts_by_its_headers(
    world: World, pages: dict, url: str, sort: str, label: str
) -> None:
    client = client_for(world.agent if url.startswith("/backoffice") else world.a1.supervisor)
    separator = "&" if "?" in url else "?"
    html = client.get(f"{url}{separator}sort={sort}").text
    header = re.search(
        rf'<th scope="col"[^>]*aria-sort="ascending"[^>]*><a href="([^"]+)"[^>]*>{label}', html
    )
    assert header, f"{label} is not the ascending sorted header"
    assert f"sort=-{sort}" in header[1]
    html = client.get(f"{url}{separator}sort=-{sort}").text
    assert re.search(rf'aria-sort="descending"[^>]*><a href="[^"]*sort={sort}"[^>]*>{label}', html)
    assert html.count("aria-sort=") == 1
