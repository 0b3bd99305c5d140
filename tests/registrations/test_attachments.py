"""Attachments: stored under random names, downloaded only by those who may see the
registration (issue #5)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from registrations import services
from registrations.models import Attachment
from tests import factories
from tests.registrations.conftest import choice_ids, client_for, make_registration, streamed
from tests.world import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def attach(world: World, registration: Any, name: str = "Quote 2027.pdf") -> Attachment:
    upload = SimpleUploadedFile(name, b"%PDF-1.4 quote", content_type="application/x-evil")
    [attachment] = services.attachments_add(
        registration=registration, actor=registration.created_by, files=[upload]
    )
    return attachment


def url(registration: Any, attachment: Attachment) -> str:
    return f"/p/alpha/registrations/{registration.public_id}/files/{attachment.public_id}/"


def test_files_are_stored_under_random_names(world: World, media: Path) -> None:
    registration = make_registration(world.a1)
    attachment = attach(world, registration)
    stored = Path(str(attachment.file.name))
    assert "Quote" not in stored.name
    assert stored.suffix == ""
    assert len(stored.name) == 32
    assert (media / str(attachment.file.name)).read_bytes() == b"%PDF-1.4 quote"
    # The type we serve comes from the allowed extension, never from the browser.
    assert attachment.content_type == "application/pdf"


def test_registering_member_and_supervisor_download(world: World) -> None:
    registration = make_registration(world.a1, by=world.a1.member)
    attachment = attach(world, registration)
    for user in (world.a1.member, world.a1.supervisor):
        response = client_for(user).get(url(registration, attachment))
        assert response.status_code == 200
        assert streamed(response) == b"%PDF-1.4 quote"
        assert response["Content-Type"] == "application/pdf"
        assert 'attachment; filename="Quote 2027.pdf"' in response["Content-Disposition"]


def test_another_member_of_the_organisation_gets_not_found(world: World) -> None:
    registration = make_registration(world.a1, by=world.a1.supervisor)
    attachment = attach(world, registration)
    assert client_for(world.a1.member).get(url(registration, attachment)).status_code == 404


def test_another_organisation_gets_not_found(world: World) -> None:
    registration = make_registration(world.a1)
    attachment = attach(world, registration)
    own = make_registration(world.a2, by=world.a2.supervisor)
    client = client_for(world.a2.supervisor)
    assert client.get(url(registration, attachment)).status_code == 404
    # Naming one's own registration with another's file does not work either.
    assert client.get(url(own, attachment)).status_code == 404


def test_agents_of_the_direction_download_and_others_do_not(world: World) -> None:
    registration = make_registration(world.a1)
    attachment = attach(world, registration)
    path = f"/backoffice/registrations/{registration.public_id}/files/{attachment.public_id}/"
    assert client_for(world.agent).get(path).status_code == 200
    beta_agent = factories.UserFactory.create(is_staff=True)
    from guardian.shortcuts import assign_perm

    assign_perm("partners.work_registrations", beta_agent, world.direction_b)
    assert client_for(beta_agent).get(path).status_code == 404
    assert client_for(world.a1.member).get(path).status_code == 403


def test_files_listed_on_the_registration(world: World) -> None:
    registration = make_registration(world.a1)
    attachment = attach(world, registration)
    page = client_for(world.a1.member).get(f"/p/alpha/registrations/{registration.public_id}/")
    assert url(registration, attachment) in page.text
    assert "Quote 2027.pdf" in page.text


def test_the_service_enforces_the_limits_too(world: World) -> None:
    registration = make_registration(world.a1)
    bad = SimpleUploadedFile("run.exe", b"MZ", content_type="application/pdf")
    with pytest.raises(ValidationError, match="not accepted"):
        services.attachments_add(registration=registration, actor=world.a1.member, files=[bad])
    assert not Attachment.objects.exists()


def test_resubmitting_adds_files(world: World) -> None:
    registration = make_registration(world.a1, state="more_info")
    upload = SimpleUploadedFile("extra.txt", b"seats: 200")
    response = client_for(world.a1.member).post(
        f"/p/alpha/registrations/{registration.public_id}/edit/",
        {
            "name": registration.name,
            **choice_ids(registration),
            "representative": world.a1.member.pk,
            "attachments": [upload],
        },
    )
    assert response.status_code == 302
    assert list(registration.attachments.values_list("original_name", flat=True)) == ["extra.txt"]
