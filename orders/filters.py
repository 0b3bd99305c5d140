"""The self-service lists' filters (django-filter). The rows handed in are already the
organisation's (``orders.selectors``); see ``core.filters``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.filters import BootstrapFilterSet, SearchFilter, StableOrderingFilter


class CustomerFilter(BootstrapFilterSet):
    # Served by the pg_trgm GIN indexes on UPPER(col) (orders migration 0003).
    q = SearchFilter(fields=("company_name", "first_name", "last_name", "email"))
    # Each sort is an index walk (organisation, key, id), both ways (keyset paging).
    sort = StableOrderingFilter(
        label=_("Sort"),
        fields=(
            ("company_name", "company"),
            ("last_name", "contact"),
            ("email", "email"),
            ("active_subscriptions", "active"),
            ("unpaid_balance", "unpaid"),
            ("created_at", "created"),
        ),
        field_labels={
            "company_name": _("Account name"),
            "last_name": _("Contact"),
            "email": _("Email"),
            "active_subscriptions": _("Active subscriptions"),
            "unpaid_balance": _("Unpaid balance"),
            "created_at": _("Created"),
        },
        empty_label=_("Account name (A–Z)"),
    )
