"""The development email backend (portal/mail.py): each message whole in a file, and one line in
the log whose links can be copied whole (the message itself is quoted-printable: its long lines
are cut with soft breaks)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from django.core.mail import send_mail

LINK = "http://127.0.0.1:8000/accounts/confirm-email/" + "Mjk:1vQxYz-" * 8 + "/"


@pytest.fixture
def file_mailer(settings: Any, tmp_path: Path) -> Path:
    settings.MAILERS = {
        "default": {
            "BACKEND": "portal.mail.FileEmailBackend",
            "OPTIONS": {"file_path": str(tmp_path)},
        }
    }
    return tmp_path


def test_the_message_is_kept_whole_in_a_file(file_mailer: Path) -> None:
    send_mail("Confirm “your” address", f"Héllo, open it: {LINK}\n", None, ["zed@example.com"])
    [kept] = file_mailer.iterdir()
    text = kept.read_text()
    assert "To: zed@example.com" in text
    assert "Content-Transfer-Encoding: quoted-printable" in text
    assert LINK not in text  # cut by a soft line break: why the log line carries it


def test_the_log_has_one_line_a_message_with_its_links_whole(
    file_mailer: Path, caplog: pytest.LogCaptureFixture
) -> None:
    body = f"Héllo, open it: {LINK}\n\nOr this one: http://127.0.0.1:8000/p/x/.\n\n{LINK}\n"
    with caplog.at_level(logging.INFO, logger="portal.mail"):
        send_mail("Confirm “your” address", body, None, ["zed@example.com", "amy@example.com"])
    [record] = caplog.records
    line = record.getMessage()
    assert "\n" not in line
    assert line.startswith("Email to zed@example.com, amy@example.com: “Confirm “your” address” (")
    [kept] = file_mailer.iterdir()
    assert str(kept) in line
    # Each link once, in order, without the sentence's full stop.
    assert line.endswith(f" {LINK} http://127.0.0.1:8000/p/x/")
    assert record.email_recipients == ["zed@example.com", "amy@example.com"]  # type: ignore[attr-defined]  # logging's extra
