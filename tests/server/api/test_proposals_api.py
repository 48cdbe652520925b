"""The JSON API: tokens, proposals, supports, comments and pledges, one error shape, an accurate OpenAPI."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from accounts.tokens import ApiToken, create_token
from core.db import db, utcnow
from proposals.models import Proposal


def test_resident_creates_a_proposal_with_a_token(api, token_for, make_user, make_category):
    author = make_user("resident", verified=True)
    category = make_category(code="roads")
    response = api.post("/api/v1/proposals", headers=token_for(author), json={
        "title": "Streetlights", "body": "Dark at night", "category": "roads", "village": author.region.code,
        "goal_minor": 500_000, "deadline": (utcnow() + timedelta(days=20)).isoformat()})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["title"], body["category"], body["goal_minor"]) == ("Streetlights", category.code, 500_000)
    assert db.session.get(Proposal, body["id"]).author_id == author.id


def test_writes_need_a_valid_token_and_ignore_the_browser_session(client, api, make_user, make_proposal):
    proposal = make_proposal()
    voter = make_user("resident", region=proposal.region, verified=True)
    client.login(voter)  # a logged-in browser session is not enough for the API
    response = client.raw.put(f"/api/v1/proposals/{proposal.id}/support")
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["error"]["code"] == "unauthorized"
    bogus = api.put(f"/api/v1/proposals/{proposal.id}/support", headers={"Authorization": "Bearer minyi_nope"})
    assert bogus.status_code == 401


def test_support_and_withdraw_through_the_api(api, token_for, make_user, make_proposal):
    proposal = make_proposal()
    headers = token_for(make_user("resident", region=proposal.region, verified=True))
    first = api.put(f"/api/v1/proposals/{proposal.id}/support", headers=headers)
    assert first.get_json() == {"supports_count": 1, "supported": True, "status": "open"}
    again = api.put(f"/api/v1/proposals/{proposal.id}/support", headers=headers)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"
    assert api.delete(f"/api/v1/proposals/{proposal.id}/support", headers=headers).get_json()["supports_count"] == 0


def test_unverified_resident_gets_403_with_a_reason(api, token_for, make_user, make_proposal):
    proposal = make_proposal()
    response = api.put(f"/api/v1/proposals/{proposal.id}/support",
                       headers=token_for(make_user("resident", region=proposal.region)))
    assert response.status_code == 403
    assert "verified residents" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("payload, field", [
    ({"kind": "money", "amount_minor": -5}, "amount_minor"),
    ({"kind": "money", "amount_minor": 50}, "amount"),
    ({"kind": "money", "amount_minor": "12.5"}, "amount_minor"),
    ({"kind": "hours", "hours": 0, "skill": "x"}, "hours"),
    ({"kind": "gold"}, "kind"),
])
def test_bad_pledges_get_422_naming_the_field(api, token_for, make_user, make_proposal, payload, field):
    proposal = make_proposal(goal_minor=100_000, deadline=utcnow() + timedelta(days=3))
    response = api.post(f"/api/v1/proposals/{proposal.id}/pledges", json=payload,
                        headers=token_for(make_user("resident", region=proposal.region, verified=True)))
    error = response.get_json()["error"]
    assert response.status_code == 422 and error["code"] == "invalid_input"
    assert error.get("field") == field or field in error.get("fields", {})


def test_pledge_list_hides_anonymous_names_and_backer_cancels(api, token_for, make_user, make_proposal):
    proposal = make_proposal(goal_minor=100_000, deadline=utcnow() + timedelta(days=3))
    backer = make_user("resident", region=proposal.region, display_name="Quiet Giver", verified=True)
    headers = token_for(backer)
    made = api.post(f"/api/v1/proposals/{proposal.id}/pledges", headers=headers,
                    json={"kind": "money", "amount_minor": 5000, "anonymous": True}).get_json()
    public = api.get(f"/api/v1/proposals/{proposal.id}/pledges").get_json()
    assert public[0]["backer"] is None and public[0]["amount_minor"] == 5000
    cancelled = api.delete(f"/api/v1/pledges/{made['id']}", headers=headers)
    assert cancelled.get_json()["status"] == "cancelled"
    assert api.get(f"/api/v1/proposals/{proposal.id}/pledges").get_json() == []


def test_comments_and_replies(api, token_for, make_user, make_proposal):
    proposal = make_proposal()
    headers = token_for(make_user("resident"))
    top = api.post(f"/api/v1/proposals/{proposal.id}/comments", headers=headers,
                   json={"body": "Yes!", "stance": "for"}).get_json()
    reply = api.post(f"/api/v1/proposals/{proposal.id}/comments", headers=headers,
                     json={"body": "Also: lights", "reply_to": top["id"]}).get_json()
    listed = api.get(f"/api/v1/proposals/{proposal.id}/comments").get_json()
    assert [c["parent_id"] for c in listed] == [None, top["id"]] and reply["stance"] == "neutral"


def test_list_filters_searches_and_pages(api, make_user, make_proposal, make_category):
    author = make_user("resident", verified=True)
    water = make_category(code="water")
    for n in range(5):
        make_proposal(author=author, title=f"Road {n}")
    make_proposal(author=author, title="Well pump", category=water)
    page = api.get("/api/v1/proposals?limit=4").get_json()
    rest = api.get(f"/api/v1/proposals?limit=4&after={page['next']}").get_json()
    titles = [p["title"] for p in page["items"] + rest["items"]]
    assert len(titles) == 6 == len(set(titles)) and rest["next"] is None
    assert [p["title"] for p in api.get("/api/v1/proposals?category=water").get_json()["items"]] == ["Well pump"]
    assert [p["title"] for p in api.get("/api/v1/proposals?q=pump").get_json()["items"]] == ["Well pump"]
    assert api.get("/api/v1/proposals?category=nope").get_json()["items"] == []
    assert api.get("/api/v1/proposals?sort=sideways").status_code == 422


def test_revoked_tokens_stop_working(api, make_user, make_proposal):
    user = make_user("resident")
    record, text = create_token(user, actor=user, name="bot")
    db.session.commit()
    headers = {"Authorization": f"Bearer {text}"}
    proposal = make_proposal()
    assert api.post(f"/api/v1/proposals/{proposal.id}/comments", headers=headers, json={"body": "hi"}).status_code == 201
    record.revoked_at = utcnow()
    db.session.commit()
    assert api.post(f"/api/v1/proposals/{proposal.id}/comments", headers=headers, json={"body": "hi"}).status_code == 401


def test_tokens_are_made_and_revoked_on_the_account_page(client, make_user):
    user = make_user("resident")
    client.login(user)
    response = client.post("/account/tokens", {"name": "Village bot"})
    token = re.search(r"minyi_[A-Za-z0-9_-]+", response.get_data(as_text=True)).group(0)
    record = db.session.scalar(select(ApiToken))
    assert response.status_code == 201 and record.digest != token and token not in str(record.__dict__)
    client.post(f"/account/tokens/{record.id}/revoke")
    assert db.session.get(ApiToken, record.id).revoked_at is not None


def test_openapi_document_lists_every_endpoint_with_its_errors(api, app):
    spec = api.get("/api/v1/openapi.json").get_json()
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops
                  if method != "parameters"}
    served = {(re.sub(r"<(?:int:)?(\w+)>", r"{\1}", rule.rule), method) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/v1/") and not rule.rule.endswith("openapi.json")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert served == documented
    for path, ops in spec["paths"].items():
        for method, op in ((m, o) for m, o in ops.items() if m != "parameters"):
            assert "default" in op["responses"] or any(code.startswith("4") for code in op["responses"]), (path, method)
            if op.get("security"):
                assert "401" in op["responses"], (path, method)
    assert spec["components"]["schemas"]["Error"]["properties"]["error"]
