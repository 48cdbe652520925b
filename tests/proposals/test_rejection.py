"""Who may reject a proposal: while it is open, an official of its area; once it reached the officials, the same
people who may make it a project (the departments that handle its category in its place, or an admin), and no
other bureau of the area, which is told who decides and that it can recommend the proposal to them."""

import pytest
from sqlalchemy import select

from accounts.notifications import Notification
from core.db import db
from core.errors import NotAllowed
from projects.recommendations import check_promoter
from proposals.models import ProposalStatus
from proposals.services import check_rejecter, reject_proposal

REASON = "A clinic opens in the township next spring."


def reject(proposal, actor):
    rejected = reject_proposal(proposal, actor=actor, reason=REASON)
    db.session.commit()
    return rejected


def allowed(check, actor, proposal) -> bool:
    try:
        check(actor, proposal)
    except NotAllowed:
        return False
    return True


@pytest.fixture
def someone(deciding_county, make_user):
    """someone(name): an official of one of the county's bureaus, an admin, or a resident of the village."""
    proposal, _bureaus, officials = deciding_county

    def pick(name):
        if name == "admin":
            return make_user("admin")
        if name == "resident":
            return make_user("resident", region=proposal.region)
        return officials[name]
    return pick


@pytest.mark.parametrize("who", ["health", "clinic", "admin"])
def test_the_deciders_reject_a_qualified_proposal_and_its_people_are_told(deciding_county, someone, who):
    proposal, _bureaus, _officials = deciding_county
    reject(proposal, someone(who))
    assert proposal.status == ProposalStatus.REJECTED and proposal.closing_reason == REASON
    told = db.session.scalars(select(Notification.user_id).where(Notification.kind == "proposal_rejected")).all()
    assert told == [proposal.author_id]


def test_another_bureau_of_the_area_is_told_who_decides(deciding_county):
    proposal, bureaus, officials = deciding_county
    with pytest.raises(NotAllowed) as refused:
        reject(proposal, officials["transport"])
    db.session.rollback()
    message = str(refused.value.message)
    assert f"Only {bureaus['clinic'].name}, {bureaus['health'].name} can reject" in message  # the closest first
    assert "recommend it to them" in message and refused.value.status == 403
    assert proposal.status == ProposalStatus.QUALIFIED and proposal.closing_reason is None


@pytest.mark.parametrize("who", ["elsewhere", "resident"])
def test_who_is_not_of_the_area_is_refused(deciding_county, someone, who):
    proposal, _bureaus, _officials = deciding_county
    with pytest.raises(NotAllowed):
        reject(proposal, someone(who))
    db.session.rollback()
    assert proposal.status == ProposalStatus.QUALIFIED


@pytest.mark.parametrize("who", ["health", "clinic", "transport", "elsewhere", "admin", "resident"])
def test_who_may_reject_a_qualified_proposal_is_who_may_make_it_a_project(deciding_county, someone, who):
    proposal, _bureaus, _officials = deciding_county
    actor = someone(who)
    assert allowed(check_rejecter, actor, proposal) == allowed(check_promoter, actor, proposal)


def test_with_no_bureau_for_the_category_only_an_admin_rejects(deciding_county, make_proposal, make_category,
                                                              make_user):
    proposal, _bureaus, officials = deciding_county
    orphan = make_proposal(village=proposal.region, category=make_category(), title="A bee garden")
    orphan.status = ProposalStatus.QUALIFIED
    db.session.commit()
    with pytest.raises(NotAllowed, match="only an administrator can reject"):
        reject(orphan, officials["health"])
    db.session.rollback()
    assert reject(orphan, make_user("admin")).status == ProposalStatus.REJECTED


@pytest.mark.parametrize("who, may", [("transport", True), ("health", True), ("admin", True), ("elsewhere", False),
                                      ("resident", False)])
def test_an_open_proposal_is_rejected_by_any_official_of_its_area(deciding_county, someone, who, may):
    """Before it reaches the officials nobody has to decide on it yet: as before, an official of its area may
    decline it (an obvious duplicate, a plan already under way)."""
    proposal, _bureaus, _officials = deciding_county
    proposal.status = ProposalStatus.OPEN
    db.session.commit()
    if may:
        assert reject(proposal, someone(who)).status == ProposalStatus.REJECTED
    else:
        with pytest.raises(NotAllowed):
            reject(proposal, someone(who))
