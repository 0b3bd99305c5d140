"""What a registration's attachments may be: how many, how big, which types."""

from __future__ import annotations

import mimetypes
import secrets
from collections.abc import Sequence
from datetime import timedelta
from pathlib import PurePath

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

MAX_FILES = 10
MAX_FILE_SIZE = 10 * 1024 * 1024  # 10 MiB a file
# What the form's other fields may take of a request body beside the files (its text is small).
FORM_FIELDS_ROOM = 256 * 1024
# Documents a deal is described with. No HTML, SVG or scripts: they are served back to other
# people's browsers (as downloads, with nosniff, but an allowlist is the first fence).
ALLOWED_EXTENSIONS: dict[str, str] = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
}
ACCEPT_ATTRIBUTE = ",".join(ALLOWED_EXTENSIONS)


def content_type_for(name: str) -> str:
    """The type we serve a file as: from its (allowed) extension, never from the client."""
    suffix = PurePath(name).suffix.lower()
    return (
        ALLOWED_EXTENSIONS.get(suffix)
        or mimetypes.guess_type(name)[0]
        or "application/octet-stream"
    )


def validate_uploads(files: Sequence[UploadedFile], *, already: int = 0) -> None:
    """Raise ``ValidationError`` naming every file that breaks a limit."""
    errors: list[ValidationError] = []
    if already + len(files) > MAX_FILES:
        errors.append(
            ValidationError(
                _("A registration can have at most %(max)d files."),
                code="too_many_files",
                params={"max": MAX_FILES},
            )
        )
    for upload in files:
        name = PurePath(upload.name or "").name
        if PurePath(name).suffix.lower() not in ALLOWED_EXTENSIONS:
            errors.append(
                ValidationError(
                    _("“%(name)s”: this type of file is not accepted (allowed: %(types)s)."),
                    code="file_type",
                    params={"name": name, "types": ", ".join(ALLOWED_EXTENSIONS)},
                )
            )
        if (upload.size or 0) > MAX_FILE_SIZE:
            errors.append(
                ValidationError(
                    _("“%(name)s” is larger than %(max)s."),
                    code="file_size",
                    params={"name": name, "max": filesizeformat(MAX_FILE_SIZE)},
                )
            )
        if not upload.size:
            errors.append(
                ValidationError(_("“%(name)s” is empty."), code="file_empty", params={"name": name})
            )
    if errors:
        raise ValidationError(errors)


# --- Files kept across a form's validation errors (models.PendingUpload) -----------------------
# How long a form session's kept files live: the purge removes older ones, and a token older
# than this is not read any more.
PENDING_UPLOAD_MAX_AGE = timedelta(days=1)
_UPLOAD_SESSION_SALT = "registrations.upload-session"


def upload_session_new() -> str:
    """A new form session's key: random, never derived from anything guessable."""
    return secrets.token_hex(16)


def upload_session_sign(*, organisation_id: int, user_id: int, form_key: str) -> str:
    """The token the form carries in a hidden field: the form session's key, signed together
    with the organisation and the user it belongs to."""
    return signing.dumps(
        {"o": organisation_id, "u": user_id, "k": form_key}, salt=_UPLOAD_SESSION_SALT
    )


def upload_session_read(token: str, *, organisation_id: int, user_id: int) -> str | None:
    """The form key of ``token`` if it is genuine, recent, and was issued to this user of this
    organisation; ``None`` for anything else (another organisation's token claims nothing)."""
    if not token:
        return None
    try:
        payload = signing.loads(token, salt=_UPLOAD_SESSION_SALT, max_age=PENDING_UPLOAD_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is one
        return None
    if not isinstance(payload, dict):
        return None
    if payload.get("o") != organisation_id or payload.get("u") != user_id:
        return None
    key = payload.get("k")
    return key if isinstance(key, str) and len(key) == 32 else None
