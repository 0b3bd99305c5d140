"""Attachment writes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from registrations import uploads
from registrations.models import Attachment, OpportunityRegistration, PendingUpload
from registrations.uploads import content_type_for, validate_uploads


@transaction.atomic
def attachments_add(
    *,
    registration: OpportunityRegistration,
    actor: User,
    files: Sequence[UploadedFile],
    kept: Sequence[PendingUpload] = (),
) -> list[Attachment]:
    """Store ``files`` under random names and attach them, and the files ``kept`` from the
    form's earlier attempts, to ``registration``.

    Invariants: the limits of ``registrations.uploads`` hold for the registration as a whole
    (checked again here, whatever the form did); the original name is kept only in the row,
    and the type we serve comes from the allowed extension, never from the browser. A kept
    file must be the registration's organisation's (``ValueError`` otherwise: the caller
    resolved them through ``selectors.pending_uploads_for``); its row goes, its stored file
    becomes the attachment's.
    """
    if not files and not kept:
        return []
    if any(upload.organisation_id != registration.organisation_id for upload in kept):
        raise ValueError("A kept upload of another organisation.")
    already = registration.attachments.count()
    if len(kept) + already > uploads.MAX_FILES:
        raise ValidationError(
            _("A registration can have at most %(max)d files."),
            code="too_many_files",
            params={"max": uploads.MAX_FILES},
        )
    validate_uploads(files, already=already + len(kept))
    if kept:
        # Claimed first: the purge locks the rows it deletes (skipping locked ones), so either
        # it took a file (and this submit says so) or this submit holds it.
        claimed, _by_model = PendingUpload.objects.filter(pk__in=[u.pk for u in kept]).delete()
        if claimed != len(kept):
            raise ValidationError(
                {
                    "attachments": _(
                        "A file kept for this form has expired: choose it again, please."
                    )
                },
                code="upload_expired",
            )
    created: list[Attachment] = [
        Attachment.objects.create(
            registration=registration,
            organisation_id=registration.organisation_id,
            file=upload.file.name,
            original_name=upload.original_name,
            content_type=upload.content_type,
            size=upload.size,
            uploaded_by=actor,
        )
        for upload in kept
    ]
    if not files:
        return created
    kept_count = len(created)
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
        for attachment in created[kept_count:]:
            attachment.file.delete(save=False)
        raise
    return created
