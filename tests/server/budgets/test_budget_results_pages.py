"""The count on the pages: its progress while the worker counts (a fragment that replaces itself, a reload link
without JavaScript), the results with why each project won or lost and what greedy counting would have chosen, in
English and Chinese; officials count again and turn winners into projects, which link back to their cycle."""

from datetime import date

from sqlalchemy import select

from budgeting import cycles, results
from budgeting.models import WinnerProject
from core.db import db
from projects.models import Project
from tests.helpers import WebClient


def _counting(budget_county, split_vote, **fields):
    cycle, part, projects = split_vote(**fields)
    cycles.advance_phase(cycle, actor=budget_county.official)
    db.session.commit()
    return cycle, part, projects


def _official(app, place):
    client = WebClient(app.test_client())
    client.login(place.official)
    return client


def test_progress_shows_parts_counted_and_replaces_itself_until_finished(app, budget_county, split_vote):
    cycle, part, _projects = _counting(budget_county, split_vote)
    results.count_part(part)
    db.session.commit()
    client = WebClient(app.test_client())
    page = client.get(f"/budgets/{cycle.id}").get_data(as_text=True)
    assert "1 of 3 parts counted" in page and 'hx-trigger="every 2s"' in page
    assert f'href="/budgets/{cycle.id}"' in page  # the reload link, without JavaScript
    fragment = client.get(f"/budgets/{cycle.id}/progress", headers={"HX-Request": "true"})
    assert fragment.get_data(as_text=True).lstrip().startswith("<div id=\"count-progress\"")
    assert client.get(f"/budgets/{cycle.id}/progress").status_code == 302  # no htmx: the cycle's page
    results.count_cycle(cycle.id)
    done = client.get(f"/budgets/{cycle.id}/progress", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "hx-trigger" not in done and f"/budgets/{cycle.id}/results" in done


def test_the_results_explain_each_outcome_and_what_greedy_would_have_chosen(app, budget_county, split_vote):
    cycle, _part, (big_a, big_b, small_c, small_d) = _counting(budget_county, split_vote)
    client = WebClient(app.test_client())
    assert "results are shown here once" not in client.get(f"/budgets/{cycle.id}/results").get_data(as_text=True)
    results.count_cycle(cycle.id)
    page = client.get(f"/budgets/{cycle.id}/results").get_data(as_text=True)
    assert "How the votes were counted: equal shares" in page
    assert "Ties are always broken the same way" in page
    # Completion raised each share from 3,000 to 4,999 yuan: one yuan more and both big projects would be bought.
    assert "The share was raised 1999 times" in page
    assert "Each voter had CN¥4,999.00 to spend; its 6 supporters paid at most CN¥2,500.00 each" in page
    assert ("After 1 project was bought, its supporters had CN¥14,994.00 left between them; it costs "
            "CN¥15,000.00.") in page
    assert "Counting by most votes would have funded it." in page  # big B
    assert "Counting by most votes would not have funded it." in page  # the minority's projects
    assert "different from the result above" in page
    assert page.index(big_a.title) < page.index(small_d.title) < page.index(small_c.title) < page.index(
        big_b.title, page.index("Results:"))


def test_the_results_read_in_chinese(app, budget_county, split_vote):
    cycle, _part, _projects = _counting(budget_county, split_vote)
    results.count_cycle(cycle.id)
    page = WebClient(app.test_client()).get(f"/budgets/{cycle.id}/results",
                                            headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "平等份额" in page and "¥4,999.00" in page and "Each voter had" not in page


def test_a_greedy_cycle_explains_turns_by_votes(app, budget_county, split_vote):
    cycle, _part, _projects = _counting(budget_county, split_vote, rule="greedy")
    results.count_cycle(cycle.id)
    page = WebClient(app.test_client()).get(f"/budgets/{cycle.id}/results").get_data(as_text=True)
    assert "How the votes were counted: most votes first" in page
    assert "Its turn came 1 by votes, with CN¥30,000.00 left: it fitted." in page
    assert "it did not fit (it costs CN¥10,000.00)" in page
    assert "What counting by most votes would have chosen" not in page


def test_an_official_counts_again_and_gets_the_same_results(app, budget_county, split_vote):
    cycle, _part, _projects = _counting(budget_county, split_vote)
    results.count_cycle(cycle.id)
    client = WebClient(app.test_client())
    before = client.get(f"/budgets/{cycle.id}/results").get_data(as_text=True)
    official = _official(app, budget_county)
    assert official.post(f"/officials/budgets/{cycle.id}/recount", {}).status_code == 302
    db.session.expire_all()
    assert "0 of 3 parts counted" in client.get(f"/budgets/{cycle.id}").get_data(as_text=True)
    results.count_cycle(cycle.id)
    assert client.get(f"/budgets/{cycle.id}/results").get_data(as_text=True) == before


def test_a_failed_count_is_shown_to_officials_only(app, budget_county, split_vote):
    cycle, _part, _projects = _counting(budget_county, split_vote)
    cycle.count_error = "InvalidElection: The budget cannot be negative."
    db.session.commit()
    assert "The count failed" in _official(app, budget_county).get(f"/budgets/{cycle.id}").get_data(as_text=True)
    assert "The count failed" not in WebClient(app.test_client()).get(f"/budgets/{cycle.id}").get_data(as_text=True)


def test_winners_become_projects_that_link_back_and_show_on_the_dashboard(app, budget_county, split_vote):
    cycle, _part, (big_a, big_b, small_c, small_d) = _counting(budget_county, split_vote)
    results.count_cycle(cycle.id)
    official = _official(app, budget_county)
    department = budget_county.official.department
    url = f"/officials/budgets/projects/{big_a.id}/project"
    refused = official.post(url, {"winner-%d-department" % big_a.id: department.id,
                                  "winner-%d-start_on" % big_a.id: "2027-07-01",
                                  "winner-%d-target_on" % big_a.id: "2027-06-01"})
    assert refused.status_code == 422 and "The target date cannot be before the start" in refused.get_data(
        as_text=True)
    loser = official.post(f"/officials/budgets/projects/{big_b.id}/project", {
        f"winner-{big_b.id}-department": department.id, f"winner-{big_b.id}-start_on": "2027-07-01",
        f"winner-{big_b.id}-target_on": "2027-12-01"})
    assert loser.status_code == 422 and "Only a project that won the vote" in loser.get_data(as_text=True)
    made = official.post(url, {f"winner-{big_a.id}-department": department.id,
                               f"winner-{big_a.id}-start_on": "2027-07-01",
                               f"winner-{big_a.id}-target_on": "2027-12-01"})
    assert made.status_code == 302
    db.session.expire_all()
    project = big_a.project
    assert (project.budget_public_minor, project.title, project.region_id) == (
        1_500_000, big_a.title, budget_county.east.id)
    assert project.start_on == date(2027, 7, 1)
    everyone = official.post(f"/officials/budgets/{cycle.id}/projects", {
        "winner-all-department": department.id, "winner-all-start_on": "2027-07-01",
        "winner-all-target_on": "2027-12-01"})
    assert everyone.status_code == 302
    made = db.session.scalars(select(WinnerProject.budget_project_id)).all()
    assert set(made) == {big_a.id, small_c.id, small_d.id}
    public = WebClient(app.test_client())
    page = public.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Chosen by residents in" in page and f"/budgets/{cycle.id}/results#result-project-{big_a.id}" in page
    results_page = public.get(f"/budgets/{cycle.id}/results").get_data(as_text=True)
    assert f"/projects/{project.id}" in results_page and "0% done" in results_page
    dashboard = public.get("/dashboard").get_data(as_text=True)
    assert "What residents&#39; budgets delivered" in dashboard or "What residents' budgets delivered" in dashboard
    assert "CN¥30,000.00" in dashboard


def test_a_winner_from_a_proposal_brings_the_proposal_along(app, budget_county, make_cycle, make_proposal):
    from budgeting import ballots, winners
    from proposals.models import ProposalStatus

    place = budget_county
    proposal = make_proposal(village=place.east_village)
    proposal.status = ProposalStatus.QUALIFIED
    cycle = make_cycle()
    entered = cycles.enter_proposal(cycle, proposal, actor=place.admin, cost_minor=100_000)
    cycles.advance_phase(cycle, actor=place.admin)
    cycles.review_project(entered, actor=place.admin, feasible=True, cost_minor=100_000)
    cycles.advance_phase(cycle, actor=place.admin)
    ballots.cast_ballot(entered.part, actor=place.east_resident, project_ids=[entered.id])
    cycles.advance_phase(cycle, actor=place.admin)
    db.session.commit()
    results.count_cycle(cycle.id)
    project = winners.make_project(entered, actor=place.admin, department=place.official.department,
                                   start_on=date(2027, 7, 1), target_on=date(2027, 8, 1))
    db.session.commit()
    assert [s.proposal_id for s in project.sources] == [proposal.id]
    assert proposal.status == ProposalStatus.ACCEPTED and entered.project == project


HOSTILE = ['<script>alert("minyi")</script>', "0", "-1", "10000-01-01", "2026-02-30", "' OR '1'='1' --", "長" * 10_000,
           "a\x00b"]


def test_hostile_input_to_the_winner_forms_is_refused_clearly_and_changes_nothing(app, budget_county, split_vote):
    cycle, _part, (big_a, _b, _c, _d) = _counting(budget_county, split_vote)
    results.count_cycle(cycle.id)
    official = _official(app, budget_county)
    sensible = {"department": str(budget_county.official.department.id), "start_on": "2027-07-01",
                "target_on": "2027-12-01"}
    for url, prefix in ((f"/officials/budgets/projects/{big_a.id}/project", f"winner-{big_a.id}"),
                        (f"/officials/budgets/{cycle.id}/projects", "winner-all")):
        for field in sensible:
            for value in HOSTILE:
                form = {f"{prefix}-{k}": v for k, v in sensible.items()} | {f"{prefix}-{field}": value}
                response = official.post(url, form)
                page = response.get_data(as_text=True)
                assert response.status_code in (400, 422), (field, value)
                assert "<script>alert(" not in page
    assert db.session.scalar(select(WinnerProject.project_id)) is None
    assert db.session.scalar(select(Project.id)) is None
