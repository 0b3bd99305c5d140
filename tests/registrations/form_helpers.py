"""What the registration form's tests (``test_form_*.py``) share: the page, a POST to it and
what came back."""

from __future__ import annotations

from typing import Any

from registrations.models import OpportunityRegistration
from tests.registrations.conftest import client_for
from tests.world import World

URL = "/p/alpha/registrations/new/"


def post(world: World, data: dict[str, Any], user: Any = None) -> Any:
    user = user or world.a1.member
    data.setdefault("representative", user.pk)
    return client_for(user).post(URL, data)


def errors(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 200, "the form was expected back with errors"
    return {field: list(errs) for field, errs in response.context["form"].errors.items()}


def only() -> OpportunityRegistration:
    return OpportunityRegistration.objects.get()
