"""No silent loss of text (issue 18) in the officials' steps for many appeals at once: a bulk answer or hand-over
that nothing came of, and a group put forward as a project candidate without a usable title, come back on the
list they were sent from (the inbox with its filters, or the same page of groups), with the text typed, the
choices made and the appeals ticked, and the message next to the field it concerns; nothing is saved."""

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from appeals.candidates import ProjectCandidate
from appeals.models import Appeal
from core.db import db

ANSWER = "新水泵已安装，请大家放心用水。" * 400  # 6,000 characters


@pytest.fixture
def desk(make_region, make_category, make_department, make_user, make_appeal):
    """An official's desk with three appeals about the dry well of one village (a group) and one other."""
    village, category = make_region("village"), make_category(name_en="Water")
    department = make_department(region=village.path[0], categories=[category])
    well = [make_appeal(village=village, category=category, body=text) for text in
            ("村口水井没有水了", "村口的水井没水了，好几天", "水井没有水")]
    roof = make_appeal(village=village, category=category, body="学校屋顶漏雨")
    return well, roof, make_user("official", department=department)


def page_of(response) -> BeautifulSoup:
    assert response.status_code == 422 and response.mimetype == "text/html", response.status_code
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def statuses(appeals) -> set:
    db.session.expire_all()
    return {db.session.get(Appeal, a.id).status for a in appeals}


def test_an_answer_with_nothing_ticked_comes_back_to_the_filtered_inbox(client, desk):
    well, roof, official = desk
    client.login(official)
    inbox = BeautifulSoup(client.get("/officials/appeals?status=all&sort=newest").get_data(as_text=True),
                          "html.parser")
    action = inbox.select_one("form.bulk")["action"]
    assert "status=all" in action and "sort=newest" in action
    response = client.post(action, {"action": "answer", "body": "A new pump is in.", "resolve": "y"})
    page = page_of(response)
    assert "Tick at least one appeal first." in page.find(id="refused-form").get_text()
    assert page.find(id="bulk-body").get_text().strip() == "A new pump is in."
    assert page.find(id="bulk-action").find("option", selected=True)["value"] == "answer"
    assert page.find(id="bulk-resolve").has_attr("checked")
    assert page.find("select", id="sort").find("option", selected=True)["value"] == "newest"  # its filters too
    assert statuses(well + [roof]) == {"submitted"}


def test_a_long_bulk_answer_keeps_its_text_and_ticks(client, desk):
    well, roof, official = desk
    client.login(official)
    ticked = [str(a.id) for a in well]
    page = page_of(client.post("/officials/appeals/bulk", {"action": "answer", "body": ANSWER, "ids": ticked}))
    assert page.find(id="bulk-body-error").get_text() == "Use at most 5,000 characters; this has 6,000."
    assert page.find(id="bulk-body").get_text().strip() == ANSWER
    assert sorted(box["value"] for box in page.select("input[name=ids][checked]")) == sorted(ticked)
    assert statuses(well + [roof]) == {"submitted"}


def test_a_refused_group_answer_comes_back_in_its_group(client, desk):
    well, _roof, official = desk
    client.login(official)
    groups = BeautifulSoup(client.get("/officials/appeals/groups").get_data(as_text=True), "html.parser")
    form = groups.find("input", {"name": "ids", "value": str(well[0].id)}).find_parent("form")
    ticked = [str(well[0].id), str(well[1].id)]  # the third unticked
    response = client.post(form["action"].split("#")[0], {"action": "reassign", "ids": ticked,
                                                          "reason": "Pipes, not the well: the water company."})
    page = page_of(response)
    group = page.find("input", {"name": "ids", "value": str(well[0].id)}).find_parent("form")
    assert group.find(class_="error").get_text() == "Choose another department."
    assert group.find("textarea", {"name": "reason"}).get_text().strip() == "Pipes, not the well: the water company."
    assert sorted(box["value"] for box in group.select("input[name=ids][checked]")) == sorted(ticked)
    assert statuses(well) == {"submitted"}
    reloaded = client.get(form["action"].split("#")[0], follow_redirects=True)
    assert reloaded.status_code == 200 and reloaded.request.path == "/officials/appeals/groups"


@pytest.mark.parametrize("title, message", [
    ("", "This field is required."),
    ("修" * 201, "Use at most 200 characters; this has 201."),
])
def test_a_refused_project_candidate_keeps_its_title(client, desk, title, message):
    _well, _roof, official = desk
    client.login(official)
    groups = BeautifulSoup(client.get("/officials/appeals/groups").get_data(as_text=True), "html.parser")
    form = groups.find("form", action=lambda action: action and action.startswith("/officials/appeals/candidates"))
    ids = [box["value"] for box in form.select("input[name=ids]")]
    page = page_of(client.post(form["action"].split("#")[0], {"title": title, "ids": ids}))
    [field] = page.select("input[name=title][aria-invalid=true]")
    assert field["value"] == title and page.find(id=f"{field['id']}-error").get_text() == message
    assert sorted(box["value"] for box in field.find_parent("form").select("input[name=ids]")) == sorted(ids)
    assert db.session.scalar(select(func.count()).select_from(ProjectCandidate)) == 0
