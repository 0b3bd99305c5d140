"""The registration form, seed 003 (issue #5): the deal's own fields (name, service or product,
representative, budget, closure date, requirements, comments) and its attachments, one test per
rule."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from registrations import uploads
from registrations.models import ActivityEntry, EntryKind, OpportunityRegistration
from tests import factories
from tests.registrations.conftest import client_for, new_company_post
from tests.registrations.form_helpers import URL, errors, only, post
from tests.world import World

pytestmark = pytest.mark.django_db


# --- Name, Service/Product ------------------------------------------------------------------
def test_name_is_required(world: World) -> None:
    assert errors(post(world, new_company_post(name="  "))) == {"name": ["This field is required."]}


def test_service_or_product_is_optional(world: World) -> None:
    assert post(world, new_company_post(product="")).status_code == 302


def test_service_or_product_suggests_the_offers_the_partner_may_sell(world: World) -> None:
    factories.OfferFactory.create(name="Premium, monthly", eligible=[world.a1.organisation])
    factories.OfferFactory.create(name="Only for A2", eligible=[world.a2.organisation])
    page = client_for(world.a1.member).get(URL).text
    datalist = page.split('data-testid="product-offers"', 1)[1].split("</datalist>", 1)[0]
    assert '<option value="Premium, monthly">' in datalist
    assert "Only for A2" not in datalist
    assert 'list="product-offers"' in page


def test_service_or_product_may_be_free_text(world: World) -> None:
    factories.OfferFactory.create(name="Premium, monthly", eligible=[world.a1.organisation])
    assert post(world, new_company_post(product="Custom integration work")).status_code == 302
    assert only().product == "Custom integration work"


# --- Partner representative -----------------------------------------------------------------
def test_representative_defaults_to_the_current_user(world: World) -> None:
    form = client_for(world.a1.member).get(URL).context["form"]
    assert form["representative"].value() == world.a1.member.pk


def test_representative_may_be_another_member_of_the_organisation(world: World) -> None:
    data = new_company_post(representative=world.a1.supervisor.pk)
    assert post(world, data).status_code == 302
    assert only().representative == world.a1.supervisor


def test_representative_must_be_a_member_of_the_organisation(world: World) -> None:
    data = new_company_post(representative=world.a2.member.pk)
    assert list(errors(post(world, data))) == ["representative"]


def test_representative_is_required(world: World) -> None:
    assert list(errors(post(world, new_company_post(representative="")))) == ["representative"]


# --- Budget, closure date, requirements, comments -------------------------------------------
def test_budget_and_requirements_are_optional(world: World) -> None:
    assert post(world, new_company_post(budget="", customer_requirements="")).status_code == 302


def test_estimated_closure_date_may_not_be_in_the_past(world: World) -> None:
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert errors(post(world, new_company_post(expected_close_date=yesterday))) == {
        "expected_close_date": ["The estimated closure date cannot be in the past."]
    }


def test_estimated_closure_date_may_be_today_or_empty(world: World) -> None:
    assert post(world, new_company_post(expected_close_date="")).status_code == 302
    today = timezone.localdate().isoformat()
    data = new_company_post(
        expected_close_date=today,
        company_name="Other",
        company_website="other.example",
        company_tin="987654321",
    )
    assert post(world, data).status_code == 302


def test_additional_comments_are_the_first_comment_of_the_feed(world: World) -> None:
    post(world, new_company_post(comments="Call the CIO first."))
    comments = ActivityEntry.objects.filter(kind=EntryKind.COMMENT)
    assert [(c.body, c.author, c.side) for c in comments] == [
        ("Call the CIO first.", world.a1.member, "partner")
    ]
    assert ActivityEntry.objects.filter(kind=EntryKind.EVENT, to_state="submitted").count() == 1


def test_no_comment_entry_without_additional_comments(world: World) -> None:
    post(world, new_company_post(comments=""))
    assert not ActivityEntry.objects.filter(kind=EntryKind.COMMENT).exists()


# --- Attachments ----------------------------------------------------------------------------
def pdf(name: str = "quote.pdf", size: int = 20) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF" + b"x" * (size - 4), content_type="application/pdf")


def test_several_files_are_attached(world: World, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    data = new_company_post(attachments=[pdf("a.pdf"), pdf("b.pdf")])
    assert post(world, data).status_code == 302
    names = sorted(only().attachments.values_list("original_name", flat=True))
    assert names == ["a.pdf", "b.pdf"]


def test_file_types_outside_the_allowlist_are_refused(world: World) -> None:
    page = SimpleUploadedFile("page.html", b"<script>alert(1)</script>", content_type="text/html")
    assert list(errors(post(world, new_company_post(attachments=[page])))) == ["attachments"]
    assert not OpportunityRegistration.objects.exists()


def test_files_over_the_size_limit_are_refused(world: World, monkeypatch: Any) -> None:
    monkeypatch.setattr(uploads, "MAX_FILE_SIZE", 10)
    response = post(world, new_company_post(attachments=[pdf(size=11)]))
    assert list(errors(response)) == ["attachments"]


def test_more_than_the_maximum_number_of_files_is_refused(world: World, monkeypatch: Any) -> None:
    monkeypatch.setattr(uploads, "MAX_FILES", 1)
    response = post(world, new_company_post(attachments=[pdf("a.pdf"), pdf("b.pdf")]))
    assert list(errors(response)) == ["attachments"]
