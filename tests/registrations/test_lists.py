"""The partner lists and the queue: filters, sort, paging, htmx, CSV, and query budgets that
do not grow with the data (issue #5)."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import paging
from registrations.models import OpportunityRegistration
from registrations.states import RegistrationState
from tests import factories
from tests.registrations.conftest import client_for, linked_company, make_registration, streamed
from tests.world import World

pytestmark = pytest.mark.django_db

LIST = "/p/alpha/registrations/"


def names(response: Any) -> list[str]:
    return [r.name for r in response.context["page"]]


@pytest.fixture
def rows(world: World) -> dict[str, OpportunityRegistration]:
    company, contact = linked_company(world.a1, name="Zeta Corp")
    today = timezone.localdate()
    made = {
        "alpha": make_registration(
            world.a1, name="Alpha deal", expected_close_date=today + timedelta(days=5)
        ),
        "beta": make_registration(
            world.a1,
            name="Beta deal",
            state=RegistrationState.QUALIFIED,
            expected_close_date=today + timedelta(days=50),
            representative=world.a1.supervisor,
        ),
        "zeta": make_registration(
            world.a1, name="Gamma deal", company=company, contact=contact, company_name="Zeta Corp"
        ),
    }
    OpportunityRegistration.objects.filter(pk=made["alpha"].pk).update(
        created_at=timezone.now() - timedelta(days=40)
    )
    return made


def get(world: World, query: str, user: Any = None) -> Any:
    return client_for(user or world.a1.member).get(LIST + query)


def test_default_sort_is_newest_first(world: World, rows: dict) -> None:
    assert names(get(world, "")) == ["Gamma deal", "Beta deal", "Alpha deal"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?sort=name", ["Alpha deal", "Beta deal", "Gamma deal"]),
        ("?sort=-name", ["Gamma deal", "Beta deal", "Alpha deal"]),
        # Gamma has no closure date: last when sorting by it.
        ("?sort=closure", ["Alpha deal", "Beta deal", "Gamma deal"]),
    ],
)
def test_sort(world: World, rows: dict, query: str, expected: list[str]) -> None:
    assert names(get(world, query)) == expected


@pytest.mark.parametrize("query", ["?sort=company", "?sort=-company"])
def test_sort_by_company(world: World, rows: dict, query: str) -> None:
    companies = [r.company_name for r in get(world, query).context["page"]]
    assert companies == sorted(companies, reverse=query.startswith("?sort=-"))
    assert "Zeta Corp" in companies


def test_filter_by_state(world: World, rows: dict) -> None:
    assert names(get(world, "?state=qualified")) == ["Beta deal"]


def test_filter_by_created_range(world: World, rows: dict) -> None:
    since = (timezone.localdate() - timedelta(days=10)).isoformat()
    assert sorted(names(get(world, f"?created_after={since}"))) == ["Beta deal", "Gamma deal"]
    until = (timezone.localdate() - timedelta(days=30)).isoformat()
    assert names(get(world, f"?created_before={until}")) == ["Alpha deal"]


def test_filter_by_estimated_closure_range(world: World, rows: dict) -> None:
    start = (timezone.localdate() + timedelta(days=10)).isoformat()
    assert names(get(world, f"?closure_after={start}")) == ["Beta deal"]


def test_filter_by_company(world: World, rows: dict) -> None:
    assert names(get(world, "?company=Zeta+Corp")) == ["Gamma deal"]


_tins = itertools.count(555000001)


def proposal(tenant: Any, name: str, company: str, by: Any = None) -> OpportunityRegistration:
    """A registration proposing a new company: no CRM record until it is qualified."""
    return make_registration(
        tenant,
        by=by,
        name=name,
        new_company=True,
        company=None,
        company_name=company,
        company_website=f"{company.lower().replace(' ', '')}.example",
        company_tin=f"{next(_tins)}",
        new_contact=True,
        contact=None,
        contact_first_name="Pat",
        contact_last_name="Lee",
    )


def test_the_company_filter_offers_the_companies_of_the_organisations_registrations(
    world: World, rows: dict
) -> None:
    proposal(world.a1, "Delta deal", "Fabrikam")
    response = get(world, "")
    options = dict(response.context["filter"].form.fields["company"].widget.choices)
    # The companies the table shows, each once, the proposed one included.
    assert list(options) == ["", *sorted({r.company_name for r in response.context["page"]})]
    assert "Fabrikam" in options
    assert names(get(world, "?company=Fabrikam")) == ["Delta deal"]


def test_a_members_company_filter_offers_only_the_companies_they_registered(
    world: World, rows: dict
) -> None:
    proposal(world.a1, "Colleague's deal", "Secret Prospect", by=world.a1.supervisor)

    def options(user: Any, query: str) -> dict:
        response = client_for(user).get(LIST + query)
        return dict(response.context["filter"].form.fields["company"].widget.choices)

    assert "Secret Prospect" not in options(world.a1.member, "")
    assert "Secret Prospect" in options(world.a1.supervisor, "?scope=all")


def test_company_filter_offers_only_the_organisations_companies(world: World, rows: dict) -> None:
    theirs = proposal(world.a2, "Their deal", "Theirs Ltd")
    response = get(world, "")
    assert "Theirs Ltd" not in dict(
        response.context["filter"].form.fields["company"].widget.choices
    )
    assert "Theirs Ltd" not in response.text
    # Asking for it anyway selects none of the organisation's rows, and never theirs.
    assert names(get(world, f"?company={theirs.company_name}")) == []


def test_the_queues_company_filter_offers_its_directions_companies(
    world: World, rows: dict
) -> None:
    proposal(world.a2, "Other partner deal", "Fabrikam")
    proposal(world.b1, "Other direction deal", "Contoso Pharma")
    response = client_for(world.agent).get("/backoffice/")
    options = dict(response.context["filter"].form.fields["company"].widget.choices)
    assert "Fabrikam" in options
    assert "Zeta Corp" in options
    assert "Contoso Pharma" not in options
    queue = client_for(world.agent).get("/backoffice/?company=Fabrikam")
    assert [r.name for r in queue.context["page"]] == ["Other partner deal"]


def test_filter_by_representative(world: World, rows: dict) -> None:
    assert names(get(world, f"?representative={world.a1.supervisor.pk}")) == ["Beta deal"]


def test_free_text_matches_name_or_company(world: World, rows: dict) -> None:
    assert names(get(world, "?q=alpha")) == ["Alpha deal"]
    assert names(get(world, "?q=zeta")) == ["Gamma deal"]
    assert names(get(world, "?q=nothing-matches-this")) == []


def test_htmx_gets_only_the_results(world: World, rows: dict) -> None:
    response = client_for(world.a1.member).get(LIST + "?state=submitted", HTTP_HX_REQUEST="true")
    assert response.text.lstrip().startswith('<div id="results"')
    assert "<html" not in response.text
    assert "Alpha deal" in response.text


def test_paging_keeps_the_filters(world: World, monkeypatch: Any) -> None:
    monkeypatch.setattr(paging, "PAGE_SIZE", 2)
    for i in range(5):
        make_registration(world.a1, name=f"Deal {i}")
    response = get(world, "?q=deal&page=2")
    assert names(response) == ["Deal 2", "Deal 1"]
    assert "?q=deal&amp;page=3" in response.text


def test_paging_never_counts_and_stops_at_the_last_page(world: World, monkeypatch: Any) -> None:
    monkeypatch.setattr(paging, "PAGE_SIZE", 2)
    for i in range(4):
        make_registration(world.a1, name=f"Deal {i}")
    with CaptureQueriesContext(connection) as queries:
        last = get(world, "?page=2")
    assert names(last) == ["Deal 1", "Deal 0"]
    assert not last.context["page"].has_next
    assert "Rows 3–4" in last.text
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"]]


def test_paging_is_capped(world: World, monkeypatch: Any) -> None:
    monkeypatch.setattr(paging, "PAGE_SIZE", 1)
    monkeypatch.setattr(paging, "MAX_PAGE", 2)
    for i in range(4):
        make_registration(world.a1, name=f"Deal {i}")
    page = get(world, "?page=99").context["page"]
    assert page.number == 2
    assert not page.has_next
    assert get(world, "?page=nonsense").context["page"].number == 1


def test_csv_export_holds_the_filtered_rows(world: World, rows: dict) -> None:
    response = get(world, "?export=csv&state=qualified")
    assert response["Content-Type"].startswith("text/csv")
    lines = streamed(response).decode().splitlines()
    assert lines[0].startswith("Name,State,Company")
    assert len(lines) == 2
    assert lines[1].startswith("Beta deal,Qualified,")


def test_csv_export_defuses_formulas(world: World) -> None:
    make_registration(world.a1, name="=HYPERLINK(1)")
    body = streamed(get(world, "?export=csv")).decode()
    assert "'=HYPERLINK(1)" in body


def test_opportunity_list_filters(world: World) -> None:
    first = factories.OpportunityFactory.create(
        registration=make_registration(world.a1, state="qualified"), name="First", stage="proposal"
    )
    factories.OpportunityFactory.create(
        registration=make_registration(world.a1, state="qualified"), name="Second"
    )
    client = client_for(world.a1.member)
    assert [
        o.name for o in client.get("/p/alpha/opportunities/?stage=proposal").context["page"]
    ] == [first.name]
    assert [o.name for o in client.get("/p/alpha/opportunities/?q=seco").context["page"]] == [
        "Second"
    ]


# --- query budgets: constant, whatever the number of rows -----------------------------------
def many(world: World, n: int) -> None:
    for _ in range(n):
        registration = make_registration(world.a1, by=world.a1.supervisor, state="qualified")
        factories.OpportunityFactory.create(registration=registration)


@pytest.mark.parametrize("n", [1, 12])
def test_registration_list_query_count_is_constant(
    world: World, django_assert_max_num_queries: Any, n: int
) -> None:
    many(world, n)
    client = client_for(world.a1.supervisor)
    # The portal's own 7 (session, user, the session policy's membership, portal, membership,
    # the navigation's sections, the idle-timeout write of 3 statements at most once a minute)
    # plus page rows, company and representative choices.
    with django_assert_max_num_queries(12):
        response = client.get(LIST + "?scope=all&q=deal&state=qualified")
    assert response.status_code == 200
    assert response.text.count('data-testid="registration-row"') == n


@pytest.mark.parametrize("n", [1, 12])
def test_opportunity_list_query_count_is_constant(
    world: World, django_assert_max_num_queries: Any, n: int
) -> None:
    many(world, n)
    client = client_for(world.a1.supervisor)
    with django_assert_max_num_queries(12):
        response = client.get("/p/alpha/opportunities/?scope=all")
    assert response.status_code == 200
    assert response.text.count('data-testid="opportunity-row"') == n


@pytest.mark.parametrize("n", [1, 12])
def test_queue_query_count_is_constant(
    world: World, django_assert_max_num_queries: Any, n: int
) -> None:
    many(world, n)
    client = client_for(world.agent)
    # user (the session is in the cache), the idle-timeout write (3) and the staff TOTP check,
    # guardian's permission lookups (3), the directions (read once, shown and used), the capped
    # state counts (one statement), rows, filter choices (company, organisation)
    for url in ("/backoffice/", "/backoffice/?state=qualified&sort=company"):
        with django_assert_max_num_queries(13):
            response = client.get(url)
        assert response.status_code == 200
        assert response.text.count('data-testid="queue-row"') == n


@pytest.mark.parametrize("n", [1, 8])
def test_detail_query_count_is_constant(
    world: World, django_assert_max_num_queries: Any, n: int
) -> None:
    registration = make_registration(world.a1, by=world.a1.supervisor)
    for i in range(n):
        factories.AttachmentFactory.create(registration=registration)
        registration.activity.create(
            organisation=world.a1.organisation,
            kind="comment",
            side="partner",
            author=world.a1.supervisor,
            body=f"c{i}",
        )
    client = client_for(world.a1.supervisor)
    # The portal's own queries (see above), then the registration, its opportunity, its files
    # and its feed: none of them grows with the files or the entries.
    with django_assert_max_num_queries(13):
        response = client.get(f"/p/alpha/registrations/{registration.public_id}/")
    assert response.status_code == 200
    assert response.text.count("quote.pdf</a>") == n
    assert response.text.count('data-kind="comment"') == n
