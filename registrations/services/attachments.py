"""Attachment writes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from accounts.models import User
from registrations.models import Attachment, OpportunityRegistration
from registrations.uploads import content_type_for, validate_uploads


@transaction.atomic
def attachments_add(
    *, registration: OpportunityRegistration, actor: User, files: Sequence[UploadedFile]
) -> list[Attachment]:
    """Store ``files`` under random names and attach them to ``registration``.

    Invariants: the limits of ``registrations.uploads`` hold for the registration as a whole
    (checked again here, whatever the form did); the original name is kept only in the row,
    and the type we serve comes from the allowed extension, never from the browser.
    """
    if not files:
        return []
    validate_uploads(files, already=registration.attachments.count())
    created: list[Attachment] = []
    try:
        for upload in files:
            name = PurePath(upload.name or "file").name[:255]
            attachment = Attachment(
                registration=registration,
                organisation_id=registration.organisation_id,
                original_name=name,
                content_type=content_type_for(name),
                size=upload.size or 0,
                uploaded_by=actor,
            )
            attachment.file.save(name, upload, save=False)
            created.append(attachment)
            attachment.save()
    except BaseException:
        # Files are written before the rows commit; take back those of a failed call. (Should
        # the caller's transaction roll back later, a file stays on disk: under a random name
        # and with no row, nobody can reach it.)
        for attachment in created:
            attachment.file.delete(save=False)
        raise
    return created
