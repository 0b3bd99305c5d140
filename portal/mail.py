"""The demo's email: every message kept whole in a file, and one line in the log.

Django's console backend prints each message as it goes on the wire: headers, then a body in
quoted-printable, whose soft line breaks (``=`` at the end of a line) cut long links in two, so a
sign-up or password-reset link cannot be copied from the terminal. This backend writes the
message whole to a file in ``MAIL_DIR`` (``.mail/``, Django's file backend: one file per
connection) and logs one line naming its recipients, subject and file, with the links of its
text as they are (decoded, each whole).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path

from django.core.mail import EmailMessage
from django.core.mail.backends.filebased import EmailBackend

logger = logging.getLogger(__name__)

_LINK = re.compile(r"https?://[^\s<>\"']+")


def links_in(message: EmailMessage) -> list[str]:
    """The links in the message's text, whole, in order, each once (without the full stop or
    comma of the sentence that ends with one)."""
    found = (link.rstrip(".,;:!?)") for link in _LINK.findall(str(message.body)))
    return list(dict.fromkeys(found))


def shown(path: str | Path) -> str:
    """``path`` as the terminal shows it: relative when under the current folder."""
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative


class FileEmailBackend(EmailBackend):
    def write_message(self, message: EmailMessage) -> None:
        super().write_message(message)
        recipients: Sequence[str] = message.recipients()
        links = links_in(message)
        logger.info(
            "Email to %s: “%s” (%s)%s",
            ", ".join(recipients),
            message.subject,
            shown(self.stream.name),  # the file open() made for this connection
            "".join(f" {link}" for link in links),
            extra={"email_recipients": list(recipients), "email_links": links},
        )
