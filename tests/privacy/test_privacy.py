"""Privacy: the contacts an appeal's author leaves reach only the officials handling it; a resident can take
all their data away and delete their account, their public contributions staying, unnamed."""

import json

from sqlalchemy import select

from accounts.users import User
from core.db import db
from tests.helpers import WebClient


def test_contacts_reach_only_the_officials_handling_the_appeal(app, client, make_appeal, make_user,
                                                                make_department, make_region):
    appeal = make_appeal(contact_phone="13912345678", contact_email="li@example.org")
    phone = "13912345678"
    handling = WebClient(app.test_client())
    handling.login(make_user("official", department=appeal.department))
    assert phone in handling.get(f"/officials/appeals/{appeal.id}").get_data(as_text=True)

    elsewhere = WebClient(app.test_client())  # an official of another department
    elsewhere.login(make_user("official", department=make_department(region=make_region("county"))))
    assert elsewhere.get(f"/officials/appeals/{appeal.id}").status_code in (403, 404)

    for page in (client.get(f"/appeals/{appeal.id}"), client.get("/appeals"),
                 app.test_client().get(f"/api/v1/appeals/{appeal.id}"), app.test_client().get("/api/v1/appeals")):
        assert phone not in page.get_data(as_text=True) and "li@example.org" not in page.get_data(as_text=True)


def test_a_resident_downloads_everything_held_about_them(app, make_user, make_proposal, make_appeal):
    resident = make_user("resident", verified=True, email="wang@example.org")
    proposal = make_proposal(author=resident, title="Fix the bridge")
    make_appeal(author=resident, body="The well is dry", contact_phone="13912345678")
    make_proposal(title="Someone else's idea")
    browser = WebClient(app.test_client())
    browser.login(resident)
    browser.post(f"/proposals/{proposal.id}/comments", {"body": "I will help carry stones."})
    download = browser.get("/account/export")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    data = json.loads(download.get_data(as_text=True))
    assert data["account"]["email"] == "wang@example.org" and "password_hash" not in data["account"]
    assert [p["title"] for p in data["proposals"]] == ["Fix the bridge"]
    assert data["comments"][0]["body"] == "I will help carry stones."
    assert data["appeals"][0]["body"] == "The well is dry" and data["appeals"][0]["contact_phone"].endswith("12345678")
    assert "Someone else's idea" not in download.get_data(as_text=True)


def test_deleting_an_account_removes_the_person_and_keeps_what_they_did(app, client, make_user, make_proposal,
                                                                       make_appeal, make_region):
    from accounts.tokens import create_token
    from voting.models import Support

    village = make_region("village")
    resident = make_user("resident", region=village, verified=True, email="wang@example.org",
                         display_name="Wang Fang")
    proposal = make_proposal(author=resident, title="Fix the bridge")
    appeal = make_appeal(author=resident, body="The well is dry", contact_phone="13912345678")
    _record, token = create_token(resident, actor=resident, name="phone")
    db.session.commit()
    browser = WebClient(app.test_client())
    browser.login(resident)
    browser.post(f"/proposals/{proposal.id}/support", headers={"HX-Request": "true"})
    supports = db.session.scalar(select(db.func.count()).select_from(Support))

    wrong = browser.post("/account/delete", {"password": "not my password", "confirm": "y"})
    assert wrong.status_code == 422 and "That is not your password" in wrong.get_data(as_text=True)
    unticked = browser.post("/account/delete", {"password": "correct horse battery"})
    assert unticked.status_code == 422 and "Tick the box" in unticked.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, resident.id).email == "wang@example.org"  # nothing changed yet

    done = browser.post("/account/delete", {"password": "correct horse battery", "confirm": "y"})
    assert done.status_code == 302
    assert browser.get("/account").status_code == 302  # signed out
    db.session.expire_all()
    gone = db.session.get(User, resident.id)
    assert (gone.email, gone.phone, gone.display_name, gone.active) == (f"deleted-{gone.id}@invalid", None, "",
                                                                         False)
    assert db.session.get(type(appeal), appeal.id).contact_phone is None
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Fix the bridge" in page and "Former resident" in page and "Wang Fang" not in page
    assert db.session.scalar(select(db.func.count()).select_from(Support)) == supports  # still counts
    api = app.test_client().put(f"/api/v1/proposals/{proposal.id}/support",
                                headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401  # the token went with the account
    assert WebClient(app.test_client()).post("/login", {"identifier": "wang@example.org",
                                                        "password": "correct horse battery"}).status_code == 401
    again = make_user("resident", region=village, email="wang@example.org")  # the address is free again
    assert again.id != resident.id

    from accounts.notifications import Notification, notify
    from core.mail import OutgoingMail

    notify([resident.id], "appeal_answered", appeal_id=appeal.id)  # something happens later: nobody is told
    db.session.commit()
    assert db.session.scalar(select(db.func.count()).select_from(OutgoingMail)
                             .where(OutgoingMail.address.like("deleted-%"))) == 0
    assert Notification.query.filter_by(user_id=resident.id).count() <= 1


def test_staff_accounts_are_closed_by_an_administrator(app, make_user):
    official = make_user("official")
    browser = WebClient(app.test_client())
    browser.login(official)
    assert "closed by an administrator" in browser.get("/account").get_data(as_text=True)  # no form for them
    refused = browser.post("/account/delete", {"password": "correct horse battery", "confirm": "y"})
    assert refused.status_code in (403, 422)
    db.session.expire_all()
    assert db.session.get(User, official.id).active
