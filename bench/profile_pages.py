"""Where a product page's time goes, in process: each middleware, the view, the template, SQL.

Usage (the data of ``bench/pages.py``; production settings, DEBUG=0):

    .venv/bin/python bench/profile_pages.py [--requests 40] [--only invoices]

Each page of ``bench/pages.py`` (CSV exports left out) is requested through Django's own handler
(the test client, with the same session cookie a browser would send), warmed up, then
``--requests`` times. Every middleware's ``get_response`` is wrapped with a timer, so each
middleware's own time (and its queries) is what it spends outside the layers below it; the
template's time is the backend's ``Template.render``; "view" is the rest of the request under
the middlewares. Medians per request. Writes ``bench/results/pages-profile.md``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import pages as harness  # noqa: E402  # bench/pages.py sets the production environment

os.environ["ALLOWED_HOSTS"] = "127.0.0.1,testserver"


class Probe:
    """Per request: the time and queries inside each middleware layer, and in templates."""

    def __init__(self) -> None:
        self.inside: list[float] = []
        self.queries_inside: list[int] = []
        self.template = 0.0
        self.template_queries = 0

    def reset(self, layers: int) -> None:
        self.inside = [0.0] * layers
        self.queries_inside = [0] * layers
        self.template = 0.0
        self.template_queries = 0


def instrument(handler: Any, probe: Probe) -> list[str]:
    """Wrap the ``get_response`` of every middleware instance of ``handler``'s chain."""
    from django.db import connection

    names = []
    layer = handler._middleware_chain
    while hasattr(layer, "__wrapped__"):
        instance = layer.__wrapped__
        cell = None
        if hasattr(instance, "get_response"):
            names.append(type(instance).__module__ + "." + type(instance).__name__)
            inner = instance.get_response
        elif "get_response" in getattr(getattr(instance, "__code__", None), "co_freevars", ()):
            # A function middleware (allauth's): its next layer is in its closure.
            names.append(instance.__module__ + "." + instance.__qualname__.split(".")[0])
            cell = instance.__closure__[instance.__code__.co_freevars.index("get_response")]
            inner = cell.cell_contents
        else:
            break
        index = len(names) - 1

        def timed(request: Any, inner: Callable[[Any], Any] = inner, index: int = index) -> Any:
            queries = len(connection.queries_log)
            started = time.perf_counter()
            try:
                return inner(request)
            finally:
                probe.inside[index] += time.perf_counter() - started
                probe.queries_inside[index] += len(connection.queries_log) - queries

        if cell is None:
            instance.get_response = timed
        else:
            cell.cell_contents = timed
        layer = inner
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--only", default="")
    args = parser.parse_args()

    # Production settings serve static files from whitenoise's manifest.
    harness.subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=harness.ROOT,
        env=harness.ENV,
        check=True,
    )
    w = harness.world()
    keys = harness.sessions(w["users"])
    from django.db import connection
    from django.template.backends.django import Template
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    probe = Probe()
    original_render = Template.render

    def render(self: Any, *a: Any, **k: Any) -> Any:
        queries = len(connection.queries_log)
        started = time.perf_counter()
        try:
            return original_render(self, *a, **k)
        finally:
            probe.template += time.perf_counter() - started
            probe.template_queries += len(connection.queries_log) - queries

    Template.render = render  # type: ignore[method-assign]  # a benchmark's probe

    lines = [
        "# Where the product's time goes, in process",
        "",
        "Written by `bench/profile_pages.py`: each page through Django's handler (production "
        f"settings, DEBUG=0), {args.requests} requests after a warm-up, medians per request. "
        "A middleware's time is its own (outside the layers below it); *view* is the rest under "
        "the middlewares without the template; SQL is the database's time as the client saw it "
        "(every query of the request).",
        "",
    ]
    names: list[str] = []
    for page in harness.pages(w):
        if page.product is None or page.csv or args.only not in page.name:
            continue
        client = Client(HTTP_HOST="127.0.0.1")
        if page.who:
            client.cookies["sessionid"] = keys[page.who]
        for _ in range(3):
            client.get(page.product)
        if not names:
            names = instrument(client.handler, probe)
        else:
            instrument(client.handler, probe)
        totals: list[float] = []
        own: dict[str, list[float]] = defaultdict(list)
        own_queries: dict[str, int] = {}
        sql: list[float] = []
        counts: list[int] = []
        for _ in range(args.requests):
            probe.reset(len(names))
            connection.queries_log.clear()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(page.product)
                totals.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise SystemExit(f"{page.product} answered {response.status_code}")
            sql.append(sum(float(q["time"]) for q in captured.captured_queries))
            counts.append(len(captured.captured_queries))
            outer, outer_queries = totals[-1], len(captured.captured_queries)
            for index, name in enumerate(names):
                own[name].append(outer - probe.inside[index])
                own_queries[name] = outer_queries - probe.queries_inside[index]
                outer, outer_queries = probe.inside[index], probe.queries_inside[index]
            own["view (without the template)"].append(outer - probe.template)
            own_queries["view (without the template)"] = outer_queries - probe.template_queries
            own["template"].append(probe.template)
            own_queries["template"] = probe.template_queries
        median = statistics.median
        lines += [
            f"## {page.name} `{page.product}`",
            "",
            f"{median(totals) * 1000:.2f} ms a request, {median(counts)} queries, "
            f"SQL {median(sql) * 1000:.2f} ms.",
            "",
            "| layer | ms | queries |",
            "|---|---|---|",
        ]
        for name, values in own.items():
            lines.append(f"| {name} | {median(values) * 1000:.2f} | {own_queries[name]} |")
        lines.append("")
        print("\n".join(lines[-(len(own) + 6) :]), flush=True)
    out = harness.RESULTS / ("pages-profile.md" if not args.only else "pages-profile-partial.md")
    out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
