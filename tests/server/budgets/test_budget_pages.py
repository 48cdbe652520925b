"""The pages of participatory budgeting: opening a cycle, its page, reviewing, and the ballot (with and without
htmx)."""

from budgeting import ballots, cycles, queries
from budgeting.models import BudgetCycle
from core.db import db
from tests.helpers import WebClient


def _part(cycle, region):
    return cycles.part_for(cycle, region.id)


def _ballot_url(cycle, part):
    return f"/budgets/{cycle.id}/ballot/{part.id}"


def test_an_official_opens_a_cycle_and_residents_read_its_phases(app, budget_county):
    place = budget_county
    official = WebClient(app.test_client())
    official.login(place.official)
    assert official.get("/officials/budgets/new").status_code == 200
    response = official.post("/officials/budgets/new", {
        "region": place.county.id, "title": "2027 county budget", "total": "100,000", "ballot_style": "both",
        "max_choices": "3", "part1_region": place.east.id, "part1_amount": "30000",
        "collecting_until": "2027-03-01", "reviewing_until": "2027-04-01", "voting_until": "2027-05-01"})
    assert response.status_code == 302, response.get_data(as_text=True)
    cycle = db.session.query(BudgetCycle).one()
    assert sorted(p.amount_minor for p in cycle.parts) == [3_000_000, 7_000_000]
    page = WebClient(app.test_client()).get(f"/budgets/{cycle.id}").get_data(as_text=True)
    for words in ("Collecting projects", "Officials check that each project can be done", "Voting", "Counting",
                  "Finished", "up to 3 projects", "Submit a costed project"):
        assert words in page


def test_a_cycle_that_does_not_add_up_comes_back_with_what_was_typed(app, budget_county):
    place = budget_county
    official = WebClient(app.test_client())
    official.login(place.official)
    response = official.post("/officials/budgets/new", {
        "region": place.county.id, "title": "Too much for the east", "total": "100",
        "ballot_style": "spending_limit", "part1_region": place.east.id, "part1_amount": "500",
        "collecting_until": "2027-03-01", "reviewing_until": "2027-04-01", "voting_until": "2027-05-01"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Please check the budget cycle" in page and 'value="Too much for the east"' in page
    assert db.session.query(BudgetCycle).count() == 0


def test_a_resident_submits_a_project_and_an_official_rejects_it_with_a_public_reason(app, budget_county,
                                                                                      make_cycle):
    place, cycle = budget_county, make_cycle()
    resident = WebClient(app.test_client())
    resident.login(place.east_resident)
    refused = resident.post(f"/budgets/{cycle.id}/submit", {"title": "Lights", "description": "Ten lights",
                                                            "cost": "a lot"})
    assert refused.status_code == 422 and 'value="Lights"' in refused.get_data(as_text=True)
    assert resident.post(f"/budgets/{cycle.id}/submit", {"title": "Lights", "description": "Ten lights",
                                                         "cost": "5000"}).status_code == 302
    cycles.advance_phase(cycle, actor=place.admin)
    db.session.commit()
    project = queries.projects_of(_part(cycle, place.east))[0]
    official = WebClient(app.test_client())
    official.login(place.official)
    url = f"/officials/budgets/projects/{project.id}/review"
    without_reason = official.post(url, {"verdict": "rejected", "cost": "5000"})
    assert without_reason.status_code == 422 and "Give a public reason" in without_reason.get_data(as_text=True)
    assert official.post(url, {"verdict": "rejected", "cost": "5000",
                               "reason": "The road is the province's."}).status_code == 302
    page = WebClient(app.test_client()).get(f"/budgets/{cycle.id}").get_data(as_text=True)
    assert "The road is the province&#39;s." in page and "rejected" in page


def test_ticking_shows_the_money_left_with_htmx_and_without(app, budget_county, make_cycle):
    place = budget_county
    cycle = make_cycle("voting", projects={"east": [1_000_000, 2_500_000]})
    east = _part(cycle, place.east)
    cheap, dear = [p.id for p in ballots.ballot_projects(east)]
    resident = WebClient(app.test_client())
    resident.login(place.east_resident)
    fragment = resident.post(_ballot_url(cycle, east), {"projects": [cheap], "action": "check"},
                             headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="ballot-tally"') and "Left: CN¥20,000.00 of CN¥30,000.00" in fragment
    page = resident.post(_ballot_url(cycle, east), {"projects": [cheap, dear], "action": "check"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Over the budget by CN¥5,000.00" in html
    assert f'value="{cheap}" id="ballot-project-{cheap}" checked' in html and f'value="{dear}" id="ballot-project-{dear}" checked' in html


def test_a_ballot_over_the_limit_is_refused_next_to_the_form_keeping_the_ticks(app, budget_county, make_cycle):
    place = budget_county
    cycle = make_cycle("voting", projects={"east": [1_000_000, 2_500_000]})
    east = _part(cycle, place.east)
    cheap, dear = [p.id for p in ballots.ballot_projects(east)]
    resident = WebClient(app.test_client())
    resident.login(place.east_resident)
    response = resident.post(_ballot_url(cycle, east), {"projects": [cheap, dear], "action": "cast"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "cost more than this part&#39;s budget" in html
    assert f'id="ballot-project-{dear}" checked' in html
    assert queries.own_choices(place.east_resident, east) is None
    assert resident.post(_ballot_url(cycle, east), {"projects": [dear], "action": "cast"}).status_code == 302
    assert resident.post(_ballot_url(cycle, east), {"projects": [cheap], "action": "cast"}).status_code == 302
    assert queries.own_choices(place.east_resident, east) == {cheap}
    assert "Your ballot is recorded" in resident.get(_ballot_url(cycle, east)).get_data(as_text=True)


def test_voting_outside_ones_area_is_refused_with_a_clear_message(app, budget_county, make_cycle):
    place = budget_county
    cycle = make_cycle("voting", projects={"east": [1_000_000]})
    east = _part(cycle, place.east)
    resident = WebClient(app.test_client())
    resident.login(place.west_resident)
    project = ballots.ballot_projects(east)[0].id
    response = resident.post(_ballot_url(cycle, east), {"projects": [project], "action": "cast"})
    assert response.status_code == 403
    assert "only vote in the parts of the budget for where you live" in response.get_data(as_text=True)
    assert queries.own_choices(place.west_resident, east) is None


def test_officials_see_totals_only_after_voting_closes_and_never_who_voted(app, budget_county, make_cycle):
    place = budget_county
    cycle = make_cycle("voting", projects={"east": [1_000_000]})
    east = _part(cycle, place.east)
    ballots.cast_ballot(east, actor=place.east_resident, project_ids=[ballots.ballot_projects(east)[0].id])
    db.session.commit()
    official = WebClient(app.test_client())
    official.login(place.official)
    assert "1 vote" not in official.get(f"/budgets/{cycle.id}").get_data(as_text=True)
    assert official.post(f"/officials/budgets/{cycle.id}/advance").status_code == 302
    page = official.get(f"/budgets/{cycle.id}").get_data(as_text=True)
    assert "1 vote" in page and place.east_resident.display_name not in page


def test_an_official_enters_a_qualified_proposal_with_its_cost(app, budget_county, make_cycle, make_proposal):
    place, cycle = budget_county, make_cycle()
    proposal = make_proposal(author=place.east_resident, title="A bus shelter")
    proposal.status = "qualified"
    db.session.commit()
    official = WebClient(app.test_client())
    official.login(place.official)
    assert "A bus shelter" in official.get(f"/budgets/{cycle.id}").get_data(as_text=True)
    url = f"/officials/budgets/{cycle.id}/proposals"
    refused = official.post(url, {"proposal_id": proposal.id, "cost": "-5"})
    assert refused.status_code == 422 and 'value="-5"' in refused.get_data(as_text=True)
    assert official.post(url, {"proposal_id": proposal.id, "cost": "12,000"}).status_code == 302
    (project,) = queries.projects_of(_part(cycle, place.east))
    assert (project.title, project.cost_minor, project.proposal_id) == ("A bus shelter", 1_200_000, proposal.id)
