"""Admin pages: the region tree, departments and their categories, categories, users and roles."""

import csv
import html
import io

import pytest
from sqlalchemy import select

from accounts.regions import Category, Department, Region
from accounts.users import User
from core.db import db


def test_admin_builds_the_region_tree(client, make_user):
    client.login(make_user("admin"))
    assert client.post("/admin/regions", {"code": "C1", "name_zh": "县", "name_en": "County"}).status_code == 302
    county = db.session.scalar(select(Region).where(Region.code == "C1"))
    client.post("/admin/regions", {"code": "T1", "name_zh": "镇", "name_en": "Town", "parent": str(county.id)})
    town = db.session.scalar(select(Region).where(Region.code == "T1"))
    client.post("/admin/regions", {"code": "V1", "name_zh": "村", "name_en": "Village", "parent": str(town.id)})
    village = db.session.scalar(select(Region).where(Region.code == "V1"))
    assert (county.level, town.level, village.level) == ("county", "township", "village")
    assert village.full_name == "县 / 镇 / 村"  # outside a request names are Chinese
    page = client.get("/admin/regions").get_data(as_text=True)
    assert page.index("County") < page.index("Town") < page.index("Village")


def test_duplicate_region_code_is_shown_next_to_the_field(client, make_user, make_region):
    make_region("county", code="C1")
    client.login(make_user("admin"))
    response = client.post("/admin/regions", {"code": "C1", "name_zh": "县", "name_en": "County"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This code is already used" in html and 'id="code-error"' in html


def test_a_village_cannot_contain_regions(client, make_user, make_region):
    village = make_region("village")
    client.login(make_user("admin"))
    response = client.post("/admin/regions", {"code": "X", "name_zh": "x", "name_en": "x", "parent": str(village.id)})
    assert response.status_code == 422
    assert db.session.scalar(select(Region).where(Region.code == "X")) is None


def test_admin_creates_department_with_categories_and_edits_them(client, make_user, make_region, make_category):
    county = make_region("county")
    roads, water = make_category(code="roads"), make_category(code="water")
    client.login(make_user("admin"))
    response = client.post("/admin/departments", {"code": "d-roads", "name_zh": "交通局", "name_en": "Roads",
                                                  "region": str(county.id), "categories": [str(roads.id)]})
    assert response.status_code == 302
    department = db.session.scalar(select(Department).where(Department.code == "d-roads"))
    assert [c.code for c in department.categories] == ["roads"]
    client.post(f"/admin/departments/{department.id}", {"name_zh": "交通局", "name_en": "Roads",
                                                        "categories": [str(roads.id), str(water.id)],
                                                        "answer_days": "3"})
    db.session.refresh(department)
    assert sorted(c.code for c in department.categories) == ["roads", "water"] and department.answer_days == 3
    refused = client.post(f"/admin/departments/{department.id}", {"name_zh": "交通局", "name_en": "Roads",
                                                                  "answer_days": "400"})
    assert refused.status_code == 422 and "from 1 to 365" in refused.get_data(as_text=True)
    db.session.refresh(department)
    assert department.answer_days == 3 and len(department.categories) == 2  # nothing half-saved


def test_admin_adds_and_retires_a_category(client, make_user):
    client.login(make_user("admin"))
    client.post("/admin/categories", {"code": "parks", "name_zh": "公园", "name_en": "Parks"})
    category = db.session.scalar(select(Category).where(Category.code == "parks"))
    assert category.active
    client.post(f"/admin/categories/{category.id}/active")
    assert not db.session.get(Category, category.id).active


def test_missing_english_name_is_an_inline_error(client, make_user):
    client.login(make_user("admin"))
    response = client.post("/admin/categories", {"code": "parks", "name_zh": "公园", "name_en": ""})
    assert response.status_code == 422
    assert 'id="name_en-error"' in response.get_data(as_text=True)


def test_admin_makes_a_resident_an_official(client, make_user, make_department, make_region):
    county = make_region("county")
    department = make_department(region=county)
    resident = make_user("resident")
    client.login(make_user("admin"))
    response = client.post(f"/admin/users/{resident.id}", {"role": "official", "department": str(department.id),
                                                          "region": str(county.id), "active": "y"})
    assert response.status_code == 302
    user = db.session.get(User, resident.id)
    assert (user.role, user.department_id) == ("official", department.id)


def test_an_official_needs_a_department(client, make_user):
    resident = make_user("resident")
    client.login(make_user("admin"))
    response = client.post(f"/admin/users/{resident.id}", {"role": "official", "region": "", "department": "",
                                                          "active": "y"})
    assert response.status_code == 422
    assert "must belong to a department" in response.get_data(as_text=True)
    assert db.session.get(User, resident.id).role == "resident"


def test_admin_cannot_remove_their_own_admin_rights(client, make_user):
    admin = make_user("admin")
    client.login(admin)
    response = client.post(f"/admin/users/{admin.id}", {"role": "moderator", "active": "y"})
    assert response.status_code == 422
    assert db.session.get(User, admin.id).role == "admin"


def test_admin_creates_an_official_account(client, make_user, make_department):
    department = make_department()
    client.login(make_user("admin"))
    response = client.post("/admin/users/new", {"display_name": "王科长", "email": "wang@example.org", "phone": "",
                                                "role": "official", "department": str(department.id),
                                                "region": "", "password": "a long enough password"})
    assert response.status_code == 302
    official = db.session.scalar(select(User).where(User.email == "wang@example.org"))
    assert official.role == "official" and official.department_id == department.id


def test_users_list_filters_and_exports_csv(client, make_user):
    make_user("resident", display_name="Alice Resident", verified=True, phone="+8613912345678")
    make_user("resident", display_name="=Bob Resident")
    client.login(make_user("admin", display_name="Root"))
    html = client.get("/admin/users?role=resident&verified=yes").get_data(as_text=True)
    assert "Alice Resident" in html and "Bob Resident" not in html and "Root" not in html
    response = client.get("/admin/users.csv?role=resident")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert response.mimetype == "text/csv"
    # A name that would start a formula in a spreadsheet is kept as text; a phone number stays a number.
    assert sorted(r["display_name"] for r in rows) == ["'=Bob Resident", "Alice Resident"]
    assert {r["phone"] for r in rows} >= {"+8613912345678"}
    assert "password_hash" not in rows[0]


@pytest.mark.parametrize("dense", [1, 1000])
def test_people_are_found_by_any_part_of_their_name_phone_or_email(client, make_user, make_region, monkeypatch,
                                                                   dense):
    """Whether a search counts as rare (looked up through its indexes first, on PostgreSQL) never changes who is
    found; a surname of one Chinese character finds its people; % and _ are plain characters."""
    from core import search

    monkeypatch.setattr(search, "DENSE", dense)
    village = make_region("village")
    zhang = make_user("resident", region=village, display_name="张秀英", phone="+8613911112222", email=None)
    make_user("resident", region=village, display_name="王_芳", email="wang@example.org")
    make_user("resident", region=village, display_name="Li 100%", email="li@example.org")
    make_user("resident", region=village, display_name="Chen", email="chen@例子.中国")  # an address in Chinese
    client.login(make_user("admin", display_name="Root"))

    def found(q):
        page = client.get("/admin/users", query_string={"q": q}).get_data(as_text=True)
        return sorted(name for name in ("张秀英", "王_芳", "Li 100%", "Chen", "Root") if html.escape(name) in page)

    assert found("张") == ["张秀英"] and found("1111") == ["张秀英"] and found("wang@") == ["王_芳"]
    assert found("例子") == ["Chen"] and found("例子.中") == ["Chen"]
    assert found("_") == ["王_芳"] and found("%") == ["Li 100%"] and found("nobody") == []
    official = make_user("official", region=village)
    client.login(official)
    page = client.get("/officials/residents", query_string={"q": "2222", "status": "all"}).get_data(as_text=True)
    assert zhang.display_name in page and "王_芳" not in page


def test_a_large_export_starts_at_once_and_arrives_whole(client, make_user, make_region):
    """3,000 accounts: the file is sent in pieces while the accounts are read (the server never holds it all), and
    every account is in it once, in order; a deleted account is named in the reader's language (English here; the
    rows are read after the request, where the default would be Chinese)."""
    from sqlalchemy import insert

    from core.db import utcnow
    from server.web.helpers import CSV_PIECE

    village, now = make_region("village"), utcnow()
    db.session.execute(insert(User), [
        {"phone": f"+86137{n:08d}", "password_hash": "x", "display_name": f"Resident {n:04d} of a long export",
         "role": "resident", "region_id": village.id, "active": True, "session_version": 1, "created_at": now,
         "deleted_at": now if n == 7 else None} for n in range(3000)])
    db.session.commit()
    client.login(make_user("admin"))
    response = client.get("/admin/users.csv?role=resident", buffered=False, headers={"Accept-Language": "en"})
    assert response.is_streamed
    pieces = list(response.response)
    assert len(pieces) >= 3 and all(len(piece) < 2 * CSV_PIECE for piece in pieces)
    rows = list(csv.DictReader(io.StringIO("".join(p if isinstance(p, str) else p.decode() for p in pieces)
                                           .lstrip("\ufeff"))))
    assert [r["phone"] for r in rows] == [f"+86137{n:08d}" for n in range(3000)]
    assert rows[7]["display_name"] == "Former resident" and rows[8]["display_name"] == "Resident 0008 of a long export"


def test_admin_corrects_names_of_regions_categories_and_departments(client, make_user, make_region, make_category,
                                                                     make_department):
    region, category, department = make_region("county"), make_category(), make_department()
    client.login(make_user("admin"))
    client.post(f"/admin/regions/{region.id}/names", {"name_zh": "新县", "name_en": "New County"})
    client.post(f"/admin/categories/{category.id}/names", {"name_zh": "新类", "name_en": "New Category"})
    client.post(f"/admin/departments/{department.id}", {"name_zh": "新部门", "name_en": "New Department",
                                                        "categories": []})
    assert db.session.get(Region, region.id).name_en == "New County"
    assert db.session.get(Category, category.id).name_zh == "新类"
    assert db.session.get(Department, department.id).name_en == "New Department"
    response = client.post(f"/admin/regions/{region.id}/names", {"name_zh": "", "name_en": "x"})
    assert response.status_code == 422 and db.session.get(Region, region.id).name_zh == "新县"


def test_admin_keeps_answer_templates_and_reads_the_audit_log(client, make_user, make_category, make_appeal):
    from appeals import workflow as appeal_workflow
    from appeals.models import AnswerTemplate

    water = make_category(name_en="Water")
    client.login(make_user("admin"))
    assert client.post("/admin/answer-templates", {"title": "", "body": "x"}).status_code == 422
    assert client.post("/admin/answer-templates", {"title": "Pump ordered", "category": str(water.id),
                                                   "body": "We ordered a new pump."}).status_code == 302
    template = db.session.scalar(select(AnswerTemplate))
    assert (template.title, template.category_id) == ("Pump ordered", water.id)
    appeal = make_appeal()
    appeal_workflow.accept_appeal(appeal, actor=make_user("official", department=appeal.department))
    db.session.commit()
    log = client.get("/admin/audit?action=appeal.accept").get_data(as_text=True)
    assert f"#{appeal.id}</a>" in log and "submitted → accepted" in log
    assert client.post(f"/admin/answer-templates/{template.id}/delete").status_code == 302
    assert db.session.scalar(select(AnswerTemplate)) is None


def test_admin_sets_a_departments_funds_for_projects(client, make_user, make_department):
    department = make_department()
    client.login(make_user("admin"))
    fields = {"name_zh": department.name_zh, "name_en": department.name_en}
    refused = client.post(f"/admin/departments/{department.id}", {**fields, "project_budget": "lots"})
    assert refused.status_code == 422 and 'id="project_budget-error"' in refused.get_data(as_text=True)
    assert client.post(f"/admin/departments/{department.id}", {**fields, "project_budget": "50,000"}).status_code == 302
    db.session.refresh(department)
    assert department.project_budget_minor == 5_000_000
    assert 'value="50000.00"' in client.get(f"/admin/departments/{department.id}").get_data(as_text=True)
    client.post(f"/admin/departments/{department.id}", {**fields, "project_budget": ""})
    db.session.refresh(department)
    assert department.project_budget_minor is None  # not tracked
