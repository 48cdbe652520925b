"""Census lists: admins import them; residents verify against them; only keyed hashes are stored."""

import io

import pytest
from sqlalchemy import func, select, text

from accounts import census
from accounts.users import CensusEntry, User
from core.db import db
from core.errors import InvalidInput
from server.commands.demo import id_number_with_check
from tests.helpers import WebClient

ID_A = id_number_with_check("53012119800101123")
ID_B = id_number_with_check("53012119900202456")


def upload(client, content: str):
    return client.post("/admin/census", {"file": (io.BytesIO(content.encode("utf-8")), "census.csv")},
                       content_type="multipart/form-data")


def test_admin_imports_census_and_only_hashes_are_stored(client, make_user, make_region):
    village = make_region("village", code="V-1")
    client.login(make_user("admin"))
    response = upload(client, f"id_number,village_code\n{ID_A},V-1\n{ID_B},V-1\n")
    assert response.status_code == 200
    assert "Imported 2 new entries" in response.get_data(as_text=True)
    hashes = db.session.scalars(select(CensusEntry.id_hash)).all()
    assert len(hashes) == 2 and all(len(h) == 64 for h in hashes)
    dump = " ".join(str(row) for row in db.session.execute(text("SELECT * FROM census_entries")))
    assert ID_A not in dump and ID_A[:17] not in dump
    assert {e.region_id for e in db.session.scalars(select(CensusEntry))} == {village.id}


def test_reimport_counts_known_entries(client, make_user, make_region):
    make_region("village", code="V-1")
    client.login(make_user("admin"))
    upload(client, f"id_number,village_code\n{ID_A},V-1\n")
    response = upload(client, f"id_number,village_code\n{ID_A},V-1\n{ID_B},V-1\n")
    assert "Imported 1 new entries (1 were already on the list)" in response.get_data(as_text=True)


def test_bad_lines_are_all_reported_and_nothing_is_imported(client, make_user, make_region):
    make_region("village", code="V-1")
    client.login(make_user("admin"))
    bad_check = ID_A[:-1] + ("0" if ID_A[-1] != "0" else "1")
    response = upload(client, f"id_number,village_code\n{ID_A},V-1\n{bad_check},V-1\n{ID_B},NOPE\n")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Line 3" in html and "check digit" in html
    assert "Line 4" in html and "Unknown village code" in html
    assert db.session.scalar(select(func.count()).select_from(CensusEntry)) == 0


@pytest.mark.parametrize("content, message", [
    ("name,village\nx,y\n", "must name the columns id_number and village_code"),
    (None, "saved as UTF-8"),
])
def test_unusable_files_get_a_clear_message(client, make_user, content, message):
    client.login(make_user("admin"))
    data = b"\xff\xfe\x00garbage" if content is None else content.encode()
    response = client.post("/admin/census", {"file": (io.BytesIO(data), "census.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_resident_verifies_with_an_id_number_on_their_villages_list(client, make_user, make_region):
    village = make_region("village", code="V-1")
    client.login(make_user("admin"))
    upload(client, f"id_number,village_code\n{ID_A},V-1\n")
    client.logout()
    resident = make_user("resident", region=village)
    client.login(resident)
    response = client.post("/account/verify", {"id_number": ID_A.lower()[:6] + " " + ID_A.lower()[6:]})
    assert response.status_code == 302
    assert db.session.get(User, resident.id).verification_method == "census"
    assert db.session.scalar(select(CensusEntry.claimed_by_id)) == resident.id


def test_an_entry_verifies_one_account_only_and_not_in_another_village(client, make_user, make_region):
    village, elsewhere = make_region("village", code="V-1"), make_region("village", code="V-2")
    client.login(make_user("admin"))
    upload(client, f"id_number,village_code\n{ID_A},V-1\n")
    client.logout()
    first, second, outsider = (make_user("resident", region=village), make_user("resident", region=village),
                               make_user("resident", region=elsewhere))
    client.login(first)
    client.post("/account/verify", {"id_number": ID_A})
    client.logout()
    for user in (second, outsider):
        client.login(user)
        response = client.post("/account/verify", {"id_number": ID_A})
        assert response.status_code == 422
        assert "not on the census list of your village" in response.get_data(as_text=True)
        assert not db.session.get(User, user.id).is_verified
        client.logout()


@pytest.mark.parametrize("raw", ["", "12", "abc!def", "530121198001011230"])
def test_nonsense_id_numbers_are_rejected(raw):
    with pytest.raises(InvalidInput):
        census.normalize_id_number(raw)


def test_revoking_verification_frees_the_census_entry(client, make_user, make_region, app):
    village = make_region("village", code="V-1")
    client.login(make_user("admin"))
    upload(client, f"id_number,village_code\n{ID_A},V-1\n")
    client.logout()
    resident = make_user("resident", region=village)
    client.login(resident)
    client.post("/account/verify", {"id_number": ID_A})
    client.logout()
    client.login(make_user("official", region=village.path[0]))
    client.post(f"/officials/residents/{resident.id}/unverify")
    assert db.session.scalar(select(CensusEntry.claimed_by_id)) is None


def test_census_guessing_is_throttled_per_account_not_per_village_office(make_app, make_user, make_region):
    app = make_app(MINYI_CENSUS_LIMIT="2 per hour")
    village = make_region("village", code="V-1")
    guesser, neighbour = make_user("resident", region=village), make_user("resident", region=village)
    client = WebClient(app.test_client())
    client.login(guesser)
    statuses = [client.post("/account/verify", {"id_number": ID_B}).status_code for _ in range(3)]
    assert statuses == [422, 422, 429]
    client.logout()
    client.login(neighbour)  # same address, another account: not blocked
    assert client.post("/account/verify", {"id_number": ID_B}).status_code == 422
