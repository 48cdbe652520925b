"""No page runs one query per row: each list and each page with a list inside is asked for with a few rows,
then with more, and must run the same number of queries (a list that loads its rows' relations one by one
would grow with them)."""

from datetime import date, timedelta

import pytest
from sqlalchemy import event

from accounts.geography import set_outline
from appeals import services as appeal_services
from appeals import workflow as appeal_workflow
from core.db import db, utcnow
from projects.money import record_expenditure
from projects.progress import add_milestone, post_update
from projects.promotion import promote_to_project
from proposals import discussion
from proposals.models import ProposalStatus
from tests.helpers import WebClient
from voting import pledges as pledging
from voting.supports import cast_support

TODAY = date.today()
OUTLINE = '{"type": "Polygon", "coordinates": [[[102.0, 25.0], [102.1, 25.0], [102.1, 25.1], [102.0, 25.0]]]}'


@pytest.fixture
def world(make_region, make_category, make_department, make_user, make_proposal):
    """A village with its department, an official, residents, a project, and a way to add one more of
    everything (a proposal with a support, a pledge and a comment; an appeal with an answer and a co-sign; a
    project update, payment and milestone; a kiosk)."""
    village, category = make_region("village"), make_category()
    set_outline(village, actor=None, outline=OUTLINE)  # its items are on the maps
    department = make_department(region=village.path[0], categories=[category])
    official = make_user("official", department=department)
    admin = make_user("admin")
    regular = make_user("resident", region=village, verified=True)  # files an appeal everywhere, and is told
    anchor = make_proposal(village=village, title="Anchor", goal_minor=1_000_000, category=category,
                           deadline=utcnow() + timedelta(days=30))
    anchor.status = ProposalStatus.QUALIFIED
    talk = make_proposal(village=village, title="Talked about", goal_minor=1_000_000,
                         deadline=utcnow() + timedelta(days=30))
    project = promote_to_project(actor=official, title="Project", description="x", department=department,
                                          lead=official, budget_public_minor=10**9, start_on=TODAY,
                                          target_on=TODAY + timedelta(days=90), proposals=[anchor])
    db.session.commit()
    appeal_ids = []

    def more(n):
        from kiosk_fleet import kiosks

        for _ in range(n):
            home = make_region("village", parent=village.parent)  # rows from many places, as on a real list
            set_outline(home, actor=None, outline=OUTLINE)  # each with a centre: its rows are on the maps too
            resident = make_user("resident", region=home, verified=True)
            proposal = make_proposal(author=resident, village=home, goal_minor=100_000,
                                     deadline=utcnow() + timedelta(days=20))
            backer = make_user("resident", region=home, verified=True)
            cast_support(proposal, actor=backer)
            pledging.pledge_to(proposal, actor=backer, kind="money", amount_minor=1_000)
            discussion.post_comment(proposal, actor=backer, stance="for", body="Yes")
            discussion.post_comment(talk, actor=backer, stance="for", body="Here too")
            pledging.pledge_to(talk, actor=backer, kind="money", amount_minor=500, anonymous=True)
            proposal.status = ProposalStatus.QUALIFIED
            appeal = appeal_services.submit_appeal(actor=resident, body="The lamp is out.", category=category,
                                                   village=home)
            appeal_services.cosign(appeal, actor=backer)
            appeal_services.cosign(appeal, actor=regular)
            appeal_services.submit_appeal(actor=regular, body="The bridge is broken.", category=category, village=home)
            appeal_workflow.answer_appeal(appeal, actor=official, body="Fixed on Monday.")
            appeal_ids.append(appeal.id)
            promote_to_project(actor=official, title="From an appeal", description="x",
                                        department=department, lead=official, budget_public_minor=0,
                                        start_on=TODAY, target_on=TODAY + timedelta(days=30), appeals=[appeal])
            post_update(project, actor=official, body="Progress")
            record_expenditure(project, actor=official, amount_minor=100, spent_on=TODAY, payee="Shop",
                                        purpose="Nails", source="public")
            add_milestone(project, actor=official, title="Step", target_on=TODAY + timedelta(days=10))
            kiosks.create_kiosk(actor=admin, name="Kiosk", village=home, category=category)
        db.session.commit()

    return {"more": more, "official": official, "admin": admin, "regular": regular, "talk": talk, "project": project,
            "appeal_ids": appeal_ids}


@pytest.fixture
def served(make_app):
    """An app whose pages hold 50 rows (the tests' usual 5 would hide a list that grows)."""
    return make_app(MINYI_PAGE_SIZE=50)


@pytest.fixture
def counted(served):
    count = [0]

    def seen(*_args):
        count[0] += 1

    with served.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    yield count
    event.remove(engine, "before_cursor_execute", seen)


PUBLIC = ["/", "/proposals", "/appeals", "/projects", "/dashboard", "/api/v1/proposals", "/api/v1/appeals",
          "/api/v1/projects", "/projects/export.csv", "/open311/v2/requests.json", "/appeals/map.json",
          "/proposals/map.json", "/projects/map.json", "/regions/outlines.json", "/appeals/map", "/api/v1/appeals/map",
          "/api/v1/proposals/map", "/api/v1/projects/map", "/api/v1/regions/outlines"]
OFFICIAL = ["/officials/appeals", "/officials/proposals", "/officials/appeals/groups", "/officials/candidates",
            "/officials/residents?status=all", "/officials/appeals.csv?status=all", "/officials/appeals/map.json"]
RESIDENT = ["/appeals/mine", "/notifications", "/"]
ADMIN = ["/admin/kiosks", "/admin/users", "/admin/audit", "/admin/users.csv", "/moderation"]


def queries(client, url, counted) -> int:
    client.get(url)  # the first request fills per-process caches (the region tree)
    counted[0] = 0
    response = client.get(url)
    assert response.status_code == 200, url
    return counted[0]


def test_lists_run_the_same_queries_for_few_rows_and_many(served, world, counted):
    talk, project = world["talk"], world["project"]
    pages = PUBLIC + [f"/proposals/{talk.id}", f"/projects/{project.id}", f"/api/v1/projects/{project.id}"]
    world["more"](5)  # enough for the officials' early warning to show a wave already
    client = WebClient(served.test_client())
    few = {url: queries(client, url, counted) for url in pages}
    client.login(world["official"])
    few |= {url: queries(client, url, counted) for url in OFFICIAL}
    client.login(world["admin"])
    few |= {url: queries(client, url, counted) for url in ADMIN}
    client.login(world["regular"])
    few |= {f"{url} (resident)": queries(client, url, counted) for url in RESIDENT}

    world["more"](5)
    visitor = WebClient(served.test_client())
    many = {url: queries(visitor, url, counted) for url in pages}
    visitor.login(world["official"])
    many |= {url: queries(visitor, url, counted) for url in OFFICIAL}
    visitor.login(world["admin"])
    many |= {url: queries(visitor, url, counted) for url in ADMIN}
    visitor.login(world["regular"])
    many |= {f"{url} (resident)": queries(visitor, url, counted) for url in RESIDENT}
    grew = {url: (few[url], many[url]) for url in few if many[url] > few[url]}
    assert not grew, f"queries grew with the rows (few → many): {grew}"


def test_a_budget_results_page_runs_the_same_queries_for_few_winners_and_many(served, counted, budget_county,
                                                                               make_cycle, make_user):
    from budgeting import ballots, cycles, results, winners

    place = budget_county

    def results_page(projects: int) -> int:
        cycle = make_cycle("voting", projects={"east": [100_000] * projects, "west": [100_000] * projects})
        for village in (place.east_village, place.west_village):
            part = cycles.part_for(cycle, village.id)
            for _ in range(projects):
                ballots.cast_ballot(part, actor=make_user("resident", region=village, verified=True),
                                    project_ids=[p.id for p in ballots.ballot_projects(part)])
        cycles.advance_phase(cycle, actor=place.admin)
        db.session.commit()
        results.count_cycle(cycle.id)
        winners.make_projects(cycle, actor=place.admin, department=place.official.department, start_on=TODAY,
                              target_on=TODAY)
        db.session.commit()
        client = WebClient(served.test_client())
        return queries(client, f"/budgets/{cycle.id}/results", counted) + queries(client, "/dashboard", counted)

    assert results_page(2) == results_page(6)


def test_budget_pages_run_the_same_queries_for_few_parts_projects_and_ballots_and_many(served, budget_county,
                                                                                          make_cycle, make_user,
                                                                                          counted):
    from budgeting import ballots, cycles

    place = budget_county

    def cycle_with(phase, parts, projects, voters):
        chosen = {"east": [place.east], "west": [place.west]}
        areas = {area: 1_000_000 for name in ("east", "west")[:parts - 1] for area in chosen[name]}
        cycle = make_cycle("voting", projects={"east": [1_000] * projects, "county": [2_000] * projects},
                           parts=areas, total_minor=10_000_000)
        for _ in range(voters):
            voter = make_user("resident", region=place.east_village, verified=True)
            for part in (cycles.part_for(cycle, place.east_village.id), cycles.part_for(cycle, place.county.id)):
                ballots.cast_ballot(part, actor=voter, project_ids=[p.id for p in ballots.ballot_projects(part)][:2])
        while cycle.phase != phase:
            cycles.advance_phase(cycle, actor=place.admin)
        db.session.commit()
        return cycle

    def pages(cycle):
        part = cycles.part_for(cycle, place.county.id)  # the same area's part in both (one row, not a list)
        return [f"/budgets/{cycle.id}", f"/budgets/{cycle.id}/ballot/{part.id}"]

    few_voting, few_counted = cycle_with("voting", 1, 1, 1), cycle_with("counting", 1, 1, 1)
    many_voting, many_counted = cycle_with("voting", 3, 6, 5), cycle_with("counting", 3, 6, 5)
    resident, official = WebClient(served.test_client()), WebClient(served.test_client())
    resident.login(place.east_resident)
    official.login(place.official)
    grew = {}
    for few, many in ((few_voting, many_voting), (few_counted, many_counted)):
        for client in (resident, official):
            for few_url, many_url in zip(pages(few), pages(many), strict=True):
                counts = queries(client, few_url, counted), queries(client, many_url, counted)
                if counts[1] > counts[0]:
                    grew[many_url] = counts
    one_part, three_parts = make_cycle(parts={}), make_cycle()  # the edit form has a field per part
    for path in ("edit", "cancel"):
        counts = (queries(official, f"/officials/budgets/{one_part.id}/{path}", counted),
                  queries(official, f"/officials/budgets/{three_parts.id}/{path}", counted))
        if counts[1] > counts[0]:
            grew[path] = counts
    index_few = queries(official, "/budgets", counted)
    make_cycle()
    assert queries(official, "/budgets", counted) <= index_few
    for cycle in (few_voting, many_voting):  # casting: the same queries whatever the size of the ballot
        part = cycles.part_for(cycle, place.east_village.id)
        ids = [p.id for p in ballots.ballot_projects(part)][:1]
        counted[0] = 0
        response = resident.post(f"/budgets/{cycle.id}/ballot/{part.id}", {"projects": ids, "action": "cast"})
        assert response.status_code == 302
        grew.setdefault("cast", []).append(counted[0])
    casts = grew.pop("cast")
    assert casts[1] <= casts[0], f"casting grew with the ballot: {casts}"
    assert not grew, f"budget pages' queries grew with parts, projects or ballots (few → many): {grew}"


def test_the_register_of_voters_runs_the_same_queries_for_few_voters_and_many(served, counted, budget_county,
                                                                                make_cycle, make_user):
    from budgeting import ballots, cycles, in_person

    place = budget_county
    cycle = make_cycle("voting", projects={"east": [1_000_000]})
    east = cycles.part_for(cycle, place.east.id)

    def more(n):
        for _ in range(n):
            voter = make_user("resident", region=place.east_village, verified=True, display_name="Voter")
            ballots.cast_ballot(east, actor=voter, project_ids=[])
            in_person.issue_code(cycle, voter, actor=place.official)
        db.session.commit()

    url = f"/officials/budgets/{cycle.id}/in-person?q=Voter"
    client = WebClient(served.test_client())
    client.login(place.official)
    more(3)
    few = queries(client, url, counted)
    more(10)
    assert queries(client, url, counted) == few


def test_budget_pages_and_open_data_run_the_same_queries_for_few_projects_and_many(served, budget_county,
                                                                                  make_cycle, make_user, counted):
    """A finished cycle, its API answers and its open data (and a loaded election's page), with two projects a
    part and then with eight, and more ballots."""
    from pathlib import Path

    from budgeting import ballots, cycles, imports, results

    place = budget_county

    def finished(costs):
        cycle = make_cycle("voting", projects={"east": costs, "county": costs})
        east = cycles.part_for(cycle, place.east.id)
        for project in ballots.ballot_projects(east)[:len(costs)]:
            voter = make_user("resident", region=place.east_village, verified=True)
            ballots.cast_ballot(east, actor=voter, project_ids=[project.id])
        cycles.advance_phase(cycle, actor=place.admin)  # voting closes, and the count finishes it
        db.session.commit()
        results.count_cycle(cycle.id)
        return cycle

    def pages(cycle, loaded):
        east = cycles.part_for(cycle, place.east.id)
        return {"/budgets/{}": f"/budgets/{cycle.id}", "/budgets/{loaded}": f"/budgets/{loaded.id}",
                "/api/v1/budgets": "/api/v1/budgets", "/api/v1/budgets/{}": f"/api/v1/budgets/{cycle.id}",
                "/api/v1/budgets/{}/publication": f"/api/v1/budgets/{cycle.id}/publication",
                "/api/v1/budgets/{}/publication.csv": f"/api/v1/budgets/{cycle.id}/publication.csv",
                "/api/v1/budgets/{}/parts/{}.pb": f"/api/v1/budgets/{cycle.id}/parts/{east.id}.pb"}

    files = Path(__file__).resolve().parents[1] / "data" / "pabulib"
    small = imports.import_pb((files / "Poland_Warszawa_2019_Piaski.pb").read_bytes(), region=place.county,
                              actor=place.admin)  # 9 projects
    large = imports.import_pb((files / "Poland_Wieliczka_2023_Green_Budget.pb").read_bytes(), region=place.county,
                              actor=place.admin)  # 64 projects
    db.session.commit()
    client = WebClient(served.test_client())
    few = {name: queries(client, url, counted) for name, url in pages(finished([100_000] * 2), small).items()}
    many = {name: queries(client, url, counted) for name, url in pages(finished([100_000] * 8), large).items()}
    grew = {name: (few[name], many[name]) for name in few if many[name] > few[name]}
    assert not grew, f"queries grew with the rows (few → many): {grew}"
