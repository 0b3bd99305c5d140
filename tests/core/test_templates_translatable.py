"""Every project template keeps its user-facing text inside the i18n tags.

The project's standard is that user-facing text is translatable. This test reads each template with
Django's own lexer, drops what is already translated (``{% blocktranslate %}`` blocks), comments and
the contents of ``<script>``/``<style>``, strips the HTML tags but keeps the attribute values a user
sees or hears (alt, title, placeholder, aria-label, aria-description, a literal submit button
value), and fails on any run of letters that is left, naming the file, the line and the text.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

from django.template.base import Lexer, TokenType

GIT = shutil.which("git") or "/usr/bin/git"
ROOT = Path(__file__).resolve().parents[2]
EXCLUDED_PREFIXES = ("bench/", "devidp/", "tests/browser/axe/", ".venv/")

# Words that are not meant to be translated, each with its reason. Keep it short.
ALLOWED_WORDS: dict[str, str] = {}

VISIBLE_ATTRIBUTES = ("alt", "title", "placeholder", "aria-label", "aria-description")
ATTRIBUTE = re.compile(r"""([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""")
TAG = re.compile(r"<[^>]*>", re.DOTALL)
LETTERS = re.compile(r"[^\W\d_]{2,}(?:['’-][^\W\d_]+)*", re.UNICODE)
ENTITY = re.compile(r"&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")
INCLUDE_LITERAL = re.compile(r"""(\w+)=(["'])(.*?)\2""")
DEFAULT_LITERAL = re.compile(r"""^\s*([\w.]+)\|default(?:_if_none)?:(["'])(.*?)\2""")
# Template variables that hold machine values, never shown: data-testid names for the tests.
NOT_TEXT_VARIABLES = {"testid"}
RAW_OPEN = re.compile(r"<(script|style)\b", re.IGNORECASE)


def project_templates() -> list[str]:
    listed = subprocess.run(  # noqa: S603  # fixed arguments, no user input
        [GIT, "ls-files", "*.html", "*/templates/*.txt"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return sorted(path for path in listed if not path.startswith(EXCLUDED_PREFIXES))


def _visible_attribute_text(tag: str) -> list[str]:
    attributes = {name.lower(): value.strip("\"'") for name, value in ATTRIBUTE.findall(tag)}
    texts = [attributes[name] for name in VISIBLE_ATTRIBUTES if name in attributes]
    if "value" in attributes and attributes.get("type", "").lower() in {
        "submit",
        "button",
        "reset",
    }:
        texts.append(attributes["value"])
    return texts


def _words(text: str) -> list[str]:
    text = html.unescape(ENTITY.sub(" ", text))
    return [word for word in LETTERS.findall(text) if word not in ALLOWED_WORDS]


def _blank(text: str) -> str:
    """The same text with everything but its line breaks turned into spaces (keeps positions)."""
    return re.sub(r"[^\n]", " ", text)


def untranslated_text(source: str) -> list[tuple[int, str]]:
    """(line, text) for every run of letters a user would see outside the i18n tags."""
    found: list[tuple[int, str]] = []
    skip_until: str | None = None  # the closing block tag we are inside of
    raw_element: str | None = None  # "script" or "style" while inside one
    pending_tag = ""  # a tag split by template tags, e.g. <input value="{{ x }}" ...>
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents else ""
            if skip_until is not None:
                if name == skip_until:
                    skip_until = None
                continue
            if name == "include":
                # {% include "x.html" with label="Text" %}: the value is shown, so _("Text").
                for variable, _quote, value in INCLUDE_LITERAL.findall(token.contents):
                    if variable not in NOT_TEXT_VARIABLES and (words := _words(value)):
                        found.append((token.lineno or 0, " ".join(words)))
            if name in {"blocktranslate", "blocktrans", "comment", "verbatim"}:
                skip_until = "end" + name
            continue
        if token.token_type == TokenType.VAR and skip_until is None:
            # {{ x|default:"Text" }} shows the literal: it needs default:_("Text").
            for variable, _quote, value in DEFAULT_LITERAL.findall(token.contents):
                if variable not in NOT_TEXT_VARIABLES and (words := _words(value)):
                    found.append((token.lineno or 0, " ".join(words)))
        if token.token_type != TokenType.TEXT or skip_until is not None:
            continue
        text = token.contents
        if raw_element is not None:
            end = re.search(rf"</{raw_element}\s*>", text, re.IGNORECASE)
            if end is None:
                continue
            text = _blank(text[: end.end()]) + text[end.end() :]
            raw_element = None
        # Blank the contents of <script>/<style> opened in this token.
        position = 0
        while (opening := RAW_OPEN.search(text, position)) is not None:
            element = opening.group(1).lower()
            end = re.compile(rf"</{element}\s*>", re.IGNORECASE).search(text, opening.end())
            if end is None:
                text = text[: opening.start()] + _blank(text[opening.start() :])
                raw_element = element
                break
            text = (
                text[: opening.start()]
                + _blank(text[opening.start() : end.end()])
                + text[end.end() :]
            )
            position = end.end()
        offset = len(pending_tag)
        text = pending_tag + text
        pending_tag = ""
        # A tag that a template tag interrupts continues in the next text token.
        last_open = text.rfind("<")
        if last_open > text.rfind(">"):
            pending_tag = text[last_open:]
            text = text[:last_open]

        def line_of(
            index: int, text: str = text, offset: int = offset, first: int = token.lineno or 0
        ) -> int:
            return first + text[offset : max(index, offset)].count("\n")

        by_line: dict[int, list[str]] = {}
        for tag in TAG.finditer(text):
            for value in _visible_attribute_text(tag.group(0)):
                if words := _words(value):
                    by_line.setdefault(line_of(tag.start()), []).append(" ".join(words))
        stripped = TAG.sub(lambda match: _blank(match.group(0)), text)
        stripped = ENTITY.sub(lambda match: _blank(match.group(0)), stripped)
        for line_number, line in enumerate(stripped.split("\n")):
            if words := _words(line):
                line_index = sum(len(part) + 1 for part in stripped.split("\n")[:line_number])
                by_line.setdefault(line_of(line_index), []).insert(0, " ".join(words))
        found.extend((line, " ".join(texts)) for line, texts in sorted(by_line.items()))
    return found


def test_lexer_check_finds_bare_text_and_accepts_translated_text() -> None:
    source = (
        "{% load i18n %}<h1>Queue</h1>\n"
        "<p>{% translate 'Queue' %} &nbsp;&times; · 12</p>\n"
        "{% blocktranslate trimmed %}Hello {{ name }}{% endblocktranslate %}\n"
        "{# a note #}{% comment %}Not shown{% endcomment %}\n"
        "<script>const label = 'Hidden';</script><style>.x { color: red; }</style>\n"
        '<img alt="Logo" src="/x.png"><input type="submit" value="Save">\n'
        '<input type="hidden" value="token"><a href="{{ url }}" title="Open">x</a>\n'
        '{{ a|default:"Nobody" }}{{ b|default:_("Nobody") }}{{ c|date:"c" }}\n'
        '{% include "x.html" with label="Mine" other=_("Mine") testid="mine" %}\n'
    )
    assert untranslated_text(source) == [
        (1, "Queue"),
        (6, "Logo Save"),
        (7, "Open"),
        (8, "Nobody"),
        (9, "Mine"),
    ]


def test_every_template_keeps_its_text_translatable() -> None:
    offenders: list[str] = []
    for path in project_templates():
        source = (ROOT / path).read_text(encoding="utf-8")
        offenders.extend(f"{path}:{line}: {text}" for line, text in untranslated_text(source))
    assert not offenders, "Text outside {% translate %}/{% blocktranslate %}:\n" + "\n".join(
        offenders
    )
