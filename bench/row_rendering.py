"""What rendering a list's rows costs, three ways: Django's template language, Jinja2, Python.

Issue #12 asks to measure the alternatives before keeping one. The same 25 rows of alice's
registrations (the benchmark data of ``bench/pages.py``) and the same cells (the name linked to
its page, the state badge, the company, the representative, the two dates as the reader writes
them) are rendered:

- by a Django template written the way the lists were before ``core.lists.table_rows``: a
  ``{% url %}``, an ``{% include %}`` of the state badge and the date filter on each row;
- by the same template in Jinja2 (autoescaping, the URL reversed once a page, the badge from
  the table's own function), the "second template backend for the hot fragments" option;
- by ``core.lists.table_rows`` (what the pages use), HTML joined in Python with every value
  escaped.

Jinja2 is not a dependency of the project; this script runs it beside the environment (uv:
the one on PATH, or ``.tools/bin/uv``, which ``bin/test`` installs when there is none):

    uv run --with jinja2==3.1.6 python bench/row_rendering.py   # about 20 s

It checks that the three give the same cells (tags and whitespace aside), then writes the
medians to ``bench/results/row-rendering.md``.
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pp_bench")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402  # after the settings module is chosen

django.setup()

import jinja2  # noqa: E402  # after django.setup()
import markupsafe  # noqa: E402  # after django.setup(); Jinja2's own dependency
from django.template import engines  # noqa: E402  # after django.setup()
from django.urls import reverse  # noqa: E402  # after django.setup()

from accounts.models import User  # noqa: E402  # after django.setup()
from core.formatting import day  # noqa: E402  # after django.setup()
from core.lists import table_rows, url_for_each  # noqa: E402  # after django.setup()
from registrations import selectors  # noqa: E402  # after django.setup()
from registrations.columns import REGISTRATION_COLUMNS, state_badge  # noqa: E402  # after django.setup()
from registrations.states import RegistrationState  # noqa: E402  # after django.setup()

ROWS = 25
RUNS = 1000

DJANGO_ROWS = "".join(
    (
        "{% load formatting %}{% for r in rows %}",
        '<tr data-testid="registration-row"><td data-label="Name"><a href="',
        "{% url 'portal:registration_detail' path_name=path_name registration_id=r.public_id %}",
        '">{{ r.name }}</a></td><td data-label="State">',
        '{% include "registrations/partials/state_badge.html" with state=r.state',
        " label=r.get_state_display %}</td>",
        '<td data-label="Company">{{ r.company_name }}</td><td data-label="Representative">',
        "{{ r.representative.get_full_name|default:r.representative.email }}</td>",
        '<td class="text-nowrap" data-label="Created">{{ r.created_at|day }}</td>',
        '<td class="text-nowrap" data-label="Estimated closure">',
        '{{ r.expected_close_date|day|default:"—" }}</td></tr>\n{% endfor %}',
    )
)

JINJA_ROWS = "".join(
    (
        "{% for r in rows %}",
        '<tr data-testid="registration-row"><td data-label="Name">',
        '<a href="{{ detail(r.public_id) }}">{{ r.name }}</a></td>',
        '<td data-label="State">{{ badge(r.state, state_label(r.state)) }}</td>',
        '<td data-label="Company">{{ r.company_name }}</td><td data-label="Representative">',
        "{{ r.representative.get_full_name() or r.representative.email }}</td>",
        '<td class="text-nowrap" data-label="Created">{{ r.created_at|day }}</td>',
        '<td class="text-nowrap" data-label="Estimated closure">',
        '{{ r.expected_close_date|day or "—" }}</td></tr>\n{% endfor %}',
    )
)


def cells(html: str) -> list[str]:
    """Each cell's text, tags and spacing aside: what the reader sees."""
    found = re.findall(r"<td[^>]*>(.*?)</td>", html, flags=re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip() for cell in found]


def median_ms(render: Callable[[], str]) -> float:
    for _ in range(20):
        render()
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        render()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    alice = User.objects.select_related("partner_membership__organisation").get(
        email="alice@northwind.example"
    )
    organisation = alice.partner_membership.organisation
    path_name = organisation.direction.portal.path_name
    listing = selectors.registration_list(
        partner=organisation, user=alice, scope=selectors.Scope.MINE, filters=None
    )
    rows = list(listing.rows.order_by("-created_at", "-id")[:ROWS])
    columns = [column for column in REGISTRATION_COLUMNS if column.in_table]

    django_template = engines["django"].from_string(DJANGO_ROWS)
    environment = jinja2.Environment(autoescape=True)
    environment.filters["day"] = day
    jinja_template = environment.from_string(JINJA_ROWS)

    def django_rows() -> str:
        return django_template.render({"rows": rows, "path_name": path_name})

    def jinja_rows() -> str:
        detail = url_for_each(
            "portal:registration_detail", key="registration_id", path_name=path_name
        )
        return jinja_template.render(
            rows=rows,
            detail=detail,
            state_label=lambda state: RegistrationState(state).label,
            # The badge as the table draws it (its HTML escapes the label itself).
            badge=lambda state, label: markupsafe.Markup(state_badge(state, label)),
        )

    def python_rows() -> str:
        detail = url_for_each(
            "portal:registration_detail", key="registration_id", path_name=path_name
        )
        return table_rows(
            rows, columns, testid="registration-row", row_url=lambda r: detail(r.public_id)
        )

    expected = cells(python_rows())
    for name, render in (("Django", django_rows), ("Jinja2", jinja_rows)):
        if cells(render()) != expected:
            raise SystemExit(f"{name} renders other cells than table_rows")
    first = reverse(
        "portal:registration_detail",
        kwargs={"path_name": path_name, "registration_id": rows[0].public_id},
    )
    if first not in django_rows() or first not in jinja_rows() or first not in python_rows():
        raise SystemExit("the three do not link the rows alike")

    results = [
        ("Django template (per-row `{% url %}`, `{% include %}`, filters)", median_ms(django_rows)),
        ("Jinja2 (autoescape, URL reversed once a page)", median_ms(jinja_rows)),
        ("Python (`core.lists.table_rows`, what the pages use)", median_ms(python_rows)),
    ]
    fastest = min(ms for _, ms in results)
    lines = [
        "# What rendering a list's rows costs: Django templates, Jinja2, Python",
        "",
        f"Written by `bench/row_rendering.py`: {ROWS} rows of alice's registrations, 6 cells "
        f"each, the same cells three ways (checked), median of {RUNS} renders in process, "
        f"Jinja2 {jinja2.__version__}.",
        "",
        "| renderer | ms a page | µs a row | × the fastest |",
        "|---|---|---|---|",
    ]
    for name, ms in results:
        lines.append(f"| {name} | {ms:.2f} | {ms * 1000 / ROWS:.0f} | {ms / fastest:.1f} |")
    lines.append("")
    out = ROOT / "bench" / "results" / "row-rendering.md"
    out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
