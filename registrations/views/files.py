"""Serving a registration's attachment, the same way to partners and to agents."""

from __future__ import annotations

from django.http import FileResponse

from registrations.models import Attachment


def attachment_response(attachment: Attachment) -> FileResponse:
    """The file as a download under its original name, with the type we chose for it."""
    response = FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name
    )
    response["Content-Type"] = attachment.content_type
    response["Cache-Control"] = "private, no-store"
    return response
