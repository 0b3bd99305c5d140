"""The floor's pages: each runs ONE raw SQL query and renders a plain template.

Each list view selects the same rows as the product page it stands for (the same filters, sort
and page, on the same indexes) and renders the same columns; a page that is not a list renders
the same content. The query strings are the product's (``sort``, ``q``, ``state``, ``last`` ...)
so the harness can request both with the same parameters.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from typing import Any

import redis
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.template import loader
from django.utils import timezone
from django_countries.data import COUNTRIES

PAGE_SIZE = 25
TOTALS_CAP = 10_000
STATE_COUNT_CAP = 1_000
# Kept open for the life of the worker: a probe is one PING on a connection already made.
REDIS = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
COUNTRY_OPTIONS = sorted(
    ((code, str(name)) for code, name in COUNTRIES.items()), key=lambda c: c[1]
)

REGISTRATION_STATES = {
    "submitted": "Submitted",
    "in_review": "In review",
    "more_info": "More information needed",
    "qualified": "Qualified",
    "rejected": "Rejected",
}
STAGES = {"qualification": "Qualification", "proposal": "Proposal", "negotiation": "Negotiation"}
STATUSES = {"open": "Open", "won": "Won", "lost": "Lost"}
SECTIONS = {
    "pricing": (
        "Pricing",
        "pricing/",
        "The offers you may sell, and ordering them for your customers.",
    ),
    "customers": ("Customers", "customers/", "Your end customers and their subscriptions."),
    "invoices": ("Invoices", "invoices/", "Invoices for your organisation's orders."),
    "registrations": (
        "Opportunity registrations",
        "registrations/",
        "Register deals with the vendor and follow their review.",
    ),
    "opportunities": (
        "Opportunities",
        "opportunities/",
        "Registrations the vendor qualified, with their stage and status.",
    ),
}


def _query(sql: str, params: Sequence[Any] | dict[str, Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _render(template: str, context: dict[str, Any]) -> HttpResponse:
    return HttpResponse(loader.get_template(f"floor/{template}").render(context))


def _keyset(request: HttpRequest, sorts: dict[str, str], default: str) -> tuple[str, bool]:
    """ORDER BY for ``?sort=`` (the product's names, ``-`` for descending) and ``?last=1``: the
    key then ``id`` in the same direction, both reversed for the last page."""
    requested = request.GET.get("sort", "") or default
    descending = requested.startswith("-")
    column = sorts.get(requested.lstrip("-"), sorts[default.lstrip("-")])
    last = bool(request.GET.get("last"))
    direction = "DESC" if descending != last else "ASC"
    return f"{column} {direction}, id {direction}", last


def _finish(rows: list[tuple[Any, ...]], last: bool) -> tuple[list[tuple[Any, ...]], bool]:
    """The page's rows in display order, and whether there is more beyond them."""
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return (rows[::-1] if last else rows), more


def _csv(
    header: Sequence[str], sql: str, params: dict[str, Any], filename: str
) -> StreamingHttpResponse:
    """Every row, streamed from a server-side cursor (as the product's export)."""

    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(header)
        connection.ensure_connection()
        # WITH HOLD: a server-side cursor outside a transaction (autocommit), as Django's own.
        raw = connection.connection
        with raw.cursor(name="floor_export", withhold=True) as cursor:
            cursor.itersize = 2000
            cursor.execute(sql, params)
            for row in cursor:
                yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


# ------------------------------------------------------------------------------------------------
def hello(request: HttpRequest) -> HttpResponse:
    """No database, no template: what a request costs through gunicorn and Django alone."""
    return HttpResponse(b"hello", content_type="text/plain")


def healthz(request: HttpRequest) -> JsonResponse:
    """SELECT 1 on the kept-open database connection and a PING on the kept-open Redis one."""
    _query("SELECT 1", [])
    REDIS.ping()
    return JsonResponse({"status": "ok", "database": "ok", "redis": "ok"})


# ------------------------------------------------------------------------------------------------
# Customers and invoices
# ------------------------------------------------------------------------------------------------
CUSTOMER_SORTS = {
    "company": "company_name",
    "contact": "last_name",
    "email": "email",
    "active": "active_subscriptions",
    "unpaid": "unpaid_balance",
    "created": "created_at",
}


def _customer_where(request: HttpRequest, params: dict[str, Any]) -> str:
    where = "organisation_id = %(org)s"
    if term := request.GET.get("q", "").strip():
        params["q"] = f"%{term}%"
        where += (
            " AND ("
            + " OR ".join(
                f"UPPER({column}::text) LIKE UPPER(%(q)s)"
                for column in ("company_name", "first_name", "last_name", "email")
            )
            + ")"
        )
    return where


def customers(request: HttpRequest, org: int, portal: str) -> HttpResponseBase:
    params: dict[str, Any] = {"org": org}
    where = _customer_where(request, params)
    if request.GET.get("export") == "csv":
        return _csv(
            (
                "Account name",
                "Contact",
                "Email",
                "Active subscriptions",
                "Unpaid balance",
                "Created",
                "Phone",
                "City",
                "Country",
                "Customer id",
            ),
            f"SELECT company_name, first_name || ' ' || last_name, email, active_subscriptions, "
            f"unpaid_balance, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), phone, city, "
            f"country, public_id FROM orders_customer WHERE {where} ORDER BY company_name, id",
            params,
            "customers",
        )
    order, last = _keyset(request, CUSTOMER_SORTS, "company")
    rows = _query(
        "SELECT public_id, company_name, first_name, last_name, email, active_subscriptions, "
        "unpaid_balance, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') "
        f"FROM orders_customer WHERE {where} ORDER BY {order} LIMIT {PAGE_SIZE + 1}",
        params,
    )
    rows, more = _finish(rows, last)
    return _render("customers.html", {"rows": rows, "more": more, "portal": portal})


INVOICE_SORTS = {
    "date": "invoice_date",
    "due": "due_date",
    "number": "number",
    "amount": "amount",
    "balance": "balance",
}


def invoices(request: HttpRequest, org: int, portal: str) -> HttpResponseBase:
    get = request.GET
    today = timezone.localdate()
    params: dict[str, Any] = {"org": org, "today": today, "cap": TOTALS_CAP}
    where = "i.organisation_id = %(org)s"
    state = get.get("state", "")
    if state == "paid":
        where += " AND i.balance <= 0"
    elif state in ("unpaid", "overdue"):
        where += " AND i.balance > 0"
        if state == "overdue":
            where += " AND i.due_date < %(today)s"
    if owner := get.get("owner", ""):
        params["owner"] = owner
        where += " AND i.owner = %(owner)s"
    dated = False
    if after := get.get("issued_after", ""):
        params["after"], dated = after, True
        where += " AND i.invoice_date >= %(after)s"
    if before := get.get("issued_before", ""):
        params["before"], dated = before, True
        where += " AND i.invoice_date <= %(before)s"
    customer = get.get("customer", "")
    if customer:
        params["customer"] = customer
        # One set of ids from the two customer indexes, as the product reads it (an OR of the
        # two conditions reads every invoice of the partner: 2.3 s for a million).
        where += (
            " AND i.id IN (SELECT id FROM orders_invoice WHERE customer_id = (SELECT id FROM"
            " orders_customer WHERE public_id = %(customer)s AND organisation_id = %(org)s)"
            " UNION SELECT invoice_id FROM orders_invoiceitem WHERE customer_id = (SELECT id"
            " FROM orders_customer WHERE public_id = %(customer)s AND organisation_id = %(org)s))"
        )
    if get.get("export") == "csv":
        return _csv(
            (
                "Invoice date",
                "Due date",
                "Number",
                "Customer",
                "Amount",
                "Balance",
                "Status",
                "Invoice owner",
                "Currency",
                "Customer id",
            ),
            "SELECT i.invoice_date, i.due_date, i.number, COALESCE(c.company_name, ''), i.amount, "
            "i.balance, i.status, CASE i.owner WHEN 'partner' THEN 'Partner organisation' "
            "ELSE 'End customer' END, i.currency, COALESCE(c.public_id::text, '') "
            "FROM orders_invoice i LEFT JOIN orders_customer c ON c.id = i.customer_id "
            f"WHERE {where} ORDER BY i.invoice_date DESC, i.id DESC",
            params,
            "invoices",
        )
    summary = state in ("", "paid", "unpaid") and not customer and not dated
    if summary:
        # The kept summary answers these filters, as in the product.
        summary_where = "organisation_id = %(org)s"
        if owner:
            summary_where += " AND owner = %(owner)s"
        if state:
            params["payment_state"] = state
            summary_where += " AND payment_state = %(payment_state)s"
        totals = (
            "(SELECT json_agg(json_build_array(currency, n, amount, balance) ORDER BY currency)"
            " FROM (SELECT currency, SUM(count) AS n, SUM(amount) AS amount, SUM(balance) AS"
            f" balance FROM orders_invoicesummary WHERE {summary_where} GROUP BY currency"
            " HAVING SUM(count) > 0) s)::text"
        )
    else:
        totals = (
            "CASE WHEN (SELECT COUNT(*) FROM (SELECT 1 FROM orders_invoice i WHERE "
            f"{where} LIMIT %(cap)s + 1) capped) <= %(cap)s THEN COALESCE((SELECT "
            "json_agg(json_build_array(currency, n, amount, balance) ORDER BY currency) FROM "
            "(SELECT currency, COUNT(*) AS n, SUM(amount) AS amount, SUM(balance) AS balance "
            f"FROM orders_invoice i WHERE {where} GROUP BY currency) s)::text, '[]') END"
        )
    order, last = _keyset(request, INVOICE_SORTS, "-date")
    order = ", ".join(f"p.{term.strip()}" for term in order.split(","))
    rows = _query(
        f"SELECT t.totals, p.* FROM (SELECT {totals} AS totals) t LEFT JOIN LATERAL ("
        "SELECT i.id, i.invoice_date, i.due_date, i.number, i.amount, i.balance, "
        "i.public_id, to_char(i.invoice_date, 'YYYY-MM-DD') AS shown_date, "
        "to_char(i.due_date, 'YYYY-MM-DD') AS shown_due, c.public_id AS customer_id, "
        "c.company_name, i.currency, i.status, i.owner, "
        "i.balance > 0 AND i.due_date < %(today)s AS overdue "
        "FROM orders_invoice i LEFT JOIN orders_customer c ON c.id = i.customer_id "
        f"WHERE {where} ORDER BY {order.replace('p.', 'i.')} LIMIT {PAGE_SIZE + 1}"
        f") p ON true ORDER BY {order}",
        params,
    )
    totals_text = rows[0][0] if rows else None
    # (number, amount, balance, public id, date, due, customer id, company, currency, status,
    # owner, overdue)
    rows = [row[4:] for row in rows if row[1] is not None]
    rows, more = _finish(rows, last)
    return _render(
        "invoices.html",
        {
            "rows": rows,
            "more": more,
            "portal": portal,
            "totals": json.loads(totals_text) if totals_text else None,
            "capped": totals_text is None and not summary,
        },
    )


# ------------------------------------------------------------------------------------------------
# Registrations, opportunities, the back-office queue
# ------------------------------------------------------------------------------------------------
REGISTRATION_SORTS = {
    "created": "r.created_at",
    "name": "r.name",
    "closure": "r.expected_close_date",
    "company": "r.company_name",
}
PERSON = "COALESCE(NULLIF(TRIM(u.first_name || ' ' || u.last_name), ''), u.email)"


def _registration_order(request: HttpRequest) -> str:
    requested = request.GET.get("sort", "") or "-created"
    descending = requested.startswith("-")
    column = REGISTRATION_SORTS.get(requested.lstrip("-"), "r.created_at")
    direction = "DESC" if descending else "ASC"
    return f"{column} {direction}, r.id {direction}"


def _offset(request: HttpRequest) -> int:
    try:
        number = max(1, min(200, int(request.GET.get("page", "1"))))
    except ValueError:
        number = 1
    return (number - 1) * PAGE_SIZE


def registrations(request: HttpRequest, org: int, user: int, portal: str) -> HttpResponse:
    params: dict[str, Any] = {"org": org}
    where = "r.organisation_id = %(org)s"
    if request.GET.get("scope") != "all":
        params["user"] = user
        where += " AND r.created_by_id = %(user)s"
    if state := request.GET.get("state", ""):
        params["state"] = state
        where += " AND r.state = %(state)s"
    if term := request.GET.get("q", "").strip():
        params["q"] = f"%{term}%"
        where += (
            " AND (UPPER(r.name::text) LIKE UPPER(%(q)s)"
            " OR UPPER(r.company_name::text) LIKE UPPER(%(q)s))"
        )
    rows = _query(
        f"SELECT r.public_id, r.name, r.state, r.company_name, {PERSON}, "
        "to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), "
        "to_char(r.expected_close_date, 'YYYY-MM-DD') "
        "FROM registrations_opportunityregistration r "
        "JOIN accounts_user u ON u.id = r.representative_id "
        f"WHERE {where} ORDER BY {_registration_order(request)} "
        f"LIMIT {PAGE_SIZE + 1} OFFSET {_offset(request)}",
        params,
    )
    rows, more = _finish(rows, False)
    return _render(
        "registrations.html",
        {
            "rows": [(*row[:2], row[2], REGISTRATION_STATES[row[2]], *row[3:]) for row in rows],
            "more": more,
            "portal": portal,
        },
    )


def opportunities(request: HttpRequest, org: int, user: int, portal: str) -> HttpResponse:
    params: dict[str, Any] = {"org": org}
    where = "o.organisation_id = %(org)s"
    if request.GET.get("scope") != "all":
        params["user"] = user
        where += " AND o.created_by_id = %(user)s"
    rows = _query(
        f"SELECT o.public_id, o.name, c.name, o.stage, o.status, {PERSON}, "
        "to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), "
        "to_char(o.expected_close_date, 'YYYY-MM-DD') "
        "FROM registrations_opportunity o JOIN registrations_company c ON c.id = o.company_id "
        "JOIN accounts_user u ON u.id = o.representative_id "
        f"WHERE {where} ORDER BY o.created_at DESC, o.id DESC LIMIT {PAGE_SIZE + 1}",
        params,
    )
    rows, more = _finish(rows, False)
    return _render(
        "opportunities.html",
        {
            "rows": [
                (row[0], row[1], row[2], STAGES[row[3]], row[4], STATUSES[row[4]], *row[5:])
                for row in rows
            ],
            "more": more,
            "portal": portal,
        },
    )


OPEN = "('submitted', 'in_review', 'more_info')"
CONFLICT = " OR ".join(
    f"EXISTS (SELECT 1 FROM {table} x WHERE x.company_id = r.company_id AND {condition} "
    f"AND x.organisation_id {op} r.organisation_id)"
    for op in ("<", ">")
    for table, condition in (
        ("registrations_opportunityregistration", f"x.state IN {OPEN}"),
        ("registrations_opportunity", "x.status = 'open'"),
    )
)


def queue(request: HttpRequest, directions: str) -> HttpResponse:
    # A literal IN list, as the ORM writes it: ``= ANY(%s)`` with an array parameter is not an
    # equality the planner can walk the (direction, created) index with.
    dirs = ", ".join(str(int(d)) for d in directions.split("-"))
    params: dict[str, Any] = {}
    where = f"r.direction_id IN ({dirs})"
    if state := request.GET.get("state", ""):
        params["state"] = state
        where += " AND r.state = %(state)s"
    counts = ", ".join(
        f"(SELECT COUNT(*) FROM (SELECT 1 FROM registrations_opportunityregistration WHERE "
        f"direction_id IN ({dirs}) AND state = '{key}' LIMIT {STATE_COUNT_CAP + 1}) c) "
        f"AS {key}"
        for key in REGISTRATION_STATES
    )
    rows = _query(
        f"SELECT n.*, p.* FROM (SELECT {counts}, (SELECT string_agg(name, ', ' ORDER BY name) "
        f"FROM partners_salesdirection WHERE id IN ({dirs})) AS directions) n "
        "LEFT JOIN LATERAL (SELECT r.public_id, r.name, r.state, o.name AS partner, "
        "r.company_name, a.email, to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), "
        f"to_char(r.expected_close_date, 'YYYY-MM-DD'), ({CONFLICT}) AS conflict "
        "FROM registrations_opportunityregistration r "
        "JOIN partners_partnerorganisation o ON o.id = r.organisation_id "
        "LEFT JOIN accounts_user a ON a.id = r.assigned_to_id "
        f"WHERE {where} ORDER BY {_registration_order(request)} LIMIT {PAGE_SIZE + 1}"
        ") p ON true",
        params,
    )
    states = len(REGISTRATION_STATES)
    counted = rows[0][:states] if rows else (0,) * states
    shown = [row[states + 1 :] for row in rows if row[states + 1] is not None]
    shown, more = _finish(shown, False)
    return _render(
        "queue.html",
        {
            "directions": rows[0][states] if rows else "",
            "counts": [
                (key, label, f"{STATE_COUNT_CAP:,}+" if n > STATE_COUNT_CAP else f"{n:,}")
                for (key, label), n in zip(REGISTRATION_STATES.items(), counted, strict=True)
            ],
            "rows": [(*row[:2], row[2], REGISTRATION_STATES[row[2]], *row[3:]) for row in shown],
            "more": more,
        },
    )


# ------------------------------------------------------------------------------------------------
# Pages that are not lists
# ------------------------------------------------------------------------------------------------
LIVE_OFFER = (
    "o.label = pg.label AND (o.active_from IS NULL OR o.active_from <= now()) "
    "AND (o.active_until IS NULL OR o.active_until > now()) "
    "AND EXISTS (SELECT 1 FROM offers_offer_channels oc JOIN offers_saleschannel ch "
    "ON ch.id = oc.saleschannel_id WHERE oc.offer_id = o.id AND ch.code = 'partner') "
    "AND EXISTS (SELECT 1 FROM offers_offer_eligible_organisations e WHERE e.offer_id = o.id "
    "AND e.partnerorganisation_id = %(org)s)"
)


def home(request: HttpRequest, org: int, portal_id: int, portal: str) -> HttpResponse:
    """The portal's title, the organisation, its sections and pricing pages: one query."""
    rows = _query(
        "SELECT pp.title, po.name, m.role, x.kind, x.key, x.title, x.introduction FROM "
        "partners_partnerportal pp JOIN partners_partnerorganisation po ON po.id = %(org)s "
        "LEFT JOIN partners_partnermembership m ON m.organisation_id = po.id "
        "AND m.user_id = %(user)s "
        "LEFT JOIN LATERAL ("
        "SELECT 1 AS kind, pg.display_order AS position, pg.slug AS key, pg.title, "
        "pg.introduction FROM offers_pricingpage pg WHERE pg.portal_id = pp.id AND pg.is_active "
        f"AND EXISTS (SELECT 1 FROM offers_offer o WHERE {LIVE_OFFER}) "
        "UNION ALL SELECT 2, s.position, s.section, '', '' FROM partners_portalsection s "
        "WHERE s.portal_id = pp.id) x ON true WHERE pp.id = %(portal)s "
        "ORDER BY x.kind, x.position, x.title",
        {"org": org, "portal": portal_id, "user": int(request.GET.get("user", "0"))},
    )
    head = rows[0]
    pages = [(row[4], row[5], row[6]) for row in rows if row[3] == 1]
    sections = [(row[4], *SECTIONS[row[4]]) for row in rows if row[3] == 2 and row[4] in SECTIONS]
    return _render(
        "home.html",
        {
            "title": head[0],
            "organisation": head[1],
            "role": head[2] or "member",
            "pages": pages,
            "sections": sections,
            "portal": portal,
        },
    )


def pricing_page(
    request: HttpRequest, org: int, portal_id: int, portal: str, slug: str
) -> HttpResponse:
    rows = _query(
        "SELECT pg.title, pg.introduction, o.code, o.name, o.price, o.currency, "
        "o.billing_period, o.term_months, o.auto_renew, o.description, cp.slug "
        "FROM offers_pricingpage pg LEFT JOIN LATERAL (SELECT o.* FROM offers_offer o "
        f"WHERE {LIVE_OFFER} ORDER BY o.display_order, o.name) o ON true "
        "LEFT JOIN offers_checkoutpage cp ON cp.id = o.checkout_page_id "
        "WHERE pg.portal_id = %(portal)s AND pg.slug = %(slug)s AND pg.is_active",
        {"org": org, "portal": portal_id, "slug": slug},
    )
    return _render(
        "pricing_page.html",
        {
            "title": rows[0][0],
            "introduction": rows[0][1],
            "offers": [row[2:] for row in rows if row[2] is not None],
            "portal": portal,
        },
    )


def registration(request: HttpRequest, portal: str, public_id: str) -> HttpResponse:
    """A registration with its company, contact, people, attachments and partner feed."""
    rows = _query(
        "SELECT r.name, r.state, r.state_reason, r.product, r.company_name, r.new_company, "
        "r.company_website, r.company_tin, c.website, "
        "TRIM(r.contact_first_name || ' ' || r.contact_last_name), r.new_contact, "
        "r.contact_email, r.contact_phone, ct.email, ct.phone, "
        "COALESCE(NULLIF(TRIM(rep.first_name || ' ' || rep.last_name), ''), rep.email), "
        "COALESCE(NULLIF(TRIM(cb.first_name || ' ' || cb.last_name), ''), cb.email), "
        "r.budget, to_char(r.expected_close_date, 'FMDD Mon YYYY'), r.customer_requirements, "
        "to_char(r.created_at AT TIME ZONE 'UTC', 'FMDD Mon YYYY HH24:MI'), r.public_id, "
        "(SELECT json_agg(json_build_array(a.kind, a.side, COALESCE(NULLIF(TRIM(u.first_name "
        "|| ' ' || u.last_name), ''), u.email), a.body, a.from_state, a.to_state, "
        "to_char(a.created_at AT TIME ZONE 'UTC', 'FMDD Mon YYYY HH24:MI')) "
        "ORDER BY a.created_at, a.id) FROM registrations_activityentry a "
        "LEFT JOIN accounts_user u ON u.id = a.author_id WHERE a.registration_id = r.id "
        "AND a.kind IN ('comment', 'event'))::text, "
        "(SELECT json_agg(json_build_array(f.public_id, f.original_name, f.size)) "
        "FROM registrations_attachment f WHERE f.registration_id = r.id)::text, "
        "(SELECT json_build_array(o.public_id, o.name) FROM registrations_opportunity o "
        "WHERE o.registration_id = r.id)::text "
        "FROM registrations_opportunityregistration r "
        "LEFT JOIN registrations_company c ON c.id = r.company_id "
        "LEFT JOIN registrations_contact ct ON ct.id = r.contact_id "
        "JOIN accounts_user rep ON rep.id = r.representative_id "
        "JOIN accounts_user cb ON cb.id = r.created_by_id WHERE r.public_id = %s",
        [public_id],
    )
    row = rows[0]
    return _render(
        "registration.html",
        {
            "r": row,
            "state_label": REGISTRATION_STATES[row[1]],
            "feed": json.loads(row[22] or "[]"),
            "attachments": json.loads(row[23] or "[]"),
            "opportunity": json.loads(row[24]) if row[24] else None,
            "portal": portal,
        },
    )


def checkout(request: HttpRequest, org: int, portal: str, slug: str) -> HttpResponse:
    """The checkout form: the offer, its page, the first 50 customers, 250 countries; a POST
    places the order (:func:`checkout_place`)."""
    if request.method == "POST":
        return checkout_place(request, org, portal, slug)
    rows = _query(
        "SELECT o.code, o.name, o.price, o.currency, o.billing_period, o.term_months, "
        "cp.title, cp.terms, po.name, c.public_id, c.company_name, c.first_name, c.last_name "
        "FROM offers_offer o JOIN offers_checkoutpage cp ON cp.id = o.checkout_page_id "
        "JOIN partners_partnerorganisation po ON po.id = %(org)s "
        "LEFT JOIN LATERAL (SELECT public_id, company_name, first_name, last_name, id "
        "FROM orders_customer WHERE organisation_id = %(org)s ORDER BY company_name, id "
        "LIMIT 51) c ON true WHERE o.code = %(offer)s AND cp.slug = %(slug)s "
        "ORDER BY c.company_name, c.id",
        {"org": org, "offer": request.GET.get("offer", ""), "slug": slug},
    )
    head = rows[0]
    customers = [row[9:] for row in rows if row[9] is not None]
    return _render(
        "checkout.html",
        {
            "offer": head,
            "customers": customers[:50],
            "more": len(customers) > 50,
            "countries": COUNTRY_OPTIONS,
            "today": timezone.localdate().isoformat(),
            "portal": portal,
            "slug": slug,
        },
    )


# Every row an order for a new customer makes (``orders.services.order_place``): the customer,
# the subscription, the order (with its subscription), the billing schedule of the first term
# and its renewal or end row, an outbox row per target. One statement (data-modifying CTEs),
# so one round trip, in one transaction. No checks, no broker message: the floor of a POST.
PLACE_ORDER = """
WITH o AS (
    SELECT o.id, o.price, o.currency, o.billing_period, o.term_months, o.auto_renew,
           CASE o.billing_period WHEN 'year' THEN 12 ELSE 1 END AS period
    FROM offers_offer o JOIN offers_checkoutpage cp ON cp.id = o.checkout_page_id
    WHERE o.code = %(offer)s AND cp.slug = %(slug)s
), c AS (
    INSERT INTO orders_customer (public_id, organisation_id, company_name, first_name,
        last_name, email, phone, address_line1, address_line2, city, postal_code, region,
        country, created_by_id, created_at, zuora_account_id, salesforce_account_id,
        salesforce_contact_id, active_subscriptions, unpaid_balance)
    VALUES (gen_random_uuid(), %(org)s, %(company_name)s, %(first_name)s, %(last_name)s,
        lower(%(email)s), %(phone)s, %(address_line1)s, %(address_line2)s, %(city)s,
        %(postal_code)s, %(region)s, %(country)s, %(user)s, now(), '', '', '', 0, 0)
    RETURNING id
), s AS (
    INSERT INTO orders_subscription (public_id, organisation_id, customer_id, offer_id,
        quantity, status, start_date, term_end_date, auto_renew, created_at, zuora_account_id,
        zuora_subscription_id, zuora_subscription_number)
    SELECT gen_random_uuid(), %(org)s, c.id, o.id, %(quantity)s, 'pending', %(start)s::date,
        (%(start)s::date + make_interval(months => o.term_months))::date, o.auto_renew, now(),
        '', '', ''
    FROM o, c
    RETURNING id, term_end_date
), r AS (
    INSERT INTO orders_order (public_id, organisation_id, type, customer_id, offer_id,
        placed_by_id, quantity, unit_price, currency, billing_period, term_months, po_number,
        terms_accepted_at, idempotency_key, created_at, cancel_reason, subscription_id)
    SELECT gen_random_uuid(), %(org)s, 'new', c.id, o.id, %(user)s, %(quantity)s, o.price,
        o.currency, o.billing_period, o.term_months, %(po_number)s, now(),
        %(idempotency_key)s::uuid, now(), '', s.id
    FROM o, c, s
    RETURNING id, public_id, subscription_id
), sc AS (
    INSERT INTO orders_schedule (organisation_id, subscription_id, order_id, kind, date,
        amount, currency)
    SELECT %(org)s, r.subscription_id, r.id, 'billing',
        (%(start)s::date + make_interval(months => k * o.period))::date,
        o.price * %(quantity)s, o.currency
    FROM o, r, generate_series(0, o.term_months / o.period - 1) AS k
    UNION ALL
    SELECT %(org)s, r.subscription_id, r.id,
        CASE WHEN o.auto_renew THEN 'renewal' ELSE 'end' END, s.term_end_date, NULL, ''
    FROM o, r, s
), ob AS (
    INSERT INTO integrations_outboxmessage (organisation_id, order_id, target, state,
        attempts, waits, last_error_code, last_error, next_attempt_at, claimed_by,
        created_at, updated_at)
    SELECT %(org)s, r.id, t.target, 'pending', 0, 0, '', '', now(), '', now(), now()
    FROM r, (VALUES ('salesforce'), ('zuora')) AS t(target)
)
SELECT public_id FROM r
"""
CUSTOMER_FIELDS = [
    "company_name",
    "first_name",
    "last_name",
    "email",
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "postal_code",
    "region",
    "country",
]


def checkout_place(request: HttpRequest, org: int, portal: str, slug: str) -> HttpResponse:
    """The floor of the checkout POST: the rows of an order, one raw INSERT transaction, and
    the redirect to the confirmation (the acting user is ``?user=``, as the floor's home)."""
    post = request.POST
    params: dict[str, object] = {name: post.get(name, "") for name in CUSTOMER_FIELDS}
    params |= {
        "org": org,
        "user": int(request.GET["user"]),
        "offer": request.GET.get("offer", ""),
        "slug": slug,
        "quantity": int(post["quantity"]),
        "start": post["start_date"],
        "po_number": post.get("po_number", ""),
        "idempotency_key": post["idempotency_key"],
    }
    try:
        with transaction.atomic():
            (public_id,) = _query(PLACE_ORDER, params)[0]
    except IntegrityError:  # the same form again (a double click): its order
        (public_id,) = _query(
            "SELECT public_id FROM orders_order WHERE idempotency_key = %s",
            [params["idempotency_key"]],
        )[0]
    response = HttpResponse(status=302)
    response["Location"] = f"/p/{portal}/orders/{public_id}/"
    return response
