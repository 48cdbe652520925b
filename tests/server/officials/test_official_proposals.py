"""Officials: the queue of qualified proposals, rejecting with a public reason, the money ledger."""

from datetime import date, timedelta

from sqlalchemy import select

from core.db import db, utcnow
from proposals.models import Proposal
from voting.models import Collection, Pledge
from voting.pledges import pledge_to, settle


def qualify(proposal):
    proposal.status, proposal.qualified_at = "qualified", utcnow()
    db.session.commit()


def test_queue_shows_qualified_proposals_of_my_region_only(client, make_user, make_proposal, make_region):
    mine, theirs = make_proposal(title="Mine to decide"), make_proposal(title="Another county's")
    make_proposal(title="Still gathering support", village=mine.region)
    qualify(mine)
    qualify(theirs)
    client.login(make_user("official", region=mine.region.path[0]))
    html = client.get("/officials/proposals").get_data(as_text=True)
    assert "Mine to decide" in html
    assert "Another county" not in html and "Still gathering support" not in html


def test_official_rejects_with_a_public_reason(client, make_user, make_proposal, make_department):
    proposal = make_proposal()
    qualify(proposal)
    deciding = make_department(region=proposal.region.path[0], categories=[proposal.category])
    client.login(make_user("official", department=deciding))
    client.post(f"/officials/proposals/{proposal.id}/reject", {"reason": ""})
    assert db.session.get(Proposal, proposal.id).status == "qualified"  # a reason is required
    client.post(f"/officials/proposals/{proposal.id}/reject", {"reason": "The land belongs to the railway."})
    assert db.session.get(Proposal, proposal.id).status == "rejected"
    assert "The land belongs to the railway." in client.get(f"/proposals/{proposal.id}").get_data(as_text=True)


def test_official_of_another_region_cannot_reject(client, make_user, make_proposal, make_region):
    proposal = make_proposal()
    qualify(proposal)
    client.login(make_user("official", region=make_region("county")))
    assert client.post(f"/officials/proposals/{proposal.id}/reject", {"reason": "no"}).status_code == 403


def test_treasurer_books_money_received_and_the_totals_add_up(client, make_user, make_proposal):
    proposal = make_proposal(goal_minor=10_000, deadline=utcnow() + timedelta(days=2))
    backer = make_user("resident", region=proposal.region, display_name="Generous Neighbour", verified=True)
    pledge = pledge_to(proposal, actor=backer, kind="money", amount_minor=10_000)
    proposal.deadline = utcnow() - timedelta(seconds=1)
    settle(proposal)
    db.session.commit()
    client.login(make_user("official", region=proposal.region.path[0]))
    form = {"pledge_id": str(pledge.id), "amount": "60", "method": "cash", "received_on": date.today().isoformat(),
            "receipt_number": "QS-2026-001"}
    assert client.post(f"/officials/proposals/{proposal.id}/ledger", form).status_code == 302
    again = client.post(f"/officials/proposals/{proposal.id}/ledger", form)
    assert again.status_code == 422 and "already booked" in again.get_data(as_text=True)
    too_much = client.post(f"/officials/proposals/{proposal.id}/ledger",
                           dict(form, amount="50", receipt_number="QS-2026-002"))
    assert too_much.status_code == 422 and "more than is still owed" in too_much.get_data(as_text=True)
    page = client.get(f"/officials/proposals/{proposal.id}/ledger").get_data(as_text=True)
    assert "Committed money pledges: CN¥100.00. Received so far: CN¥60.00." in page
    assert db.session.scalar(select(Collection.amount_minor)) == 6_000
    assert db.session.get(Pledge, pledge.id).status == "committed"


def test_residents_cannot_see_the_ledger(client, make_user, make_proposal):
    proposal = make_proposal()
    client.login(make_user("resident", region=proposal.region))
    assert client.get(f"/officials/proposals/{proposal.id}/ledger").status_code == 403


def test_the_public_sees_how_much_money_was_collected(client, make_user, make_proposal):
    from voting.collections import LEDGER

    proposal = make_proposal(goal_minor=10_000, deadline=utcnow() + timedelta(days=2))
    pledge = pledge_to(proposal, actor=make_user("resident", region=proposal.region, verified=True), kind="money", amount_minor=10_000)
    proposal.deadline = utcnow() - timedelta(seconds=1)
    settle(proposal)
    LEDGER.record(pledge, actor=make_user("official", region=proposal.region.path[0]), amount_minor=2_500,
                  method="transfer", received_on=date.today(), receipt_number="BANK-77")
    db.session.commit()
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Money collected so far: CN¥25.00." in page


def test_queue_cards_show_what_residents_pledged(client, make_user, make_proposal):
    proposal = make_proposal(title="Mend the well", goal_minor=500_000, deadline=utcnow() + timedelta(days=10))
    backer = make_user("resident", region=proposal.region, verified=True)
    pledge_to(proposal, actor=backer, kind="money", amount_minor=120_000)
    pledge_to(proposal, actor=backer, kind="hours", hours=12, skill="masonry", availability="weekends",
              estimated_value_minor=10_000)
    qualify(proposal)
    client.login(make_user("official", region=proposal.region.path[0]))
    html = client.get("/officials/proposals").get_data(as_text=True)
    assert "Pledged:" in html and "1,200.00" in html and "12 hours" in html
