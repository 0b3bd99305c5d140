"""Form building blocks: several files in one input, model selects."""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet

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


class CompanyChoiceField(forms.ModelChoiceField):
    widget = FastSelect

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.website})"


class ContactChoiceField(forms.ModelChoiceField):
    """An existing contact. It accepts any contact the partner may name (so that one of
    another company gets the form's specific error), but offers only those ``offer`` gives:
    the chosen company's."""

    widget = FastSelect

    def offer(self, queryset: QuerySet[Contact], *, empty_label: str) -> None:
        # A shallow copy shares this field's widget: setting its queryset points the widget's
        # choices at the copy's (Django's ModelChoiceField does so), this field's stays.
        shown = copy.copy(self)
        shown.empty_label = empty_label
        shown.queryset = queryset

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name} ({obj.email})" if obj.email else obj.full_name


class RepresentativeChoiceField(forms.ModelChoiceField):
    widget = FastSelect

    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.email
