"""Officials verify residents in person, one at a time (htmx) or in bulk, only within their region."""

from accounts.users import User
from core.db import db


def official_for(make_user, region):
    """An official of a department serving the county that contains ``region``."""
    return make_user("official", region=region.path[0])


def test_official_sees_only_residents_of_their_region(client, make_user, make_region):
    mine, theirs = make_region("village"), make_region("village")
    make_user("resident", region=mine, display_name="Mine Resident")
    make_user("resident", region=theirs, display_name="Other County Resident")
    client.login(official_for(make_user, mine))
    html = client.get("/officials/residents").get_data(as_text=True)
    assert "Mine Resident" in html
    assert "Other County Resident" not in html


def test_official_verifies_a_resident_and_htmx_gets_the_row_back(client, make_user, make_region):
    village = make_region("village")
    resident = make_user("resident", region=village)
    client.login(official_for(make_user, village))
    response = client.post(f"/officials/residents/{resident.id}/verify", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tr id="resident-{resident.id}"')
    assert "Verified" in html and "<html" not in html
    assert response.headers.get("Vary") and "HX-Request" in response.headers["Vary"]
    assert db.session.get(User, resident.id).verification_method == "in_person"


def test_verify_without_javascript_redirects_back(client, make_user, make_region):
    village = make_region("village")
    resident = make_user("resident", region=village)
    client.login(official_for(make_user, village))
    response = client.post(f"/officials/residents/{resident.id}/verify",
                           {"next": "/officials/residents?status=all"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/officials/residents?status=all"
    assert db.session.get(User, resident.id).is_verified


def test_official_cannot_verify_outside_their_region(client, make_user, make_region):
    mine, theirs = make_region("village"), make_region("village")
    stranger = make_user("resident", region=theirs)
    client.login(official_for(make_user, mine))
    assert client.post(f"/officials/residents/{stranger.id}/verify").status_code == 403
    assert not db.session.get(User, stranger.id).is_verified


def test_bulk_verify_does_what_it_may_and_reports_the_rest(client, make_user, make_region):
    mine, theirs = make_region("village"), make_region("village")
    a, b = make_user("resident", region=mine), make_user("resident", region=mine)
    stranger = make_user("resident", region=theirs)
    client.login(official_for(make_user, mine))
    response = client.post("/officials/residents/verify", {"ids": [str(a.id), str(b.id), str(stranger.id)]},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "2 residents verified" in html
    assert "1 could not be verified by you" in html
    assert [db.session.get(User, u.id).is_verified for u in (a, b, stranger)] == [True, True, False]


def test_undo_verification(client, make_user, make_region):
    village = make_region("village")
    resident = make_user("resident", region=village, verified=True)
    client.login(official_for(make_user, village))
    client.post(f"/officials/residents/{resident.id}/unverify")
    assert not db.session.get(User, resident.id).is_verified


def test_residents_list_filters_and_pages(client, make_user, make_region):
    village = make_region("village")
    for n in range(8):
        make_user("resident", region=village, display_name=f"Person {n}", verified=n < 2)
    client.login(official_for(make_user, village))
    first = client.get("/officials/residents?status=unverified").get_data(as_text=True)
    assert first.count('id="resident-') == 5  # page size in tests
    assert "Person 7" in first and "Person 2" not in first and "Person 0" not in first
    more = first.split('href="/officials/residents?after=')[1].split('"')[0].replace("&amp;", "&")
    second = client.get("/officials/residents?after=" + more).get_data(as_text=True)
    assert "Person 2" in second and "Person 7" not in second and "Person 1" not in second
    verified = client.get("/officials/residents?status=verified").get_data(as_text=True)
    assert "Person 0" in verified and "Person 5" not in verified
