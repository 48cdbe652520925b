"""Officials' pages for voting in person: find a resident, give a code (shown once on a printable slip, saying
when the resident already voted), cancel it, enter a paper ballot (refused when they voted already); and the
resident's web ballot page saying their ballot was cast on paper."""

import re

from sqlalchemy import select

from budgeting import ballots, cycles
from budgeting.models import BallotCode
from core.db import db
from tests.helpers import WebClient


def _official(app, user):
    client = WebClient(app.test_client())
    client.login(user)
    return client


def test_an_official_finds_a_resident_and_gives_a_code_on_a_slip(app, budget_county, make_cycle):
    place = budget_county
    cycle = make_cycle("voting", projects={"east": [1_000_000]})
    east = cycles.part_for(cycle, place.east.id)
    ballots.cast_ballot(east, actor=place.east_resident, project_ids=[])
    db.session.commit()
    official = _official(app, place.official)
    page = official.get(f"/officials/budgets/{cycle.id}/in-person?q={place.east_resident.display_name}")
    assert page.status_code == 200 and place.east_resident.display_name in page.get_data(as_text=True)
    unchecked = official.post(f"/officials/budgets/{cycle.id}/codes/{place.east_resident.id}", {})
    assert unchecked.status_code == 422 and "identity card" in unchecked.get_data(as_text=True)
    assert db.session.scalar(select(BallotCode)) is None
    slip = official.post(f"/officials/budgets/{cycle.id}/codes/{place.east_resident.id}", {
                                                                  "identity_checked": "yes"})
    html = slip.get_data(as_text=True)
    assert slip.status_code == 201 and slip.headers["Cache-Control"] == "no-store"
    code = re.search(r'class="slip-code"[^>]*>(\d{4} \d{4})<', html).group(1)
    assert "Already voted in" in html and "on the web" in html  # said, not what
    assert code.replace(" ", "") not in db.session.scalar(select(BallotCode.digest))
    row = db.session.scalar(select(BallotCode))
    cancelled = official.post(f"/officials/budgets/codes/{row.id}/cancel")
    assert cancelled.status_code == 302 and db.session.get(BallotCode, row.id).cancelled_at is not None


def test_a_paper_ballot_is_entered_once_and_the_web_page_says_so(app, budget_county, make_cycle):
    place = budget_county
    cycle = make_cycle("voting", projects={"east": [1_000_000]})
    east = cycles.part_for(cycle, place.east.id)
    project = ballots.ballot_projects(east)[0]
    official = _official(app, place.official)
    url = f"/officials/budgets/{cycle.id}/paper/{place.east_resident.id}"
    assert official.get(url).status_code == 200
    done = official.post(url, {"part_id": east.id, "projects": [project.id]})
    assert done.status_code == 302
    again = official.post(url, {"part_id": east.id, "projects": []})
    assert again.status_code == 409 and "already voted" in again.get_data(as_text=True)
    resident = WebClient(app.test_client())
    resident.login(place.east_resident)
    page = resident.get(f"/budgets/{cycle.id}/ballot/{east.id}").get_data(as_text=True)
    assert "Your ballot was cast on paper" in page and "Cast my ballot" not in page


def test_an_official_of_another_area_may_not_serve_the_resident(app, budget_county, make_cycle, make_user):
    place = budget_county
    cycle = make_cycle("voting")
    other = _official(app, make_user("official", region=place.west))
    refused = other.post(f"/officials/budgets/{cycle.id}/codes/{place.east_resident.id}", {
                                                                  "identity_checked": "yes"})
    assert refused.status_code == 403
    assert other.get(f"/officials/budgets/{cycle.id}/paper/{place.east_resident.id}").status_code == 403
