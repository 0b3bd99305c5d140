"""The back-office policy: every view under /backoffice/ is wrapped by ``backoffice_view``.

The decorator lets signed-in vendor staff through and hands the view an ``AgentContext``; every
back-office read is scoped to ``AgentContext.direction_ids``, so another direction's record
answers 404 exactly like a missing one. A test walks the URL resolver and fails on any
/backoffice/ view without this policy, and sweeps every such URL with another direction's ids.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, wraps
from typing import Any, Concatenate, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from guardian.shortcuts import get_objects_for_user, get_users_with_perms

from accounts.models import User
from partners.models import SalesDirection

POLICY_ATTRIBUTE = "backoffice_policy"

# The object permission that assigns an agent to a sales direction.
WORK_REGISTRATIONS = "partners.work_registrations"


def directions_for_agent(*, agent: User) -> QuerySet[SalesDirection]:
    """The directions whose registrations, opportunities and outbox rows ``agent`` works.

    Assigned per direction with the guardian object permission ``work_registrations``; a
    superuser, or a Vendor admin (whose group holds the permission model-wide), works them all.
    """
    if not agent.is_active or not agent.is_staff:
        return SalesDirection.objects.none()
    return get_objects_for_user(
        agent, WORK_REGISTRATIONS, klass=SalesDirection, accept_global_perms=True
    )


def agents_for_direction(*, direction: SalesDirection) -> QuerySet[User]:
    """The active staff assigned to ``direction`` (the object permission, given to them or to
    one of their groups): who hears of what the direction's partners submit and write.

    Superusers and Vendor admins, who may work every direction model-wide, are assigned to none
    and so are not in it.
    """
    users = get_users_with_perms(
        direction,
        with_superusers=False,
        with_group_users=True,
        only_with_perms_in=[WORK_REGISTRATIONS.split(".", 1)[1]],
    )
    return cast(QuerySet[User], users).filter(is_active=True, is_staff=True)


@dataclass(frozen=True)
class AgentContext:
    """Who is asking in the back office, and which directions' records they may see."""

    agent: User

    @cached_property
    def directions(self) -> list[SalesDirection]:
        """The agent's directions by name, read once per request (one query): the queue shows
        them, and its rows, counts and filters need their ids."""
        return list(directions_for_agent(agent=self.agent).order_by("name"))

    @cached_property
    def direction_ids(self) -> frozenset[int]:
        return frozenset(direction.pk for direction in self.directions)


# HttpResponseBase: a view may stream (CSV exports) or send a file.
type AgentView = Callable[Concatenate[HttpRequest, AgentContext, ...], HttpResponseBase]


def backoffice_view(view: AgentView) -> Callable[..., HttpResponseBase]:
    """Signed-in vendor staff only (anonymous: sign in, then come back; anybody else: 403);
    the view gets the ``AgentContext``."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (isinstance(request.user, User) and request.user.is_staff):
            raise PermissionDenied
        return view(request, AgentContext(agent=request.user), *args, **kwargs)

    setattr(wrapper, POLICY_ATTRIBUTE, True)
    return wrapper
