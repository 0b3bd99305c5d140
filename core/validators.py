"""Validators shared by several apps' models."""

from __future__ import annotations

import re

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

# The Zuora WSDL's ``zns:ID`` type: 32 letters and digits, or a number. zeep does not check XSD
# patterns, so every id we send is checked here first; a real tenant refuses anything else.
ZUORA_ID_PATTERN = r"[a-zA-Z0-9]{32}|\d+"
# \Z, not $: "$" also matches before a trailing newline.
ZUORA_ID_RE = re.compile(rf"^(?:{ZUORA_ID_PATTERN})\Z")

validate_zuora_id = RegexValidator(
    ZUORA_ID_RE,
    _("A Zuora id is 32 letters and digits (for example 2c92c0f96a1b2c3d016a1b2c3d4e0101)."),
    code="invalid_zuora_id",
)


def is_zuora_id(value: str) -> bool:
    return bool(ZUORA_ID_RE.match(value))
