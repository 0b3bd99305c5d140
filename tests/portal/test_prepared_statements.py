"""PostgreSQL prepares what a connection runs often (portal.settings: server-side binding and
psycopg's prepare_threshold), so a page's repeated queries are parsed and planned once."""

from __future__ import annotations

import pytest
from django.db import connection

from accounts.models import User

pytestmark = pytest.mark.django_db


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


def test_a_query_run_five_times_is_prepared_and_answers_each_parameter() -> None:
    people = [User.objects.create_user(email=f"p{n}@example.test") for n in range(6)]
    lookup = (
        'SELECT "accounts_user"."email" AS "email" FROM "accounts_user" '
        'WHERE "accounts_user"."id" = $1'
    )
    assert not any(s.startswith(lookup) for s in prepared_statements())
    found = [
        User.objects.filter(pk=person.pk).values_list("email", flat=True).get() for person in people
    ]
    assert found == [person.email for person in people]
    assert any(s.startswith(lookup) for s in prepared_statements()), prepared_statements()
