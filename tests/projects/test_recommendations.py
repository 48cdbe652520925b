"""Who may make a proposal a project: the departments that handle its category in its place (its region or a
region above it) and admins; other officials of the area recommend it to them, who are told."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from accounts.notifications import Notification
from core.audit import AuditEntry
from core.db import db
from core.errors import Conflict, NotAllowed
from projects.promotion import promote_to_project
from projects.recommendations import AlreadyRecommended, recommend, recommendations_of
from proposals.errors import NotOpen
from proposals.models import ProposalStatus
from proposals.queries import may_decide

TODAY = date.today()


@pytest.fixture
def county(deciding_county):
    """A village's qualified health proposal and the departments around it (tests/fixtures/content.py)."""
    return deciding_county


def promote(proposal, actor, department):
    project = promote_to_project(actor=actor, title="Doctor's visits", description="Twice a week.",
                                 department=department, lead=None, budget_public_minor=0, start_on=TODAY,
                                 target_on=TODAY + timedelta(days=30), proposals=[proposal])
    db.session.commit()
    return project


@pytest.mark.parametrize("who, allowed", [("health", True), ("clinic", True), ("transport", False),
                                          ("elsewhere", False)])
def test_the_departments_handling_the_category_there_decide(county, who, allowed):
    proposal, bureaus, officials = county
    assert may_decide(officials[who], proposal) is allowed


def test_another_bureau_is_refused_with_who_may(county):
    proposal, bureaus, officials = county
    with pytest.raises(NotAllowed) as refused:
        promote(proposal, officials["transport"], bureaus["transport"])
    db.session.rollback()
    message = str(refused.value.message)
    deciders = f"{bureaus['clinic'].name}, {bureaus['health'].name}"  # the closest first
    assert deciders in message and "recommend" in message and refused.value.status == 403
    assert proposal.status == ProposalStatus.QUALIFIED  # nothing was made


@pytest.mark.parametrize("who", ["health", "admin"])
def test_the_handling_bureau_or_an_admin_makes_it_a_project(county, make_user, who):
    proposal, bureaus, officials = county
    actor = make_user("admin") if who == "admin" else officials[who]
    project = promote(proposal, actor, bureaus["health"])
    assert project.department_id == bureaus["health"].id and proposal.status == ProposalStatus.ACCEPTED


def test_with_no_bureau_for_the_category_only_an_admin_decides(county, make_user, make_proposal, make_category):
    proposal, bureaus, officials = county
    orphan = make_proposal(village=proposal.region, category=make_category(), title="A bee garden")
    orphan.status = ProposalStatus.QUALIFIED
    db.session.commit()
    with pytest.raises(NotAllowed, match="only an administrator"):
        promote(orphan, officials["health"], bureaus["health"])
    db.session.rollback()
    with pytest.raises(Conflict, match="no one to recommend it to"):
        recommend(orphan, actor=officials["transport"])
    db.session.rollback()
    assert promote(orphan, make_user("admin"), bureaus["health"]).id


def test_a_recommendation_is_kept_audited_and_told_to_the_deciders_once(county, make_user):
    proposal, bureaus, officials = county
    transport = officials["transport"]
    recommendation = recommend(proposal, actor=transport, note="Our buses cannot reach the clinic.")
    db.session.commit()
    assert [(r.official_id, r.from_department_id, r.note) for r in recommendations_of(proposal)] == [
        (transport.id, bureaus["transport"].id, "Our buses cannot reach the clinic.")]
    told = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "proposal_recommended")))
    assert told == {officials["health"].id, officials["clinic"].id}
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "proposal.recommend"))
    assert (entry.actor_id, entry.subject_id, entry.after["proposal_id"]) == (transport.id, recommendation.id,
                                                                           proposal.id)
    with pytest.raises(AlreadyRecommended) as again:
        recommend(proposal, actor=transport)
    db.session.rollback()
    assert again.value.status == 409 and len(recommendations_of(proposal)) == 1


@pytest.mark.parametrize("who, error, message", [
    ("health", Conflict, "make it a project yourself"),
    ("elsewhere", NotAllowed, "officials of the proposal's area"),
    ("resident", NotAllowed, "officials of the proposal's area"),
])
def test_who_cannot_recommend(county, make_user, who, error, message):
    proposal, _bureaus, officials = county
    actor = make_user("resident", region=proposal.region) if who == "resident" else officials[who]
    with pytest.raises(error, match=message):
        recommend(proposal, actor=actor)


def test_only_a_proposal_waiting_for_a_decision_is_recommended(county):
    proposal, _bureaus, officials = county
    proposal.status = ProposalStatus.OPEN
    with pytest.raises(NotOpen):
        recommend(proposal, actor=officials["transport"])
