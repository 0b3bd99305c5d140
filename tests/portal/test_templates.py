"""Template hygiene that Django does not check for us."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# Django's {# ... #} comment ends at the end of its line: one left open is rendered as text.
UNCLOSED_COMMENT = re.compile(r"\{#(?![^\n]*#\})")


def project_templates() -> list[Path]:
    ignored = {".venv", ".tools", "node_modules", "staticfiles"}
    return [
        path
        for path in ROOT.rglob("templates/**/*.html")
        if not ignored.intersection(path.relative_to(ROOT).parts)
    ]


def test_templates_are_found() -> None:
    assert ROOT.joinpath("templates", "orders", "checkout.html") in project_templates()


def test_no_single_line_comment_spans_lines() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, match.start()) + 1}"
        for path in project_templates()
        for text in [path.read_text(encoding="utf-8")]
        for match in UNCLOSED_COMMENT.finditer(text)
    ]
    assert offenders == [], "use {% comment %} for comments over several lines: " + ", ".join(
        offenders
    )
