"""Supports: verified residents in scope, once each, counted exactly, qualifying at the threshold."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from core.db import commit_with_retry, db
from proposals.errors import AlreadySupported, NotEligible, NotOpen, NotSupported
from proposals.models import Proposal
from voting.models import Support
from voting.supports import cast_support, threshold, withdraw_support


def test_a_verified_resident_supports_once(make_proposal, make_user):
    proposal = make_proposal()
    voter = make_user("resident", region=proposal.region, verified=True)
    cast_support(proposal, actor=voter)
    db.session.commit()
    assert proposal.supports_count == 1
    with pytest.raises(AlreadySupported):
        cast_support(proposal, actor=voter)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Support)) == 1


def test_the_database_itself_refuses_a_second_vote(make_proposal, make_user):
    from sqlalchemy.exc import IntegrityError

    proposal = make_proposal()
    voter = make_user("resident", region=proposal.region, verified=True)
    db.session.add_all([Support(proposal_id=proposal.id, user_id=voter.id),
                        Support(proposal_id=proposal.id, user_id=voter.id)])
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("who", ["unverified", "outsider", "official"])
def test_who_may_not_support(make_proposal, make_user, make_region, who):
    proposal = make_proposal()
    user = {"unverified": lambda: make_user("resident", region=proposal.region),
            "outsider": lambda: make_user("resident", region=make_region("village"), verified=True),
            "official": lambda: make_user("official", region=proposal.region.path[0])}[who]()
    with pytest.raises(NotEligible):
        cast_support(proposal, actor=user)


def test_township_scope_lets_the_neighbouring_village_vote(make_proposal, make_user, make_region):
    township = make_region("township")
    here, next_door = make_region("village", parent=township), make_region("village", parent=township)
    proposal = make_proposal(village=here, scope="township")
    neighbour = make_user("resident", region=next_door, verified=True)
    cast_support(proposal, actor=neighbour)
    assert proposal.supports_count == 1


def test_support_can_be_withdrawn_while_open(make_proposal, make_user):
    proposal = make_proposal()
    voter = make_user("resident", region=proposal.region, verified=True)
    cast_support(proposal, actor=voter)
    withdraw_support(proposal, actor=voter)
    db.session.commit()
    assert proposal.supports_count == 0
    with pytest.raises(NotSupported):
        withdraw_support(proposal, actor=voter)


def test_threshold_scales_with_verified_residents(app, make_proposal, make_user):
    app.config.update(MINYI_SUPPORT_MINIMUM=2, MINYI_SUPPORT_PERCENT=50)
    proposal = make_proposal()  # its author is verified: 1 verified resident
    assert threshold(proposal) == 2
    for _ in range(5):
        make_user("resident", region=proposal.region, verified=True)
    assert threshold(proposal) == 3  # 50 % of 6


def test_reaching_the_threshold_qualifies_the_proposal(app, make_proposal, make_user):
    app.config.update(MINYI_SUPPORT_MINIMUM=2, MINYI_SUPPORT_PERCENT=0)
    proposal = make_proposal()
    first, second = (make_user("resident", region=proposal.region, verified=True) for _ in range(2))
    cast_support(proposal, actor=first)
    assert proposal.status == "open"
    cast_support(proposal, actor=second)
    assert proposal.status == "qualified" and proposal.qualified_at is not None
    withdraw_support(proposal, actor=second)
    assert proposal.status == "qualified"  # once qualified, it stays in the officials' queue


def test_withdrawn_proposals_take_no_supports(make_proposal, make_user):
    from proposals.services import withdraw_proposal

    proposal = make_proposal()
    withdraw_proposal(proposal, actor=proposal.author, reason="Done by the village already")
    with pytest.raises(NotOpen):
        cast_support(proposal, actor=make_user("resident", region=proposal.region, verified=True))


def test_concurrent_voters_lose_no_vote_and_count_none_twice(app, make_proposal, make_user):
    """32 residents (and a double click from each) vote at the same moment on one proposal."""
    from accounts.users import User

    proposal = make_proposal()
    voter_ids = [make_user("resident", region=proposal.region, verified=True).id for _ in range(32)]
    proposal_id = proposal.id

    def vote(user_id):
        with app.app_context():
            try:
                return commit_with_retry(lambda: cast_support(db.session.get(Proposal, proposal_id),
                                                              actor=db.session.get(User, user_id))) and "ok"
            except AlreadySupported:
                db.session.rollback()
                return "duplicate"
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(vote, voter_ids + voter_ids))
    db.session.expire_all()
    assert results.count("ok") == 32 and results.count("duplicate") == 32
    assert db.session.get(Proposal, proposal_id).supports_count == 32
    assert db.session.scalar(select(func.count()).select_from(Support)) == 32


def test_verified_resident_counts_are_reused_for_a_while(app, make_proposal, make_user):
    """Counting a county's residents on every vote would be slow; the count is cached, then refreshed."""
    from voting import supports as services

    verified_residents = services.verified_residents
    app.config["MINYI_THRESHOLD_CACHE_SECONDS"] = 60
    proposal = make_proposal()
    before = verified_residents(proposal.region_id)
    make_user("resident", region=proposal.region, verified=True)
    assert verified_residents(proposal.region_id) == before
    app.config["MINYI_THRESHOLD_CACHE_SECONDS"] = 0
    assert verified_residents(proposal.region_id) == before + 1
