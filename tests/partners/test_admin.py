from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from core.migration_helpers import VENDOR_ADMINS, VENDOR_AGENTS
from partners.models import (
    PartnerOrganisation,
    PartnerPortal,
    SalesDirection,
    SystemProperty,
)
from partners.sections import Section
from tests import factories
from tests.world import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(world: World) -> Client:
    client = Client()
    client.force_login(world.admin)
    return client


class TestCreatePortalAction:
    def test_direction_without_portal_offers_the_action(self, admin_client_: Client) -> None:
        direction = factories.SalesDirectionFactory.create(slug="gamma")
        page = admin_client_.get(f"/admin/partners/salesdirection/{direction.pk}/change/").text
        assert f"/admin/partners/salesdirection/{direction.pk}/create-portal/" in page
        assert "Create partner portal" in page

    def test_direction_with_portal_links_to_it_instead(
        self, admin_client_: Client, world: World
    ) -> None:
        page = admin_client_.get(
            f"/admin/partners/salesdirection/{world.direction_a.pk}/change/"
        ).text
        assert "Create partner portal" not in page
        assert f"/admin/partners/partnerportal/{world.portal_a.pk}/change/" in page

    def test_action_asks_for_the_path_name(self, admin_client_: Client) -> None:
        direction = factories.SalesDirectionFactory.create(slug="gamma")
        response = admin_client_.get(
            f"/admin/partners/salesdirection/{direction.pk}/create-portal/"
        )
        assert response.status_code == 200
        assert 'name="path_name"' in response.text
        assert response.context["form"].initial["path_name"] == "gamma"

    def test_creates_inactive_portal_and_opens_its_form(self, admin_client_: Client) -> None:
        direction = factories.SalesDirectionFactory.create(slug="gamma", name="Gamma")
        response = admin_client_.post(
            f"/admin/partners/salesdirection/{direction.pk}/create-portal/",
            {"path_name": "gamma-partners", "title": ""},
        )
        portal = PartnerPortal.objects.get(direction=direction)
        assert response.status_code == 302
        assert response["Location"] == f"/admin/partners/partnerportal/{portal.pk}/change/"
        assert portal.path_name == "gamma-partners"
        assert portal.title == "Gamma partner portal"
        assert portal.is_active is False
        assert list(portal.sections.values_list("section", flat=True)) == Section.values

    def test_invalid_path_name_is_explained_and_kept(self, admin_client_: Client) -> None:
        direction = factories.SalesDirectionFactory.create(slug="gamma")
        response = admin_client_.post(
            f"/admin/partners/salesdirection/{direction.pk}/create-portal/",
            {"path_name": "Bad Name", "title": "My title"},
        )
        assert response.status_code == 200
        assert "lower-case letters" in response.text
        assert 'value="Bad Name"' in response.text
        assert 'value="My title"' in response.text
        assert not PartnerPortal.objects.filter(direction=direction).exists()

    def test_path_name_in_use_is_refused(self, admin_client_: Client, world: World) -> None:
        direction = factories.SalesDirectionFactory.create(slug="gamma")
        response = admin_client_.post(
            f"/admin/partners/salesdirection/{direction.pk}/create-portal/", {"path_name": "alpha"}
        )
        assert response.status_code == 200
        assert "already exists" in response.text
        assert not PartnerPortal.objects.filter(direction=direction).exists()

    def test_direction_with_portal_goes_to_existing_portal(
        self, admin_client_: Client, world: World
    ) -> None:
        response = admin_client_.post(
            f"/admin/partners/salesdirection/{world.direction_a.pk}/create-portal/",
            {"path_name": "another"},
        )
        assert response["Location"] == f"/admin/partners/partnerportal/{world.portal_a.pk}/change/"
        assert PartnerPortal.objects.filter(direction=world.direction_a).count() == 1

    def test_agents_cannot_create_portals(self, world: World) -> None:
        client = Client()
        client.force_login(world.agent)
        direction = factories.SalesDirectionFactory.create(slug="gamma")
        client.post(
            f"/admin/partners/salesdirection/{direction.pk}/create-portal/", {"path_name": "gamma"}
        )
        assert not PartnerPortal.objects.filter(direction=direction).exists()


class TestPortalAdmin:
    def test_admin_configures_structure_and_activates(self, admin_client_: Client) -> None:
        direction = factories.SalesDirectionFactory.create(slug="gamma")
        portal = PartnerPortal.objects.create(direction=direction, path_name="gamma", title="G")
        response = admin_client_.post(
            f"/admin/partners/partnerportal/{portal.pk}/change/",
            {
                "path_name": "gamma",
                "title": "Gamma partners",
                "is_active": "on",
                "sections-TOTAL_FORMS": "2",
                "sections-INITIAL_FORMS": "0",
                "sections-0-position": "1",
                "sections-0-section": "registrations",
                "sections-1-position": "2",
                "sections-1-section": "pricing",
            },
        )
        assert response.status_code == 302, response.context["errors"] if response.context else ""
        portal.refresh_from_db()
        assert portal.is_active
        assert list(portal.sections.values_list("section", flat=True)) == [
            "registrations",
            "pricing",
        ]

    def test_object_permissions_page_grants_user_criteria(
        self, admin_client_: Client, world: World
    ) -> None:
        url = f"/admin/partners/partnerportal/{world.portal_b.pk}/permissions/"
        assert admin_client_.get(url).status_code == 200
        response = admin_client_.post(
            url, {"user": world.a1.member.email, "submit_manage_user": "x"}
        )
        assert response.status_code == 302
        user_url = response["Location"]
        response = admin_client_.post(user_url, {"permissions": ["access_portal"]})
        assert response.status_code == 302
        assert world.a1.member.has_perm("partners.access_portal", world.portal_b)


class TestOrganisationAdmin:
    def test_organisation_with_members_offers_no_delete(
        self, admin_client_: Client, world: World
    ) -> None:
        url = f"/admin/partners/partnerorganisation/{world.a1.organisation.pk}/delete/"
        assert admin_client_.get(url).status_code == 403
        changelist = admin_client_.get("/admin/partners/partnerorganisation/")
        assert "delete_selected" not in changelist.text

    def test_empty_organisation_can_be_deleted(self, admin_client_: Client) -> None:
        organisation = factories.PartnerOrganisationFactory.create()
        url = f"/admin/partners/partnerorganisation/{organisation.pk}/delete/"
        assert admin_client_.post(url, {"post": "yes"}).status_code == 302
        assert not PartnerOrganisation.objects.filter(pk=organisation.pk).exists()

    def test_deactivate_action(self, admin_client_: Client, world: World) -> None:
        response = admin_client_.post(
            "/admin/partners/partnerorganisation/",
            {"action": "deactivate", "_selected_action": [world.a1.organisation.pk]},
        )
        assert response.status_code == 302
        world.a1.organisation.refresh_from_db()
        assert world.a1.organisation.is_active is False

    def test_admin_creates_organisation_with_domains(
        self, admin_client_: Client, world: World
    ) -> None:
        response = admin_client_.post(
            "/admin/partners/partnerorganisation/add/",
            {
                "name": "Fresh Partner",
                "direction": world.direction_a.pk,
                "is_active": "on",
                "zuora_account_id": "2c92c0f96a1b2c3d016a1b2c3d4e9999",
                "invoice_owner": "end_customer",
                "salesforce_account_id": "",
                "email_domains-TOTAL_FORMS": "1",
                "email_domains-INITIAL_FORMS": "0",
                "email_domains-0-domain": "fresh.example",
                "memberships-TOTAL_FORMS": "0",
                "memberships-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 302
        organisation = PartnerOrganisation.objects.get(name="Fresh Partner")
        assert organisation.invoice_owner == "end_customer"
        assert organisation.one_to_one_account_mapping is False  # unchecked box
        assert list(organisation.email_domains.values_list("domain", flat=True)) == [
            "fresh.example"
        ]

    def test_admin_refuses_a_domain_of_another_partner(
        self, admin_client_: Client, world: World
    ) -> None:
        response = admin_client_.post(
            "/admin/partners/partnerorganisation/add/",
            {
                "name": "Squatter",
                "direction": world.direction_a.pk,
                "zuora_account_id": "2c92c0f96a1b2c3d016a1b2c3d4e9998",
                "zuora_account_currency": "EUR",
                "invoice_owner": "partner",
                "email_domains-TOTAL_FORMS": "1",
                "email_domains-INITIAL_FORMS": "0",
                "email_domains-0-domain": "a1.partner.test",
                "memberships-TOTAL_FORMS": "0",
                "memberships-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 200
        assert "already exists" in response.text
        assert not PartnerOrganisation.objects.filter(name="Squatter").exists()

    def test_changelist_filters_and_search(self, admin_client_: Client, world: World) -> None:
        response = admin_client_.get(
            "/admin/partners/partnerorganisation/", {"direction__id__exact": world.direction_b.pk}
        )
        names = {o.name for o in response.context["cl"].result_list}
        assert names == {"Organisation B1", "Organisation B2"}
        response = admin_client_.get("/admin/partners/partnerorganisation/", {"q": "a2.partner"})
        assert {o.name for o in response.context["cl"].result_list} == {"Organisation A2"}


class TestSystemProperty:
    def test_admin_turns_the_portal_context_off(self, admin_client_: Client, world: World) -> None:
        prop = SystemProperty.objects.get(key="portals.portal_context.enable")
        response = admin_client_.post(
            f"/admin/partners/systemproperty/{prop.pk}/change/",
            {"value": "false", "description": prop.description},
        )
        assert response.status_code == 302
        client = Client()
        client.force_login(world.a1.member)
        assert client.get("/p/beta/").status_code == 200


class TestVendorGroups:
    def test_groups_exist_with_their_permissions(self) -> None:
        admins = set(
            Group.objects.get(name=VENDOR_ADMINS).permissions.values_list("codename", flat=True)
        )
        agents = set(
            Group.objects.get(name=VENDOR_AGENTS).permissions.values_list("codename", flat=True)
        )
        assert {
            "add_partnerorganisation",
            "change_partnerportal",
            "change_systemproperty",
        } <= admins
        assert {"add_user", "change_user", "add_partnermembership"} <= admins
        assert "view_partnerorganisation" in agents
        assert not {p for p in agents if not p.startswith("view_")}

    def test_non_superuser_vendor_admin_configures_organisations(self, world: World) -> None:
        staff = factories.UserFactory.create(is_staff=True)
        staff.groups.add(Group.objects.get(name=VENDOR_ADMINS))
        client = Client()
        client.force_login(staff)
        assert client.get("/admin/partners/partnerorganisation/add/").status_code == 200
        assert client.get("/admin/partners/salesdirection/").status_code == 200

    def test_agent_views_but_does_not_change_organisations(self, world: World) -> None:
        client = Client()
        client.force_login(world.agent)
        url = f"/admin/partners/partnerorganisation/{world.a1.organisation.pk}/change/"
        assert client.get(url).status_code == 200
        assert client.get("/admin/partners/partnerorganisation/add/").status_code == 403
        assert client.get("/admin/partners/systemproperty/").status_code == 403

    def test_partner_users_cannot_open_admin(self, world: World) -> None:
        client = Client()
        client.force_login(world.a1.supervisor)
        assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_direction_changelist_shows_portal_state(admin_client_: Client, world: World) -> None:
    page = admin_client_.get("/admin/partners/salesdirection/").text
    assert "/p/alpha/" in page
    assert SalesDirection.objects.count() == 2


def test_the_portal_forms_help_text_shows_the_real_address(
    admin_client_: Client, world: World
) -> None:
    html = admin_client_.get(f"/admin/partners/partnerportal/{world.portal_a.pk}/change/").text
    address = f"http://127.0.0.1:8000/p/{world.portal_a.path_name}/"
    assert f'The portal opens at <a href="{address}">{address}</a>.' in html
    html = admin_client_.get("/admin/partners/partnerportal/add/").text
    assert "The portal opens at <code>http://127.0.0.1:8000/p/path-name/</code>" in html
    direction = factories.SalesDirectionFactory.create(slug="gamma")
    html = admin_client_.get(f"/admin/partners/salesdirection/{direction.pk}/create-portal/").text
    assert "<code>http://127.0.0.1:8000/p/path-name/</code>" in html
