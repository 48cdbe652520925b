"""Whatever people (or scripts) send, the answer is a clear message or a 404, never a 500."""

import io

import pytest
from sqlalchemy import func, select

from accounts.regions import Category, Region
from accounts.users import CensusEntry, User
from core.db import db
from server.commands.demo import id_number_with_check

HUGE = "99999999999999999999"
BEYOND_POSTGRES_INTEGER = "2147483648"


@pytest.mark.parametrize("number", [HUGE, BEYOND_POSTGRES_INTEGER, "-1", "0", "²", "1e3"])
@pytest.mark.parametrize("path", ["/proposals?region={n}", "/proposals?category={n}", "/proposals?after={n}",
                                  "/appeals?after={n}", "/proposals/{n}", "/appeals/{n}"])
def test_impossible_ids_in_public_urls(client, path, number):
    response = client.get(path.format(n=number))
    assert response.status_code in (200, 404)


@pytest.mark.parametrize("method, path", [
    ("get", "/admin/users/{n}"), ("get", "/admin/departments/{n}"), ("get", "/admin/users?region={n}"),
    ("get", "/admin/users?after={n}"), ("get", "/admin/users.csv?region={n}"),
    ("get", "/officials/residents?after={n}"), ("get", "/officials/residents?village={n}"),
    ("post", "/officials/residents/{n}/verify"), ("post", "/admin/categories/{n}/active"),
    ("get", "/admin/regions/{n}/names"),
])
def test_impossible_ids_in_staff_urls(client, make_user, method, path):
    client.login(make_user("admin"))
    for number in (HUGE, BEYOND_POSTGRES_INTEGER):
        response = getattr(client, method)(path.format(n=number))
        assert response.status_code in (200, 404), (path, number)


def test_impossible_ids_in_forms_are_refused_not_crashed(client, make_user):
    client.login(make_user("admin"))
    response = client.post("/admin/users/new", {"display_name": "x", "email": "x@example.org", "role": "resident",
                                                "region": HUGE, "department": HUGE,
                                                "password": "a long enough password"})
    assert response.status_code == 422
    response = client.post("/admin/departments", {"code": "d", "name_zh": "部", "name_en": "D", "region": HUGE,
                                                  "categories": [HUGE, "abc"]})
    assert response.status_code == 422


@pytest.mark.parametrize("path, data", [
    ("/register", {"display_name": "a\x00b", "phone": "13912345678", "password": "a long enough password"}),
    ("/login", {"identifier": "a\x00b", "password": "a long enough password"}),
])
def test_nul_bytes_are_refused_with_a_message(client, path, data):
    response = client.post(path, data)
    assert response.status_code == 422
    assert "not allowed" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_nul_bytes_in_search_are_refused(client, make_user):
    client.login(make_user("admin"))
    assert client.get("/admin/users?q=a%00b").status_code == 422
    assert client.get("/officials/residents?q=%00").status_code == 422


@pytest.mark.parametrize("name", ["\u200b\u200b", "Bob\u202eevil", "line\nbreak", "bell\x07"])
def test_invisible_and_control_characters_in_names_are_refused(client, make_region, name):
    response = client.post("/register", {"display_name": name, "phone": "13912345678", "email": "",
                                         "village": str(make_region("village").id),
                                         "password": "a long enough password"})
    assert response.status_code == 422
    assert "visible letters" in response.get_data(as_text=True)


def test_a_landline_is_not_a_mobile_number(client, make_region):
    response = client.post("/register", {"display_name": "张三", "phone": "010-12345678", "email": "",
                                         "village": str(make_region("village").id),
                                         "password": "a long enough password"})
    assert response.status_code == 422
    assert "Please enter a mobile number" in response.get_data(as_text=True)


def test_census_file_with_extra_cells_still_imports(client, make_user, make_region):
    make_region("village", code="V-1")
    client.login(make_user("admin"))
    number = id_number_with_check("11010119900307451")
    response = client.post("/admin/census", {"file": (io.BytesIO(f"id_number,village_code\n{number},V-1,extra\n"
                                                                 .encode()), "c.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(CensusEntry)) == 1


@pytest.mark.parametrize("ids", [["²"], [HUGE], ["abc"], []])
def test_bulk_verify_with_nothing_usable_ticked_says_so(client, make_user, make_region, ids):
    client.login(make_user("official", region=make_region("county")))
    response = client.post("/officials/residents/verify", {"ids": ids}, follow_redirects=True)
    assert response.status_code == 200
    assert "Tick at least one resident first" in response.get_data(as_text=True)


def test_codes_differ_by_more_than_case_and_siblings_by_name(client, make_user, make_region):
    county = make_region("county", code="FY", name_zh="凤仪县", name_en="Fengyi County")
    client.login(make_user("admin"))
    response = client.post("/admin/regions", {"code": "fy", "name_zh": "别的县", "name_en": "Other"})
    assert response.status_code == 422 and "already used" in response.get_data(as_text=True)
    client.post("/admin/regions", {"code": "T1", "name_zh": "青石镇", "name_en": "Qingshi", "parent": str(county.id)})
    response = client.post("/admin/regions", {"code": "T2", "name_zh": "青石镇", "name_en": "Qingshi 2",
                                              "parent": str(county.id)})
    assert response.status_code == 422 and "already has this name" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Region)) == 2
    client.post("/admin/categories", {"code": "roads", "name_zh": "道路", "name_en": "Roads"})
    response = client.post("/admin/categories", {"code": "ROADS", "name_zh": "路", "name_en": "Streets"})
    assert response.status_code == 422
    response = client.post("/admin/categories", {"code": "streets", "name_zh": "街道", "name_en": "roads"})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Category)) == 1


def test_new_account_errors_sit_next_to_their_fields(client, make_user, make_department):
    department = make_department()
    client.login(make_user("admin"))
    response = client.post("/admin/users/new", {"display_name": "x", "email": "x@example.org", "role": "resident",
                                                "region": "", "department": "", "password": "a long enough password"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="region-error"' in html
    response = client.post("/admin/users/new", {"display_name": "x", "email": "x@example.org", "role": "admin",
                                                "region": "", "department": str(department.id),
                                                "password": "a long enough password"})
    assert 'id="department-error"' in response.get_data(as_text=True)
    assert "Only officials belong to a department" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "x@example.org")) is None


def test_deactivated_account_is_told_so_only_with_the_right_password(client, make_user):
    user = make_user()
    user.active = False
    db.session.commit()
    wrong = client.post("/login", {"identifier": user.login_name, "password": "not the password"})
    right = client.post("/login", {"identifier": user.login_name, "password": "correct horse battery"})
    assert "deactivated" not in wrong.get_data(as_text=True)
    assert right.status_code == 403 and "deactivated" in right.get_data(as_text=True)


def test_a_refused_official_action_explains_itself(client, make_user, make_region):
    village = make_region("village")
    colleague = make_user("official", region=village.path[0])
    client.login(make_user("official", region=village.path[0]))
    response = client.post(f"/officials/residents/{colleague.id}/verify")
    assert response.status_code in (403, 422)
    assert "Something went wrong" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/officials/appeals/bulk", "/officials/appeals/candidates",
                                  "/officials/residents/verify"])
def test_tens_of_thousands_of_ticked_ids_are_refused_with_a_message(client, make_user, make_department, path):
    """More ids than a database takes in one query (PostgreSQL: 65,535) was a 500 or a misleading 503."""
    client.login(make_user("official", department=make_department()))
    response = client.post(path, {"ids": [str(n) for n in range(1, 70_001)], "action": "accept"})
    assert response.status_code == 422 and "Tick at most 1000 at a time" in response.get_data(as_text=True)
