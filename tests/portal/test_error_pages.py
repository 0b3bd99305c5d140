"""403, 404 and 500 answer in the site's layout with a way home (DEBUG off, as in production)."""

from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path

from portal.urls import urlpatterns as portal_urlpatterns
from tests.world import World

pytestmark = pytest.mark.django_db


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


urlpatterns = [path("broken/", broken), *portal_urlpatterns]
handler400 = "portal.views.bad_request"


def layout(html: str) -> bool:
    return 'data-testid="error-heading"' in html and 'aria-label="Main"' in html


@override_settings(DEBUG=False)
def test_not_found_is_in_the_layout(world: World) -> None:
    client = Client()
    client.force_login(world.a1.member)
    response = client.get("/p/alpha/registrations/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404
    assert layout(response.text)
    assert 'href="/"' in response.text


@override_settings(DEBUG=False)
def test_a_partner_at_the_admin_or_the_back_office_gets_the_forbidden_page(
    world: World,
) -> None:
    client = Client()
    client.force_login(world.a1.member)
    for url in ("/admin/", "/backoffice/"):
        response = client.get(url, follow=True)  # /admin/ goes by its sign-in page
        assert response.status_code == 403, url
        assert layout(response.text), url
        assert 'href="/"' in response.text, url
        assert "403 Forbidden" not in response.text, url


@override_settings(DEBUG=False, ROOT_URLCONF="tests.portal.test_error_pages")
def test_a_server_error_is_in_the_layout() -> None:
    client = Client(raise_request_exception=False)
    response = client.get("/broken/")
    assert response.status_code == 500
    assert layout(response.text)
    assert 'href="/"' in response.text


@override_settings(DEBUG=False)
def test_an_anonymous_visitor_gets_the_not_found_page_in_the_layout() -> None:
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert layout(response.text)
    assert 'href="/"' in response.text
