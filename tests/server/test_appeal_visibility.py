"""One private appeal and one internal note, read through every interface by people who may not see them: the
web pages, the JSON API, the kiosk API, Open311, the board and a project page show neither."""

from datetime import date

import pytest

from accounts.tokens import create_token
from appeals import workflow
from core.db import db
from projects.promotion import promote_to_project

SECRET = "Private: my neighbour beats his wife at night"
NOTE = "Internal: the village head is a cousin of the neighbour"
ANSWER = "We will send someone to look at the well on Monday"


@pytest.fixture
def scene(app, make_user, make_region, make_category, make_department, make_appeal, make_kiosk):
    village = make_region("village")
    category = make_category()
    department = make_department(region=village.path[0], categories=[category])
    official = make_user("official", department=department)
    author = make_user("resident", region=village, verified=True)
    private = make_appeal(author=author, village=village, category=category, body=SECRET, public=False)
    public = make_appeal(village=village, category=category, body="The well behind the school is dry")
    workflow.add_note(public, actor=official, body=NOTE)
    workflow.answer_appeal(public, actor=official, body=ANSWER)
    project = promote_to_project(actor=official, title="A new well", description="Dig it deeper.",
                                 department=department, lead=official, budget_public_minor=0,
                                 start_on=date.today(), target_on=date.today(), appeals=[public])
    private.follow_up_project_id = project.id  # a private follow-up stays off the project's page
    db.session.commit()
    outsider = make_user("resident", region=village, verified=True)
    _record, token = create_token(outsider, actor=outsider, name="reader")
    _kiosk, code = make_kiosk(village=village, category=category)
    db.session.commit()
    return {"private": private, "public": public, "project": project, "outsider": outsider,
            "token": token, "kiosk_code": code, "official": official, "author": author}


def hides_both(text: str) -> bool:
    return SECRET not in text and NOTE not in text


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "another resident"])
def test_the_web_pages_show_neither(client, scene, signed_in):
    if signed_in:
        client.login(scene["outsider"])
    assert client.get(f"/appeals/{scene['private'].id}").status_code == 404
    page = client.get(f"/appeals/{scene['public'].id}")
    assert page.status_code == 200 and ANSWER in page.get_data(as_text=True)
    assert hides_both(page.get_data(as_text=True))
    receipt = client.get("/appeals/receipt", query_string={"code": scene["public"].receipt_code})
    assert ANSWER in receipt.get_data(as_text=True) and hides_both(receipt.get_data(as_text=True))
    board = client.get("/appeals").get_data(as_text=True)
    assert "The well behind the school is dry" in board and hides_both(board)
    project = client.get(f"/projects/{scene['project'].id}").get_data(as_text=True)
    assert "A new well" in project and hides_both(project)


def test_the_json_api_shows_neither(app, scene):
    api = app.test_client()
    for headers in ({}, {"Authorization": f"Bearer {scene['token']}"}):
        assert api.get(f"/api/v1/appeals/{scene['private'].id}", headers=headers).status_code == 404
        detail = api.get(f"/api/v1/appeals/{scene['public'].id}", headers=headers)
        assert detail.status_code == 200 and ANSWER in detail.get_data(as_text=True)
        assert hides_both(detail.get_data(as_text=True))
        listing = api.get("/api/v1/appeals", headers=headers).get_data(as_text=True)
        assert "The well behind the school is dry" in listing and hides_both(listing)
        by_code = api.get(f"/api/v1/appeals/receipt/{scene['public'].receipt_code}", headers=headers)
        assert ANSWER in by_code.get_data(as_text=True) and hides_both(by_code.get_data(as_text=True))
        project = api.get(f"/api/v1/projects/{scene['project'].id}", headers=headers).get_data(as_text=True)
        assert "A new well" in project and hides_both(project)


def test_the_kiosk_api_shows_neither(app, scene):
    api = app.test_client()
    enrolled = api.post("/api/v1/kiosk/enroll", json={"code": scene["kiosk_code"], "version": "0.1.0"})
    headers = {"Authorization": f"Bearer {enrolled.get_json()['token']}"}
    status = api.get(f"/api/v1/kiosk/appeals/{scene['public'].receipt_code}", headers=headers)
    assert status.status_code == 200 and ANSWER in status.get_data(as_text=True)
    assert hides_both(status.get_data(as_text=True))
    content = api.get("/api/v1/kiosk/content", headers=headers)
    assert content.status_code == 200 and hides_both(content.get_data(as_text=True))


def test_open311_shows_neither(app, scene):
    api = app.test_client()
    assert api.get(f"/open311/v2/requests/{scene['private'].id}.json").status_code == 404
    for url in ("/open311/v2/requests.json", "/open311/v2/requests.xml",
                f"/open311/v2/requests/{scene['public'].id}.json"):
        answer = api.get(url)
        assert answer.status_code == 200 and hides_both(answer.get_data(as_text=True)), url
    assert ANSWER in api.get(f"/open311/v2/requests/{scene['public'].id}.json").get_data(as_text=True)


def test_those_who_may_see_them_still_do(client, scene):
    """The other side of the rule: the author reads the private appeal, the official also the note."""
    client.login(scene["author"])
    assert SECRET in client.get(f"/appeals/{scene['private'].id}").get_data(as_text=True)
    client.logout()
    client.login(scene["official"])
    assert NOTE in client.get(f"/appeals/{scene['public'].id}").get_data(as_text=True)
