"""The files a registration form keeps across its validation errors (``PendingUpload``):
kept, discarded by the partner, purged when abandoned.

Outside ``services`` because the beat task calls the purge, and the services import the tasks
(to enqueue emails); ``services.attachments`` turns kept files into attachments.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from pathlib import PurePath

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from accounts.models import User
from partners.models import PartnerOrganisation
from registrations.models import PendingUpload
from registrations.uploads import content_type_for


def pending_uploads_keep(
    *, partner: PartnerOrganisation, actor: User, form_key: str, files: Sequence[UploadedFile]
) -> list[PendingUpload]:
    """Keep ``files`` of a form that came back with errors, for its next submit.

    The caller passes only files that pass ``validate_uploads`` one by one; they are stored
    under random names, like attachments, and belong to ``partner``, ``actor`` and the form
    session ``form_key``.
    """
    kept: list[PendingUpload] = []
    for upload in files:
        name = PurePath(upload.name or "file").name[:255]
        pending = PendingUpload(
            organisation=partner,
            uploaded_by=actor,
            form_key=form_key,
            original_name=name,
            content_type=content_type_for(name),
            size=upload.size or 0,
        )
        pending.file.save(name, upload, save=False)
        pending.save()
        kept.append(pending)
    return kept


def _delete_files_on_commit(names: list[str]) -> None:
    # The rows go with the transaction; the files only once it committed (a rollback keeps both).
    storage = PendingUpload.file.field.storage

    def delete() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete)


@transaction.atomic
def pending_uploads_discard(
    *,
    partner: PartnerOrganisation,
    actor: User,
    form_key: str,
    public_ids: Collection[str],
) -> int:
    """Drop the kept files the partner removed from the form. Only the form session's own
    (``partner``, ``actor``, ``form_key``): an id from anywhere else matches nothing."""
    uploads = list(
        PendingUpload.objects.filter(
            organisation=partner,
            uploaded_by=actor,
            form_key=form_key,
            public_id__in=[value for value in public_ids if _is_uuid(value)],
        )
    )
    PendingUpload.objects.filter(pk__in=[upload.pk for upload in uploads]).delete()
    _delete_files_on_commit([upload.file.name for upload in uploads if upload.file.name])
    return len(uploads)


@transaction.atomic
def pending_uploads_purge(*, older_than: datetime) -> int:
    """Delete the kept files of forms abandoned before ``older_than``, rows and files.
    Safe to run twice, or while a form is submitted (a row gone is a row gone)."""
    uploads = list(
        PendingUpload.objects.select_for_update(skip_locked=True)
        .filter(created_at__lt=older_than)
        .only("pk", "file")
    )
    PendingUpload.objects.filter(pk__in=[upload.pk for upload in uploads]).delete()
    _delete_files_on_commit([upload.file.name for upload in uploads if upload.file.name])
    return len(uploads)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
