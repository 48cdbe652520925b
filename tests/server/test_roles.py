"""Who can reach what: residents and the public are kept out of official and admin pages."""

import pytest

OFFICIAL_PAGES = ["/officials/residents"]
ADMIN_PAGES = ["/admin/users", "/admin/users/new", "/admin/regions", "/admin/departments", "/admin/categories",
               "/admin/census", "/admin/users.csv"]
ADMIN_ACTIONS = ["/admin/regions", "/admin/categories", "/admin/users/new", "/admin/census"]


@pytest.mark.parametrize("path", OFFICIAL_PAGES + ADMIN_PAGES)
def test_anonymous_user_is_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("path", OFFICIAL_PAGES + ADMIN_PAGES)
def test_resident_gets_403_on_staff_pages(client, make_user, path):
    client.login(make_user("resident"))
    response = client.get(path)
    assert response.status_code == 403
    assert "permission" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ADMIN_ACTIONS)
def test_resident_cannot_post_admin_actions(client, make_user, path):
    client.login(make_user("resident"))
    response = client.post(path, {"code": "x", "name_zh": "x", "name_en": "x"})
    assert response.status_code == 403


def test_resident_cannot_verify_anyone(client, make_user):
    resident, other = make_user("resident"), make_user("resident")
    client.login(resident)
    assert client.post(f"/officials/residents/{other.id}/verify").status_code == 403
    assert client.post(f"/officials/residents/{resident.id}/verify").status_code == 403


@pytest.mark.parametrize("role", ["official", "moderator"])
def test_other_staff_get_403_on_admin_pages(client, make_user, make_region, role):
    client.login(make_user(role, region=make_region("county")))
    assert client.get("/admin/users").status_code == 403


def test_admin_reaches_admin_and_official_pages(client, make_user):
    client.login(make_user("admin"))
    for path in OFFICIAL_PAGES + ADMIN_PAGES:
        assert client.get(path).status_code == 200, path
