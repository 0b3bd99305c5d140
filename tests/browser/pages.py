"""Every page a persona can reach, found from the URL resolver (not typed by hand).

Each route is filled the way the tenant sweeps fill theirs (``tests/portal/test_policy.py`` for
/p/, ``tests/backoffice/test_policy.py`` for /backoffice/), with records of organisation a1 and
its direction; the admin's object pages with the first row of their model. A route is one of the
persona's pages when the persona's GET answers 200 with a whole HTML document (htmx fragments,
CSV, PDF and redirects are not pages).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.test import Client
from django.urls import URLPattern, get_resolver

from tests.backoffice.test_policy import records_of, theirs_url
from tests.portal.test_policy import PortalRoute, fill, walk
from tests.world import World

# Django admin's pages of a model that are forms or lists (its delete and history pages, and the
# object-permission pages django-guardian adds, are not the project's).
ADMIN_PAGES = ("_changelist", "_add", "_change")

# Routes with regex groups are allauth's: one-time links from an email (a key no persona has)
# and the identity providers' endpoints (redirects and XML, not pages).


@dataclass(frozen=True)
class Candidate:
    route: str
    pattern: URLPattern


def _candidates() -> Iterator[Candidate]:
    for route, pattern in walk(get_resolver().url_patterns):
        if "(?P<" not in route:
            yield Candidate(route, pattern)


def _project_app(label: str) -> bool:
    """Is ``label`` one of the project's own apps (not Django's, allauth's, ...)?"""
    config = next((c for c in apps.get_app_configs() if c.label == label), None)
    return config is not None and Path(config.path).parent == Path(settings.BASE_DIR)


def _admin_url(candidate: Candidate) -> str | None:
    """The admin URL of one of the project's models' list, add or change pages (or a page of
    its own the project adds), or None."""
    match = re.fullmatch(r"admin/(\w+)/(\w+)/(.*)", candidate.route)
    if match is None:
        return "/admin/" if candidate.pattern.name == "index" else None
    app_label, model_name, _ = match.groups()
    if not _project_app(app_label):
        return None
    name = candidate.pattern.name or ""
    own = candidate.pattern.callback.__module__.startswith(f"{app_label}.")
    if not (own or name.endswith(ADMIN_PAGES)):
        return None
    params = set(candidate.pattern.pattern.converters)
    if not params:
        return "/" + candidate.route
    if params != {"object_id"}:
        return None
    row = apps.get_model(app_label, model_name)._default_manager.order_by("pk").first()
    if row is None:
        return None
    return "/" + re.sub(r"<(?:\w+:)?object_id>", str(row.pk), candidate.route)


def candidate_urls(world: World) -> list[str]:
    """Every URL the resolver has, filled with a1's records (made here) where it takes ids."""
    records = records_of(world.a1)
    urls = []
    for candidate in _candidates():
        route, pattern = candidate.route, candidate.pattern
        params = tuple(pattern.pattern.converters)
        if route.startswith("admin/"):
            url = _admin_url(candidate)
        elif route.startswith("p/<str:path_name>/"):
            rest = route.removeprefix("p/<str:path_name>/")
            portal_route = PortalRoute(rest, pattern.name or "", pattern.callback, params)
            url = fill(portal_route, world, world.a1)
        elif route.startswith("backoffice/"):
            url = theirs_url(route, pattern, records)
        elif params:
            url = None  # outside the portal, an id names a download (the account's invoice PDF)
        else:
            url = "/" + route
        if url is not None:
            urls.append(url)
    return sorted(set(urls))


def is_page(response: HttpResponseBase) -> bool:
    """A whole HTML document (not a fragment, a download or a redirect)."""
    if not isinstance(response, HttpResponse) or response.status_code != 200:
        return False  # a streamed response is a download (CSV, PDF)
    if not response.headers.get("Content-Type", "").startswith("text/html"):
        return False
    return b"<html" in response.content[:500].lower()


def reachable_pages(client: Client, urls: list[str]) -> list[str]:
    """The URLs among ``urls`` that ``client``'s persona gets as a page."""
    return [url for url in urls if is_page(client.get(url))]
