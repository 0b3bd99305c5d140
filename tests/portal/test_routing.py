"""Where `/` sends each person, and who may enter which portal (DESIGN.md "URLs")."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client, RequestFactory
from guardian.shortcuts import assign_perm

from partners.models import PartnerPortal, SystemProperty
from partners.selectors import PORTAL_CONTEXT_PROPERTY
from portal_access.context import same_page_of
from tests import factories
from tests.world import World

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


class TestHome:
    def test_anonymous_is_sent_to_sign_in(self, client: Client) -> None:
        response = client.get("/")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=/"

    @pytest.mark.parametrize("who", ["member", "supervisor"])
    def test_partner_user_goes_to_own_portal(self, world: World, who: str) -> None:
        response = signed_in(getattr(world.b1, who)).get("/")
        assert response.status_code == 302
        assert response["Location"] == "/p/beta/"

    def test_end_customer_goes_to_account(self, world: World) -> None:
        response = signed_in(world.customer).get("/")
        assert response["Location"] == "/account/"

    def test_staff_goes_to_staff_home(self, world: World) -> None:
        # The back office exists since issue #5.
        response = signed_in(world.agent).get("/")
        assert response["Location"] == "/backoffice/"

    def test_partner_user_whose_portal_is_inactive_goes_to_account(self, world: World) -> None:
        PartnerPortal.objects.filter(pk=world.portal_a.pk).update(is_active=False)
        response = signed_in(world.a1.member).get("/")
        assert response["Location"] == "/account/"

    def test_partner_user_of_direction_without_portal_goes_to_account(self) -> None:
        membership = factories.PartnerMembershipFactory.create()
        response = signed_in(membership.user).get("/")
        assert response["Location"] == "/account/"


class TestPortalEntry:
    def test_member_enters_own_portal_and_sees_organisation(self, world: World) -> None:
        response = signed_in(world.a1.member).get("/p/alpha/")
        assert response.status_code == 200
        assert response.context["ctx"].organisation == world.a1.organisation
        assert "Organisation A1" in response.text
        assert "Organisation A2" not in response.text

    def test_anonymous_is_sent_to_sign_in_and_back(self, world: World, client: Client) -> None:
        response = client.get("/p/alpha/?tab=x")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=/p/alpha/%3Ftab%3Dx"

    def test_other_direction_is_redirected_to_same_page_of_own_portal(self, world: World) -> None:
        response = signed_in(world.a1.supervisor).get("/p/beta/?scope=all")
        assert response.status_code == 302
        assert response["Location"] == "/p/alpha/?scope=all"

    def test_same_page_keeps_the_rest_of_the_path(self, world: World) -> None:
        request = RequestFactory().get("/p/beta/registrations/42/", {"scope": "mine"})
        url = same_page_of(request, current=world.portal_b, target=world.portal_a)
        assert url == "/p/alpha/registrations/42/?scope=mine"

    def test_other_direction_with_inactive_own_portal_goes_to_account(self, world: World) -> None:
        PartnerPortal.objects.filter(pk=world.portal_a.pk).update(is_active=False)
        response = signed_in(world.a1.member).get("/p/beta/")
        assert response["Location"] == "/account/"

    @pytest.mark.parametrize("who", ["customer", "agent", "admin"])
    def test_people_without_partner_membership_go_to_account(self, world: World, who: str) -> None:
        response = signed_in(getattr(world, who)).get("/p/alpha/")
        assert response.status_code == 302
        assert response["Location"] == "/account/"

    def test_inactive_portal_is_not_found_even_for_its_members(self, world: World) -> None:
        PartnerPortal.objects.filter(pk=world.portal_a.pk).update(is_active=False)
        assert signed_in(world.a1.member).get("/p/alpha/").status_code == 404

    def test_inactive_portal_is_not_found_for_anonymous(self, world: World, client: Client) -> None:
        PartnerPortal.objects.filter(pk=world.portal_a.pk).update(is_active=False)
        assert client.get("/p/alpha/").status_code == 404

    def test_unknown_portal_is_not_found(self, world: World) -> None:
        assert signed_in(world.a1.member).get("/p/nowhere/").status_code == 404


class TestDeactivation:
    def test_deactivated_organisation_loses_access_at_next_request(self, world: World) -> None:
        client = signed_in(world.a1.member)
        assert client.get("/p/alpha/").status_code == 200
        world.a1.organisation.is_active = False
        world.a1.organisation.save()
        # The session ends at the next request, wherever it goes (issue #3).
        response = client.get("/p/alpha/")
        assert response["Location"] == "/accounts/login/?next=/p/alpha/"
        assert client.get("/")["Location"] == "/accounts/login/?next=/"

    def test_deactivated_membership_loses_access_at_next_request(self, world: World) -> None:
        client = signed_in(world.a1.member)
        assert client.get("/p/alpha/").status_code == 200
        membership = world.a1.member.partner_membership
        membership.is_active = False
        membership.save()
        assert client.get("/account/")["Location"] == "/accounts/login/?next=/account/"
        assert client.get("/p/alpha/")["Location"] == "/accounts/login/?next=/p/alpha/"

    def test_other_members_keep_access(self, world: World) -> None:
        membership = world.a1.member.partner_membership
        membership.is_active = False
        membership.save()
        assert signed_in(world.a1.supervisor).get("/p/alpha/").status_code == 200


class TestPortalContextProperty:
    def test_property_is_on_by_default(self) -> None:
        assert SystemProperty.objects.get(key=PORTAL_CONTEXT_PROPERTY).value == "true"

    def test_with_property_off_direction_limitation_is_not_applied(self, world: World) -> None:
        SystemProperty.objects.filter(key=PORTAL_CONTEXT_PROPERTY).update(value="false")
        response = signed_in(world.a1.member).get("/p/beta/")
        assert response.status_code == 200
        # Still their own organisation's context: the property never changes the tenant.
        assert response.context["ctx"].organisation == world.a1.organisation

    def test_with_property_off_end_customers_still_cannot_enter(self, world: World) -> None:
        SystemProperty.objects.filter(key=PORTAL_CONTEXT_PROPERTY).update(value="false")
        assert signed_in(world.customer).get("/p/beta/")["Location"] == "/account/"

    def test_with_property_off_inactive_portal_still_not_found(self, world: World) -> None:
        SystemProperty.objects.filter(key=PORTAL_CONTEXT_PROPERTY).update(value="false")
        PartnerPortal.objects.filter(pk=world.portal_b.pk).update(is_active=False)
        assert signed_in(world.a1.member).get("/p/beta/").status_code == 404

    def test_missing_property_counts_as_on(self, world: World) -> None:
        SystemProperty.objects.filter(key=PORTAL_CONTEXT_PROPERTY).delete()
        assert signed_in(world.a1.member).get("/p/beta/").status_code == 302


class TestUserCriteria:
    def test_user_granted_access_enters_other_directions_portal(self, world: World) -> None:
        assign_perm("partners.access_portal", world.a1.member, world.portal_b)
        response = signed_in(world.a1.member).get("/p/beta/")
        assert response.status_code == 200
        assert response.context["ctx"].organisation == world.a1.organisation

    def test_grant_is_per_user(self, world: World) -> None:
        assign_perm("partners.access_portal", world.a1.member, world.portal_b)
        assert signed_in(world.a1.supervisor).get("/p/beta/").status_code == 302

    def test_grant_is_per_portal(self, world: World) -> None:
        assign_perm("partners.access_portal", world.b1.member, world.portal_b)  # own already
        third = factories.PartnerPortalFactory.create(path_name="gamma")
        assert signed_in(world.a1.member).get(third.get_absolute_url()).status_code == 302

    def test_group_granted_access_enters_other_directions_portal(self, world: World) -> None:
        group = Group.objects.create(name="Cross-direction resellers")
        world.a2.member.groups.add(group)
        assign_perm("partners.access_portal", group, world.portal_b)
        assert signed_in(world.a2.member).get("/p/beta/").status_code == 200
        assert signed_in(world.a1.member).get("/p/beta/").status_code == 302

    def test_grant_does_not_let_non_partners_in(self, world: World) -> None:
        assign_perm("partners.access_portal", world.customer, world.portal_b)
        assert signed_in(world.customer).get("/p/beta/")["Location"] == "/account/"


class TestAccountPage:
    def test_end_customer_sees_account_page(self, world: World) -> None:
        response = signed_in(world.customer).get("/account/")
        assert response.status_code == 200
        assert "customer@example.test" in response.text

    def test_anonymous_is_sent_to_sign_in(self, client: Client) -> None:
        assert client.get("/account/")["Location"] == "/accounts/login/?next=/account/"


class TestSignInComesBack:
    def test_password_sign_in_returns_to_the_page_asked_for(self, world: World) -> None:
        client = Client()
        response = client.post(
            "/accounts/login/?next=/p/alpha/",
            {"login": "member@a1.partner.test", "password": factories.PASSWORD},
        )
        assert response.status_code == 302
        assert response["Location"] == "/p/alpha/"

    def test_sign_in_without_next_lands_on_own_portal(self, world: World) -> None:
        client = Client()
        response = client.post(
            "/accounts/login/",
            {"login": "member@b2.partner.test", "password": factories.PASSWORD},
            follow=True,
        )
        assert response.redirect_chain[-1][0] == "/p/beta/"
