"""Personal pages stay off caches, and a form sent from another site is refused (issue 20)."""

import pytest
from sqlalchemy import select

from appeals.models import Appeal
from core.db import db

NO_STORE = "private, no-store"


@pytest.fixture
def desk(make_region, make_category, make_department, make_user):
    village, category = make_region("village"), make_category(name_en="Water")
    department = make_department(region=village.path[0], categories=[category])
    return village, category, make_user("official", department=department)


def test_pages_made_for_a_signed_in_reader_are_never_kept(client, make_user, make_appeal, desk, api, token_for):
    village, category, official = desk
    resident = make_user("resident", region=village, verified=True, phone="+8613912345678")
    appeal = make_appeal(author=resident, village=village, category=category, public=False)
    anonymous = client.get("/proposals")
    assert anonymous.status_code == 200 and "no-store" not in anonymous.headers.get("Cache-Control", "")
    client.login(official)
    for address in ("/account", f"/officials/appeals/{appeal.id}", "/officials/appeals.csv", "/proposals"):
        response = client.get(address)
        assert response.status_code == 200, address
        assert response.headers["Cache-Control"] == NO_STORE, address
        assert "Cookie" in response.vary, address
    private_read = api.get(f"/api/v1/appeals/{appeal.id}", headers=token_for(resident))
    assert private_read.status_code == 200
    assert private_read.headers["Cache-Control"] == NO_STORE and "Authorization" in private_read.vary
    assert "Authorization" in api.get("/api/v1/proposals").vary  # a shared cache keeps answers per reader


def test_an_appeal_followed_by_its_receipt_code_is_never_kept(client, make_appeal, desk):
    village, category, _official = desk
    appeal = make_appeal(village=village, category=category, public=False)
    response = client.get(f"/appeals/receipt?code={appeal.receipt_code}")
    assert response.status_code == 200 and appeal.body in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == NO_STORE


@pytest.mark.parametrize("header", ["Origin", "Referer"])
def test_a_form_sent_from_another_site_is_refused_even_with_a_valid_token(client, make_user, make_appeal, desk,
                                                                           header):
    village, category, official = desk
    appeal = make_appeal(village=village, category=category)
    client.login(official)
    token = client.csrf_token(f"/officials/appeals/{appeal.id}")
    elsewhere = "https://evil.example" + ("/page" if header == "Referer" else "")
    response = client.post(f"/officials/appeals/{appeal.id}/accept", {"csrf_token": token},
                           headers={header: elsewhere})
    assert response.status_code == 403
    assert "sent from another site" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(Appeal.status).where(Appeal.id == appeal.id)) == appeal.status
    # The same form from this site's own page goes through.
    response = client.post(f"/officials/appeals/{appeal.id}/accept", {"csrf_token": token},
                           headers={header: f"http://localhost/officials/appeals/{appeal.id}"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Appeal.status).where(Appeal.id == appeal.id)) == "accepted"


def test_a_program_sending_no_origin_is_left_to_the_csrf_token(client, make_user):
    user = make_user()
    assert client.post("/login", {"identifier": user.login_name, "password": "correct horse battery"}
                       ).status_code == 302
