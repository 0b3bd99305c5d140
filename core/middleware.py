"""Input no view should see: control characters in the address.

PostgreSQL refuses a NUL in a text value ("A string literal cannot contain NUL"), so a NUL that
reaches a query is a 500; the other control characters have no business in a URL either. This
middleware answers 400, before sessions or anything else reads the database, for a path, a query
parameter name or value holding one (tab, line feed and carriage return are let through in
values: pasted search terms carry them). Form fields are checked by Django's own forms (a NUL is
a field error there).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

_IN_PATH = re.compile(r"[\x00-\x1f\x7f]")
_IN_VALUE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def control_character_problem(request: HttpRequest) -> str:
    """Why the request's address cannot be served, or ""."""
    if _IN_PATH.search(request.path):
        return _("The address contains a control character.")
    for name, values in request.GET.lists():
        if _IN_PATH.search(name) or any(_IN_VALUE.search(value) for value in values):
            return _("The parameter %(name)r contains a control character.") % {
                "name": _IN_PATH.sub("?", name)
            }
    return ""


class RejectControlCharactersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = control_character_problem(request)
        if problem:
            raise BadRequest(problem)
        return self.get_response(request)
