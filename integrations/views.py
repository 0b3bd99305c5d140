"""/backoffice/outbox/: the sync state of every push with its attempts, and "retry now".

Staff only (``backoffice_view``); every read goes through ``integrations.selectors``, which
scopes rows to the user's sales directions, so another direction's row answers 404 on its page
and on its retry button, and is silently left out of a bulk retry.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from backoffice_access.context import AgentContext, backoffice_view
from core.lists import list_response
from integrations import selectors
from integrations.columns import OUTBOX_COLUMNS
from integrations.models import OutboxAttempt, OutboxMessage, OutboxState
from integrations.sending import outbox_retry_now
from orders.models import Customer


@require_GET
@backoffice_view
def outbox_list(request: HttpRequest, agent: AgentContext) -> HttpResponseBase:
    """The rows the user may see, filtered, newest first, with counts by state; CSV with
    ``?export=csv``."""
    counts = selectors.outbox_state_counts(messages=selectors.outbox_for_staff(agent=agent))
    return list_response(
        request,
        listing=selectors.outbox_list(agent=agent, filters=request.GET),
        columns=OUTBOX_COLUMNS,
        template="integrations/outbox_list.html",
        context={
            "counts": [(state, counts[state.value]) for state in OutboxState],
            "count_cap": selectors.STATE_COUNT_CAP,
            "retryable_states": [state.value for state in selectors.RETRYABLE_STATES],
        },
        export_filename="outbox",
    )


def _duration(attempt: OutboxAttempt) -> timedelta | None:
    if attempt.finished_at is None:
        return None
    return attempt.finished_at - attempt.started_at


@require_GET
@backoffice_view
def outbox_detail(request: HttpRequest, agent: AgentContext, message_id: int) -> HttpResponse:
    """One row: its order, customer and organisation, and the full attempt log."""
    message = selectors.outbox_get_for_staff_or_404(agent=agent, message_id=message_id)
    attempts = [
        (attempt, _duration(attempt)) for attempt in selectors.outbox_attempts(message=message)
    ]
    return render(
        request,
        "integrations/outbox_detail.html",
        {
            "message": message,
            "order": message.order,
            "update": message.customer_update,
            "customer": _customer(message),
            "attempts": attempts,
            "can_retry": message.state in selectors.RETRYABLE_STATES,
        },
    )


def _customer(message: OutboxMessage) -> Customer | None:
    if message.order is not None:
        return message.order.customer
    if message.customer_update is not None:
        return message.customer_update.customer
    return None


def _report_retried(request: HttpRequest, retried: list[int]) -> None:
    if retried:
        text = ngettext("%(n)d row was re-queued.", "%(n)d rows were re-queued.", len(retried)) % {
            "n": len(retried)
        }
        messages.success(request, text)
    else:
        # Pressed twice, or the worker got there first: nothing is left to re-queue.
        messages.info(request, _("0 rows re-queued: already queued."))


@require_POST
@backoffice_view
def outbox_retry(
    request: HttpRequest, agent: AgentContext, message_id: int
) -> HttpResponseRedirect:
    """ "Retry now" on one row; 404 outside the user's scope, a no-op when already queued."""
    message = selectors.outbox_get_for_staff_or_404(agent=agent, message_id=message_id)
    _report_retried(request, outbox_retry_now(message_ids=[message.pk]))
    return redirect("outbox:detail", message_id=message.pk)


def _ids(values: list[str]) -> list[int]:
    # isascii(): str.isdigit() also accepts digits such as "²" that int() refuses.
    return [int(value) for value in values if value.isascii() and value.isdigit()]


@require_POST
@backoffice_view
def outbox_retry_bulk(request: HttpRequest, agent: AgentContext) -> HttpResponseRedirect:
    """ "Retry now" on the ticked rows; ids outside the user's scope are ignored."""
    ids = selectors.outbox_retryable_ids(
        agent=agent, message_ids=_ids(request.POST.getlist("message"))
    )
    _report_retried(request, outbox_retry_now(message_ids=ids) if ids else [])
    # Back to the list as it was filtered: the query string is re-encoded, never echoed, and
    # the path is ours, so this cannot become an open redirect.
    query = QueryDict(request.POST.get("query", "")).urlencode()
    url = reverse("outbox:list")
    return HttpResponseRedirect(f"{url}?{query}" if query else url)
