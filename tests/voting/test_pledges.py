"""Pledges: money, hours and materials toward a goal; all-or-nothing at the deadline; the ledger."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.db import db, utcnow
from core.errors import Conflict, InvalidInput, NotAllowed
from core.money import BadAmount, parse_amount
from proposals.errors import NotOpen
from voting.collections import record_collection
from voting.models import Pledge
from voting.pledges import cancel_pledge, pledge_to, progress, settle, settle_due


@pytest.fixture
def funded_proposal(make_proposal):
    def factory(goal_minor=100_000, in_kind_counts=False, days=7):
        return make_proposal(goal_minor=goal_minor, deadline=utcnow() + timedelta(days=days),
                             in_kind_counts=in_kind_counts)
    return factory


def backer_for(make_user, proposal):
    return make_user("resident", region=proposal.region, verified=True)


def pass_deadline(proposal):
    proposal.deadline = utcnow() - timedelta(seconds=1)
    db.session.commit()


@pytest.mark.parametrize("text, minor", [("50", 5000), ("12.5", 1250), ("12.50", 1250), ("1,000", 100000),
                                         ("￥８８", 8800), (" 0.01 ", 1)])
def test_amounts_people_type(text, minor):
    assert parse_amount(text) == minor


@pytest.mark.parametrize("text", ["", "-5", "0", "0.00", "1.234", "abc", "1e5", "12.", "NaN", "9" * 20, "5 yuan"])
def test_nonsense_amounts_are_refused(text):
    with pytest.raises(BadAmount):
        parse_amount(text)


def test_money_hours_and_materials_add_up_to_the_goal(funded_proposal, make_user):
    proposal = funded_proposal(goal_minor=100_000, in_kind_counts=True)
    backer = backer_for(make_user, proposal)
    pledge_to(proposal, actor=backer, kind="money", amount_minor=30_000)
    pledge_to(proposal, actor=backer, kind="hours", hours=8, skill="Masonry", estimated_value_minor=20_000)
    pledge_to(proposal, actor=backer, kind="materials", description="Cement", quantity="10", unit="bags",
              estimated_value_minor=25_000)
    result = progress(proposal)
    assert (result.money_minor, result.hours, result.materials) == (30_000, 8, 1)
    assert result.counted_minor == 75_000 and result.percent == 75
    assert (result.share(result.money_minor), result.share(result.hours_value_minor)) == (30, 20)
    proposal.in_kind_counts = False
    assert progress(proposal).percent == 30  # in-kind only counts when the author allows it


@pytest.mark.parametrize("amount", [50, 10_000_001 * 100])
def test_money_pledges_stay_within_limits(funded_proposal, make_user, amount):
    proposal = funded_proposal()
    with pytest.raises(InvalidInput):
        pledge_to(proposal, actor=backer_for(make_user, proposal), kind="money", amount_minor=amount)


def test_only_residents_pledge_and_only_to_proposals_with_a_goal(make_proposal, funded_proposal, make_user):
    with pytest.raises(NotOpen):
        plain = make_proposal()
        pledge_to(plain, actor=backer_for(make_user, plain), kind="money", amount_minor=5000)
    proposal = funded_proposal()
    with pytest.raises(NotAllowed):
        pledge_to(proposal, actor=make_user("official", region=proposal.region.path[0]), kind="money",
                  amount_minor=5000)


def test_goal_reached_commits_every_pledge(funded_proposal, make_user):
    proposal = funded_proposal(goal_minor=10_000)
    pledge = pledge_to(proposal, actor=backer_for(make_user, proposal), kind="money", amount_minor=10_000)
    db.session.commit()
    assert settle(proposal) is None  # not yet: the deadline has not passed
    pass_deadline(proposal)
    assert settle(proposal) is True
    assert pledge.status == "committed" and proposal.funded
    assert settle(proposal) is None  # settling twice changes nothing


def test_goal_missed_releases_every_pledge(funded_proposal, make_user):
    proposal = funded_proposal(goal_minor=10_000)
    pledge = pledge_to(proposal, actor=backer_for(make_user, proposal), kind="money", amount_minor=9_999)
    pass_deadline(proposal)
    assert settle_due() == [(proposal.id, False)]
    assert pledge.status == "released" and proposal.funded is False
    assert settle_due() == []


def test_backer_cancels_before_the_deadline_but_not_after(funded_proposal, make_user):
    proposal = funded_proposal()
    backer = backer_for(make_user, proposal)
    first = pledge_to(proposal, actor=backer, kind="money", amount_minor=5000)
    with pytest.raises(NotAllowed):
        cancel_pledge(first, actor=make_user("resident", region=proposal.region))
    cancel_pledge(first, actor=backer)
    assert first.status == "cancelled" and progress(proposal).money_minor == 0
    second = pledge_to(proposal, actor=backer, kind="money", amount_minor=5000)
    pass_deadline(proposal)
    with pytest.raises(Conflict):
        cancel_pledge(second, actor=backer)


def test_withdrawing_the_proposal_releases_pledges(funded_proposal, make_user):
    from proposals.services import withdraw_proposal

    proposal = funded_proposal()
    pledge = pledge_to(proposal, actor=backer_for(make_user, proposal), kind="money", amount_minor=5000)
    withdraw_proposal(proposal, actor=proposal.author, reason="The county paid for it")
    assert pledge.status == "released"


def test_treasurer_records_money_received_once_per_receipt(funded_proposal, make_user):
    proposal = funded_proposal(goal_minor=10_000)
    pledge = pledge_to(proposal, actor=backer_for(make_user, proposal), kind="money", amount_minor=10_000)
    pass_deadline(proposal)
    settle(proposal)
    treasurer = make_user("official", region=proposal.region.path[0])
    record_collection(pledge, actor=treasurer, amount_minor=6_000, method="cash", received_on=date.today(),
                      receipt_number="R-001")
    with pytest.raises(Conflict):
        record_collection(pledge, actor=treasurer, amount_minor=1_000, method="cash", received_on=date.today(),
                          receipt_number="R-001")
    with pytest.raises(InvalidInput):
        record_collection(pledge, actor=treasurer, amount_minor=5_000, method="cash", received_on=date.today(),
                          receipt_number="R-002")  # only 4,000 is still owed
    with pytest.raises(NotAllowed):
        record_collection(pledge, actor=pledge.backer, amount_minor=1_000, method="cash",
                          received_on=date.today(), receipt_number="R-003")
    assert sum(c.amount_minor for c in db.session.get(Pledge, pledge.id).collections) == 6_000


def test_nothing_is_collected_on_an_uncommitted_pledge(funded_proposal, make_user):
    proposal = funded_proposal()
    pledge = pledge_to(proposal, actor=backer_for(make_user, proposal), kind="money", amount_minor=5000)
    with pytest.raises(Conflict):
        record_collection(pledge, actor=make_user("official", region=proposal.region.path[0]), amount_minor=5000,
                          method="cash", received_on=date.today(), receipt_number="R-9")
    assert db.session.scalars(select(Pledge)).all()


def test_a_funded_proposal_cannot_be_walked_away_from_but_rejection_releases_everyone(funded_proposal, make_user):
    from proposals.services import reject_proposal, withdraw_proposal

    proposal = funded_proposal(goal_minor=10_000)
    pledge = pledge_to(proposal, actor=backer_for(make_user, proposal), kind="money", amount_minor=10_000)
    pass_deadline(proposal)
    settle(proposal)
    with pytest.raises(Conflict):
        withdraw_proposal(proposal, actor=proposal.author, reason="changed my mind")
    reject_proposal(proposal, actor=make_user("official", region=proposal.region.path[0]), reason="Land dispute")
    assert pledge.status == "released"
    with pytest.raises(Conflict):
        record_collection(pledge, actor=make_user("official", region=proposal.region.path[0]), amount_minor=100,
                          method="cash", received_on=date.today(), receipt_number="R-X")


def test_unverified_accounts_cannot_pledge(funded_proposal, make_user):
    proposal = funded_proposal()
    with pytest.raises(NotAllowed):
        pledge_to(proposal, actor=make_user("resident", region=proposal.region), kind="money", amount_minor=5000)


def test_a_hidden_proposal_makes_nothing_binding(funded_proposal, make_user):
    proposal = funded_proposal(goal_minor=10_000)
    pledge = pledge_to(proposal, actor=backer_for(make_user, proposal), kind="money", amount_minor=10_000)
    proposal.hidden_at, proposal.hidden_reason = utcnow(), "Suspected fraud"
    pass_deadline(proposal)
    assert settle(proposal) is False and pledge.status == "released"


@pytest.mark.parametrize("quantity", ["NaN", "Infinity", "-1", "abc"])
def test_nonsense_quantities_are_refused(funded_proposal, make_user, quantity):
    proposal = funded_proposal()
    with pytest.raises(InvalidInput):
        pledge_to(proposal, actor=backer_for(make_user, proposal), kind="materials", description="Sand",
                  quantity=quantity, unit="t")
