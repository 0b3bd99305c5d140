"""The sections a partner portal can show, and which of them this build offers.

A portal's structure is an ordered list of these keys. A section is offered only when the URL
that serves it exists, so a portal configured ahead of a feature simply does not show it yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.db import models
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

type StrOrPromise = str | Promise


class Section(models.TextChoices):
    PRICING = "pricing", _("Pricing")
    CUSTOMERS = "customers", _("Customers")
    INVOICES = "invoices", _("Invoices")
    REGISTRATIONS = "registrations", _("Opportunity registrations")
    OPPORTUNITIES = "opportunities", _("Opportunities")


# The named URL (under the ``portal`` namespace) that serves each section.
SECTION_URL_NAMES: dict[str, str] = {
    Section.PRICING: "portal:pricing",
    Section.CUSTOMERS: "portal:customers",
    Section.INVOICES: "portal:invoices",
    Section.REGISTRATIONS: "portal:registrations",
    Section.OPPORTUNITIES: "portal:opportunities",
}

# What each section is for, in a line, on the portal home.
SECTION_DESCRIPTIONS: dict[str, StrOrPromise] = {
    Section.PRICING: _("The offers you may sell, and ordering them for your customers."),
    Section.CUSTOMERS: _("Your end customers and their subscriptions."),
    Section.INVOICES: _("Invoices for your organisation's orders."),
    Section.REGISTRATIONS: _("Register deals with the vendor and follow their review."),
    Section.OPPORTUNITIES: _("Registrations the vendor qualified, with their stage and status."),
}


@dataclass(frozen=True)
class SectionLink:
    key: str
    label: str
    url: str
    description: str = ""


def section_link(*, key: str, path_name: str) -> SectionLink | None:
    """The link to a section of a portal, or None when this build does not serve it.

    Every portal page draws its sections in the navigation bar: each link is reversed and
    worded once per process (per URLconf, script prefix and language), not on every request.
    """
    urlconf = get_urlconf(settings.ROOT_URLCONF)
    return _section_link(key, path_name, urlconf, get_script_prefix(), get_language())


@lru_cache(maxsize=1024)
def _section_link(
    key: str, path_name: str, urlconf: str, prefix: str, language: str | None
) -> SectionLink | None:
    # ``urlconf``, ``prefix`` and ``language`` are what ``reverse`` and the labels read from
    # the settings and the thread: keys of the cache, not arguments to pass on.
    try:
        url = reverse(SECTION_URL_NAMES[key], kwargs={"path_name": path_name})
    except NoReverseMatch:
        return None
    return SectionLink(
        key=key,
        label=str(Section(key).label),
        url=url,
        description=str(SECTION_DESCRIPTIONS.get(key, "")),
    )
