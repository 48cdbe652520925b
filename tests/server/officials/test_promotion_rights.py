"""On the officials' pages: only the department handling a proposal's field there sees "Make it a project" and
"Reject" and gets through; another bureau of the area is told who decides and recommends the proposal to them
instead."""

import pytest
from sqlalchemy import select

from accounts.notifications import Notification
from core.db import db, utcnow
from projects.models import Project, Recommendation
from proposals.models import ProposalStatus


@pytest.fixture
def bureaus(make_region, make_category, make_department, make_user, make_proposal):
    village = make_region("village")
    health, transport = make_category(name_en="Health"), make_category(name_en="Transport")
    health_bureau = make_department(region=village.path[0], categories=[health], name_en="Health Bureau")
    transport_bureau = make_department(region=village.path[0], categories=[transport], name_en="Transport Bureau")
    proposal = make_proposal(village=village, category=health, title="A village doctor twice a week")
    proposal.status, proposal.qualified_at = ProposalStatus.QUALIFIED, utcnow()
    db.session.commit()
    return (proposal, make_user("official", department=health_bureau),
            make_user("official", department=transport_bureau))


def test_the_queue_offers_each_official_what_they_may_do(client, bureaus):
    proposal, health, transport = bureaus
    client.login(health)
    mine = client.get("/officials/proposals").get_data(as_text=True)
    assert f"/officials/proposals/{proposal.id}/promote" in mine and "/recommend" not in mine
    assert f"/officials/proposals/{proposal.id}/reject" in mine and "Reject with this reason" in mine
    client.login(transport)
    theirs = client.get("/officials/proposals").get_data(as_text=True)
    assert f"/officials/proposals/{proposal.id}/promote" not in theirs
    assert "Decided by: Health Bureau." in theirs and f"/officials/proposals/{proposal.id}/recommend" in theirs
    assert "/reject" not in theirs and "Reject with this reason" not in theirs  # the recommendation instead


def test_another_bureau_cannot_reject_and_is_told_who_decides(client, bureaus):
    proposal, health, transport = bureaus
    client.login(transport)
    refused = client.post(f"/officials/proposals/{proposal.id}/reject", {"reason": "Not our budget."})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 403 and "Only Health Bureau can reject" in html and "recommend it to them" in html
    assert db.session.get(type(proposal), proposal.id).status == ProposalStatus.QUALIFIED
    client.login(health)
    done = client.post(f"/officials/proposals/{proposal.id}/reject", {"reason": "A clinic opens next year."})
    assert done.status_code == 302
    assert db.session.get(type(proposal), proposal.id).status == ProposalStatus.REJECTED


def test_another_bureau_is_refused_at_the_door_and_on_the_form(client, bureaus):
    proposal, _health, transport = bureaus
    client.login(transport)
    door = client.get(f"/officials/proposals/{proposal.id}/promote")
    assert door.status_code == 403 and "Only Health Bureau can make" in door.get_data(as_text=True)
    form = client.get(f"/officials/projects/new?proposal={proposal.id}")
    assert form.status_code == 403 and "You can recommend it to them." in form.get_data(as_text=True)
    posted = client.post(f"/officials/projects/new?proposal={proposal.id}", {
        "title": "Ours now", "description": "x", "budget": "0", "start_on": "2026-01-01", "target_on": "2026-02-01"})
    assert posted.status_code == 403 and db.session.scalar(select(Project)) is None


def test_a_recommendation_reaches_the_deciders_and_shows_to_officials(client, bureaus):
    proposal, health, transport = bureaus
    client.login(transport)
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Making it a project" in page and "Recommend it to them" in page and "Make it a project" not in page
    sent = client.post(f"/officials/proposals/{proposal.id}/recommend", {"note": "Our buses cannot reach a clinic."})
    assert sent.status_code == 302 and sent.location.endswith(f"/proposals/{proposal.id}#decision")
    again = client.post(f"/officials/proposals/{proposal.id}/recommend", {"note": ""})
    assert again.status_code == 409 and "You already recommended this proposal." in again.get_data(as_text=True)
    assert db.session.scalar(select(Recommendation.note)) == "Our buses cannot reach a clinic."
    note = db.session.scalar(select(Notification).where(Notification.user_id == health.id,
                                                        Notification.kind == "proposal_recommended"))
    assert note.params["proposal_id"] == proposal.id

    client.login(health)
    seen = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Our buses cannot reach a clinic." in seen and transport.display_name in seen
    assert f"/officials/proposals/{proposal.id}/promote" in seen
    told = client.get("/notifications").get_data(as_text=True)
    assert "An official recommends that your department make “A village doctor twice a week” a project." in told

    client.logout()
    public = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Our buses cannot reach a clinic." not in public and "Making it a project" not in public


def test_a_too_long_reason_is_refused_with_a_message(client, bureaus):
    proposal, _health, transport = bureaus
    client.login(transport)
    refused = client.post(f"/officials/proposals/{proposal.id}/recommend", {"note": "x" * 1001})
    assert refused.status_code == 422 and "Use at most 1,000 characters" in refused.get_data(as_text=True)
    assert db.session.scalar(select(Recommendation)) is None
