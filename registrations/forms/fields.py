"""Form building blocks: several files in one input, model selects."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from core.widgets import FastSelect
from registrations.models import Contact
from registrations.uploads import ACCEPT_ATTRIBUTE, validate_uploads


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        cleaned = [super(MultipleFileField, self).clean(item, initial) for item in files]
        validate_uploads(cleaned)
        return cleaned


class ContactSelect(FastSelect):
    """Each option names its company, so the page's script shows the chosen company's only."""

    def option_attrs(self, value: Any) -> dict[str, str]:
        instance = getattr(value, "instance", None)
        if isinstance(instance, Contact):
            return {"data-company": str(instance.company.public_id)}
        return {}


class CompanyChoiceField(forms.ModelChoiceField):
    widget = FastSelect

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.website})"


class ContactChoiceField(forms.ModelChoiceField):
    widget = ContactSelect

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name} — {obj.company.name}"


class RepresentativeChoiceField(forms.ModelChoiceField):
    widget = FastSelect

    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.email
