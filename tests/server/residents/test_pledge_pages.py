"""Pledging on the proposal page: money, hours, materials, anonymity, cancelling, bad amounts."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.db import db, utcnow
from voting.models import Pledge


@pytest.fixture
def goal_proposal(make_proposal):
    return make_proposal(goal_minor=100_000, deadline=utcnow() + timedelta(days=10), in_kind_counts=True)


def test_pledges_of_every_kind_show_in_the_progress(client, make_user, goal_proposal):
    client.login(make_user("resident", region=goal_proposal.region, verified=True))
    url = f"/proposals/{goal_proposal.id}/pledges"
    assert client.post(url + "/money", {"money-amount": "250.50"}).status_code == 302
    assert client.post(url + "/hours", {"hours-hours": "6", "hours-skill": "Carpentry", "hours-estimated_value": "300"}).status_code == 302
    assert client.post(url + "/materials", {"materials-description": "Timber", "materials-quantity": "2.5",
                                            "materials-unit": "m³", "materials-estimated_value": "200"}).status_code == 302
    page = client.get(f"/proposals/{goal_proposal.id}").get_data(as_text=True)
    assert "¥250.50" in page and "6 hours" in page and "Timber" in page
    assert 'value="75"' in page  # (250.50 + 300 + 200) of a 1,000 goal: 75 % on the progress bar


@pytest.mark.parametrize("amount, message", [
    ("-10", "more than zero"), ("0", "more than zero"), ("10.001", "two decimals"), ("ten", "such as 50"),
    ("0.50", "between"), ("99999999", "between"), ("", "This field is required"),
])
def test_bad_amounts_are_refused_and_nothing_is_pledged(client, make_user, goal_proposal, amount, message):
    client.login(make_user("resident", region=goal_proposal.region, verified=True))
    response = client.post(f"/proposals/{goal_proposal.id}/pledges/money", {"money-amount": amount})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Pledge)) == 0


def test_anonymous_pledges_hide_the_name_from_the_public_but_not_officials(app, client, make_user, goal_proposal):
    backer = make_user("resident", region=goal_proposal.region, display_name="Secret Backer", verified=True)
    client.login(backer)
    client.post(f"/proposals/{goal_proposal.id}/pledges/money", {"money-amount": "100", "money-anonymous": "y"})
    client.logout()
    public = client.get(f"/proposals/{goal_proposal.id}").get_data(as_text=True)
    assert "Secret Backer" not in public and "Anonymous" in public
    client.login(make_user("official", region=goal_proposal.region.path[0]))
    assert "Secret Backer" in client.get(f"/proposals/{goal_proposal.id}").get_data(as_text=True)


def test_backer_cancels_their_pledge(client, make_user, goal_proposal):
    client.login(make_user("resident", region=goal_proposal.region, verified=True))
    client.post(f"/proposals/{goal_proposal.id}/pledges/money", {"money-amount": "100"})
    pledge = db.session.scalar(select(Pledge))
    assert client.post(f"/proposals/pledges/{pledge.id}/cancel").status_code == 302
    assert db.session.get(Pledge, pledge.id).status == "cancelled"


def test_nobody_cancels_someone_elses_pledge(client, make_user, goal_proposal):
    client.login(make_user("resident", region=goal_proposal.region, verified=True))
    client.post(f"/proposals/{goal_proposal.id}/pledges/money", {"money-amount": "100"})
    pledge = db.session.scalar(select(Pledge))
    client.logout()
    client.login(make_user("resident", region=goal_proposal.region, verified=True))
    response = client.post(f"/proposals/pledges/{pledge.id}/cancel", follow_redirects=True)
    assert "Only the backer can cancel" in response.get_data(as_text=True)
    assert db.session.get(Pledge, pledge.id).status == "pledged"


def test_no_pledges_after_the_deadline(client, make_user, goal_proposal):
    goal_proposal.deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    client.login(make_user("resident", region=goal_proposal.region, verified=True))
    response = client.post(f"/proposals/{goal_proposal.id}/pledges/money", {"money-amount": "100"})
    assert response.status_code == 422 and "closed" in response.get_data(as_text=True)
