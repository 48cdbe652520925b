"""The API's recommendation of a proposal: the same rule as the pages, told in the API's error shape."""

import pytest

from core.db import db, utcnow
from proposals.models import ProposalStatus


@pytest.fixture
def bureaus(make_region, make_category, make_department, make_user, make_proposal):
    village = make_region("village")
    health, transport = make_category(), make_category()
    health_bureau = make_department(region=village.path[0], categories=[health], code="health")
    transport_bureau = make_department(region=village.path[0], categories=[transport], code="transport")
    proposal = make_proposal(village=village, category=health, title="A village doctor twice a week")
    proposal.status, proposal.qualified_at = ProposalStatus.QUALIFIED, utcnow()
    db.session.commit()
    return (proposal, make_user("official", department=health_bureau),
            make_user("official", department=transport_bureau), make_user("official", department=make_department()))


def test_an_official_of_another_bureau_recommends_once(api, token_for, bureaus):
    proposal, _health, transport, _stranger = bureaus
    address = f"/api/v1/proposals/{proposal.id}/recommendations"
    made = api.post(address, headers=token_for(transport), json={"note": "Buses cannot reach a clinic."})
    assert made.status_code == 201, made.get_json()
    assert (made.get_json()["departments"], made.get_json()["note"]) == (["health"], "Buses cannot reach a clinic.")
    again = api.post(address, headers={**token_for(transport), "Accept-Language": "en"}, json={})
    assert again.status_code == 409 and again.get_json()["error"]["message"] == "You already recommended this proposal."


@pytest.mark.parametrize("who, status, words", [
    ("health", 409, "make it a project yourself"),
    ("stranger", 403, "officials of the proposal's area"),
])
def test_the_deciders_and_outsiders_are_refused(api, token_for, bureaus, who, status, words):
    proposal, health, _transport, stranger = bureaus
    refused = api.post(f"/api/v1/proposals/{proposal.id}/recommendations", json={},
                       headers={**token_for(health if who == "health" else stranger), "Accept-Language": "en"})
    assert refused.status_code == status and words in refused.get_json()["error"]["message"]
