"""Files chosen on a registration form that comes back with errors are kept server-side and
shown as already attached (issue #13): never dropped silently, never claimable by anybody else."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from registrations import services, uploads
from registrations.models import Attachment, PendingUpload
from registrations.tasks import pending_uploads_purge
from tests.registrations.conftest import choice_ids, client_for, make_registration, new_company_post
from tests.registrations.form_helpers import URL, only
from tests.world import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def pdf(name: str = "Quote.pdf", body: bytes = b"%PDF-1.4 quote") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def session_token(response: Any) -> str:
    found = re.search(r'name="upload_session" value="([^"]+)"', response.text)
    assert found, "the page carries no upload session"
    return found.group(1)


def kept_names(response: Any) -> list[str]:
    return [upload.original_name for upload in response.context["kept_uploads"]]


def refused(client: Any, user: Any, **extra: Any) -> Any:
    """A POST refused for a missing name, with whatever files ``extra`` carries."""
    data = new_company_post(name="", representative=user.pk, **extra)
    response = client.post(URL, data)
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    return response


def test_files_survive_a_validation_error_and_end_on_the_registration(
    world: World, media: Path
) -> None:
    user = world.a1.member
    client = client_for(user)
    response = refused(client, user, attachments=[pdf("Quote.pdf"), pdf("Scope.txt", b"scope")])
    assert kept_names(response) == ["Quote.pdf", "Scope.txt"]
    assert response.text.count('data-testid="kept-upload"') == 2
    assert "Your files are kept" in response.text
    token = session_token(response)

    response = client.post(URL, new_company_post(representative=user.pk, upload_session=token))
    assert response.status_code == 302
    registration = only()
    files = {a.original_name: a for a in registration.attachments.all()}
    assert sorted(files) == ["Quote.pdf", "Scope.txt"]
    assert files["Quote.pdf"].file.read() == b"%PDF-1.4 quote"
    assert files["Scope.txt"].content_type == "text/plain"
    assert not PendingUpload.objects.exists()


def test_files_chosen_after_the_error_are_added_to_the_kept_ones(world: World) -> None:
    user = world.a1.member
    client = client_for(user)
    token = session_token(refused(client, user, attachments=[pdf("a.pdf")]))
    response = refused(client, user, upload_session=token, attachments=[pdf("b.pdf")])
    assert kept_names(response) == ["a.pdf", "b.pdf"]
    # The same form session all along.
    assert len(set(PendingUpload.objects.values_list("form_key", flat=True))) == 1
    client.post(
        URL,
        new_company_post(
            representative=user.pk,
            upload_session=session_token(response),
            attachments=[pdf("c.pdf")],
        ),
    )
    assert sorted(only().attachments.values_list("original_name", flat=True)) == [
        "a.pdf",
        "b.pdf",
        "c.pdf",
    ]


def test_a_kept_file_can_be_removed(
    world: World, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    user = world.a1.member
    client = client_for(user)
    response = refused(client, user, attachments=[pdf("keep.pdf"), pdf("drop.pdf")])
    drop = PendingUpload.objects.get(original_name="drop.pdf")
    stored = media / str(drop.file.name)
    assert stored.exists()
    assert f'name="remove_upload" value="{drop.public_id}"' in response.text
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            URL,
            new_company_post(
                representative=user.pk,
                upload_session=session_token(response),
                remove_upload=[str(drop.public_id)],
            ),
        )
    assert list(only().attachments.values_list("original_name", flat=True)) == ["keep.pdf"]
    assert not stored.exists()


def test_a_refused_file_is_named_and_the_others_are_kept(world: World) -> None:
    user = world.a1.member
    client = client_for(user)
    bad = SimpleUploadedFile("run.exe", b"MZ")
    response = refused(client, user, attachments=[pdf("good.pdf"), bad])
    assert kept_names(response) == ["good.pdf"]
    [error] = response.context["form"].errors["attachments"]
    assert "run.exe" in error


def test_the_file_limit_counts_the_kept_files(world: World, monkeypatch: Any) -> None:
    monkeypatch.setattr(uploads, "MAX_FILES", 2)
    user = world.a1.member
    client = client_for(user)
    token = session_token(refused(client, user, attachments=[pdf("a.pdf"), pdf("b.pdf")]))
    response = client.post(
        URL,
        new_company_post(representative=user.pk, upload_session=token, attachments=[pdf("c.pdf")]),
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "attachments": ["A registration can have at most 2 files."]
    }
    assert kept_names(response) == ["a.pdf", "b.pdf"]


def test_another_organisation_cannot_claim_kept_files(world: World) -> None:
    client_a = client_for(world.a1.member)
    token = session_token(refused(client_a, world.a1.member, attachments=[pdf("secret.pdf")]))
    secret = PendingUpload.objects.get()
    other = world.a2.member
    client_b = client_for(other)
    response = client_b.post(
        URL,
        new_company_post(
            representative=other.pk, upload_session=token, remove_upload=[str(secret.public_id)]
        ),
    )
    assert response.status_code == 302
    assert not Attachment.objects.exists()
    # Nor remove them: the token names another organisation's session.
    assert PendingUpload.objects.filter(pk=secret.pk).exists()


def test_a_colleague_cannot_claim_them_either(world: World) -> None:
    client = client_for(world.a1.member)
    token = session_token(refused(client, world.a1.member, attachments=[pdf("mine.pdf")]))
    colleague = world.a1.supervisor
    client_for(colleague).post(
        URL, new_company_post(representative=colleague.pk, upload_session=token)
    )
    assert not only().attachments.exists()


def test_a_forged_token_is_ignored(world: World) -> None:
    user = world.a1.member
    client = client_for(user)
    token = session_token(refused(client, user, attachments=[pdf("a.pdf")]))
    response = client.post(
        URL, new_company_post(representative=user.pk, upload_session=token[:-2] + "xx")
    )
    assert response.status_code == 302
    assert not only().attachments.exists()


def test_resubmitting_keeps_files_across_an_error_too(world: World) -> None:
    registration = make_registration(world.a1, state="more_info")
    user = world.a1.member
    client = client_for(user)
    url = f"/p/alpha/registrations/{registration.public_id}/edit/"
    fields = {**choice_ids(registration), "representative": user.pk}
    response = client.post(url, {**fields, "name": "", "attachments": [pdf("extra.pdf")]})
    assert response.status_code == 200
    assert kept_names(response) == ["extra.pdf"]
    response = client.post(
        url, {**fields, "name": registration.name, "upload_session": session_token(response)}
    )
    assert response.status_code == 302
    assert list(registration.attachments.values_list("original_name", flat=True)) == ["extra.pdf"]


def test_abandoned_files_are_purged_after_a_day(
    world: World, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    user = world.a1.member
    refused(client_for(user), user, attachments=[pdf("old.pdf")])
    refused(client_for(user), user, attachments=[pdf("new.pdf")])
    old = PendingUpload.objects.get(original_name="old.pdf")
    PendingUpload.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=1, minutes=1)
    )
    stored = media / str(old.file.name)
    with django_capture_on_commit_callbacks(execute=True):
        assert pending_uploads_purge.delay().get() == 1
    assert list(PendingUpload.objects.values_list("original_name", flat=True)) == ["new.pdf"]
    assert not stored.exists()


def test_a_kept_file_the_purge_took_meanwhile_is_reported(world: World) -> None:
    registration = make_registration(world.a1)
    user = world.a1.member
    refused(client_for(user), user, attachments=[pdf("late.pdf")])
    kept = list(PendingUpload.objects.all())
    PendingUpload.objects.all().delete()  # what the purge does between the read and the submit
    with pytest.raises(ValidationError) as refusal:
        services.attachments_add(registration=registration, actor=user, files=[], kept=kept)
    assert refusal.value.message_dict == {
        "attachments": ["A file kept for this form has expired: choose it again, please."]
    }
    assert not Attachment.objects.exists()


def test_removing_names_only_the_own_sessions_files(world: World) -> None:
    client_a = client_for(world.a1.member)
    refused(client_a, world.a1.member, attachments=[pdf("theirs.pdf")])
    theirs = PendingUpload.objects.get()
    other = world.a2.member
    client_b = client_for(other)
    own = session_token(refused(client_b, other, attachments=[pdf("mine.pdf")]))
    response = refused(client_b, other, upload_session=own, remove_upload=[str(theirs.public_id)])
    assert kept_names(response) == ["mine.pdf"]
    assert PendingUpload.objects.filter(pk=theirs.pk).exists()
