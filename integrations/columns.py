"""The outbox list's columns, declared once: the table's header and the CSV export's."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.formatting import moment
from core.lists import Column, text
from integrations.models import OutboxMessage

OUTBOX_COLUMNS: tuple[Column[OutboxMessage], ...] = (
    Column(_("Order"), lambda m: m.subject),
    Column(_("Partner"), lambda m: m.organisation.name),
    Column(_("Sent to"), lambda m: m.get_target_display()),
    Column(_("State"), lambda m: m.get_state_display()),
    Column(_("Attempts"), lambda m: m.attempts, numeric=True, sort="attempts"),
    # The CSV keeps the ISO time; the table shows it as the reader writes it (core.formatting).
    Column(
        _("Updated"),
        lambda m: timezone.localtime(m.updated_at).isoformat(timespec="seconds"),
        html=lambda m: text(moment(m.updated_at)),
        sort="updated",
    ),
    Column(_("Error code"), lambda m: m.last_error_code, in_table=False),
    Column(_("Error"), lambda m: m.last_error, in_table=False),
)
