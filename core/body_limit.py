"""Request bodies over a size limit are refused before anything reads them.

Django caps what it keeps in memory (``DATA_UPLOAD_MAX_MEMORY_SIZE``) but not a multipart file
body: an upload of any size is read to the end, spooled to a temporary file, and only then
refused by the form. This middleware answers from the headers instead, before the body is read:

- a declared ``Content-Length`` over ``REQUEST_BODY_MAX_SIZE``: 413 in the site's layout;
- a body without a ``Content-Length`` (``Transfer-Encoding: chunked``): 411. Django's WSGI
  handler reads at most ``Content-Length`` bytes and treats a missing one as 0, so such a body
  would reach the view silently empty; browsers always send the length of a form.

So no request reads more than the limit: under WSGI (gunicorn, runserver) the body is a stream
that Django reads lazily, and this runs before the first middleware that reads it (CSRF).
Under ASGI Django reads the whole body before any middleware runs: the product is served by
gunicorn's WSGI workers, and a proxy in front should refuse the same size itself.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


def declared_length(request: HttpRequest) -> int | None:
    """The body's declared length in bytes; ``None`` when the request declares none."""
    value = request.META.get("CONTENT_LENGTH", "")
    if value in ("", None):
        return None
    try:
        length = int(value)
    except ValueError:
        length = -1
    if length < 0:
        raise BadRequest(_("The Content-Length header is not a byte count."))
    return length


class RequestBodyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.limit: int = settings.REQUEST_BODY_MAX_SIZE

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = declared_length(request)
        if length is not None and length > self.limit:
            return render(request, "413.html", {"limit": filesizeformat(self.limit)}, status=413)
        if length is None and request.META.get("HTTP_TRANSFER_ENCODING", "").strip():
            return render(
                request,
                "400.html",
                {"reason": _("A request body must state its length (Content-Length).")},
                status=411,
            )
        return self.get_response(request)
