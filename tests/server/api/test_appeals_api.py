"""The appeals part of the JSON API: the board, sending with a token, the timeline, joining, rating,
following by receipt code, answering as an official; errors in the API's one shape."""

from sqlalchemy import func, select

from appeals.models import Appeal
from core.db import db


def test_a_resident_sends_an_appeal_and_follows_it(api, token_for, make_user, make_category, make_department):  # noqa: F811
    resident = make_user("resident", verified=True)
    category = make_category(code="water")
    make_department(region=resident.region.path[0], categories=[category])
    response = api.post("/api/v1/appeals", headers=token_for(resident), json={
        "body": "No water since Monday", "category": "water", "village": resident.region.code,
        "contact_phone": "13800138000"})
    assert response.status_code == 201, response.get_json()
    sent = response.get_json()
    assert sent["status"] == "submitted" and sent["receipt_code"] and sent["events"][0]["kind"] == "submitted"
    assert "contact_phone" not in sent  # the contact is for the officials only
    anonymous = api.get(f"/api/v1/appeals/{sent['id']}").get_json()
    assert anonymous["receipt_code"] is None and anonymous["body"] == "No water since Monday"
    by_code = api.get(f"/api/v1/appeals/receipt/{sent['receipt_code'].lower()}")
    assert by_code.status_code == 200 and by_code.get_json()["id"] == sent["id"]
    assert [a["id"] for a in api.get("/api/v1/appeals?category=water").get_json()["items"]] == [sent["id"]]


def test_bad_appeals_get_the_api_error_shape_and_nothing_is_saved(api, token_for, make_user, make_category):  # noqa: F811
    resident = make_user("resident", verified=True)
    make_category(code="water")
    for payload, status, field in [
        ({"body": "", "category": "water", "village": resident.region.code}, 422, "body"),
        ({"body": "x", "category": "nope", "village": resident.region.code}, 422, "category"),
        ({"body": "x", "category": "water", "village": resident.region.code, "contact_email": "no"}, 422,
         "contact_email"),
        ({"body": "x", "category": "water"}, 422, "village"),
    ]:
        response = api.post("/api/v1/appeals", headers=token_for(resident), json=payload)
        error = response.get_json()["error"]
        assert response.status_code == status and (error.get("field") == field or field in error.get("fields", {}))
    assert api.post("/api/v1/appeals", json={"body": "x"}).status_code == 401
    assert db.session.scalar(select(func.count()).select_from(Appeal)) == 0


def test_join_answer_and_rate_through_the_api(api, token_for, make_user, make_appeal):  # noqa: F811
    appeal = make_appeal()
    neighbour = make_user("resident", region=appeal.region, verified=True)
    joined = api.put(f"/api/v1/appeals/{appeal.id}/cosign", headers=token_for(neighbour))
    assert joined.get_json() == {"cosigns_count": 1, "joined": True}
    assert api.put(f"/api/v1/appeals/{appeal.id}/cosign", headers=token_for(neighbour)).status_code == 409
    assert api.put(f"/api/v1/appeals/{appeal.id}/rating", headers=token_for(neighbour),
                   json={"score": 5}).status_code == 409  # nothing to rate yet
    official = make_user("official", department=appeal.department)
    stranger = make_user("official")
    assert api.post(f"/api/v1/appeals/{appeal.id}/answers", headers=token_for(stranger),
                    json={"body": "Not mine"}).status_code == 403
    answered = api.post(f"/api/v1/appeals/{appeal.id}/answers", headers=token_for(official),
                        json={"body": "Fixed", "resolve": True})
    assert answered.status_code == 201 and answered.get_json()["status"] == "resolved"
    rated = api.put(f"/api/v1/appeals/{appeal.id}/rating", headers=token_for(neighbour), json={"score": 4})
    assert rated.get_json() == {"score": 4, "comment": None}
    assert api.put(f"/api/v1/appeals/{appeal.id}/rating", headers=token_for(neighbour),
                   json={"score": 9}).status_code == 422


def test_private_appeals_stay_private(api, token_for, make_user, make_appeal):  # noqa: F811
    private = make_appeal(public=False)
    assert api.get(f"/api/v1/appeals/{private.id}").status_code == 404
    assert api.get("/api/v1/appeals").get_json()["items"] == []
    mine = api.get(f"/api/v1/appeals/{private.id}", headers=token_for(private.author)).get_json()
    assert mine["receipt_code"] == private.receipt_code
    assert api.get("/api/v1/appeals/receipt/ZZZZ-ZZZZ").status_code == 404
