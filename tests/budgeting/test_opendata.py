"""Open data both ways: a finished cycle published as a pabulib file that other tools read back, and a published
file loaded as a read-only cycle whose anonymous ballots count like any others."""

import random
from pathlib import Path

import pytest
from pabutools.election.pabulib import parse_pabulib_from_string
from sqlalchemy import func, select

from budgeting import ballots, cycles, imports, opendata, queries, results, winners
from budgeting.cycle_errors import BadPabulibFile, CannotImport, ImportedCycle, NotPublished
from budgeting.election import Election, Project
from budgeting.models import Ballot, BallotChoice, BudgetCycle, BudgetProject, Channel, Phase
from budgeting.pabulib import read_pb, write_pb
from core.audit import AuditEntry
from core.db import db

FILES = Path(__file__).resolve().parents[1] / "data" / "pabulib"
WIELICZKA = FILES / "Poland_Wieliczka_2023_Green_Budget.pb"


def _voted_cycle(budget_county, make_cycle, make_user):
    """A finished cycle: in the east part (30,000.00) four residents chose among three projects."""
    place = budget_county
    cycle = make_cycle("voting", projects={"east": [1_000_000, 2_500_000, 500_000]})
    east = cycles.part_for(cycle, place.east.id)
    cheap_first = ballots.ballot_projects(east)  # 5,000 · 10,000 · 25,000
    small, middle, big = (p.id for p in cheap_first)
    for choice in ([big], [big, small], [middle, small], [small]):
        voter = make_user("resident", region=place.east_village, verified=True)
        ballots.cast_ballot(east, actor=voter, project_ids=choice)
    cycles.advance_phase(cycle, actor=place.admin)  # voting closes, and the count finishes it
    db.session.commit()
    results.count_cycle(cycle.id)
    return cycle, east, (small, middle, big)


def test_a_finished_part_is_published_as_a_pb_file_that_pabutools_reads(budget_county, make_cycle, make_user):
    cycle, east, (small, middle, big) = _voted_cycle(budget_county, make_cycle, make_user)
    text = opendata.pb_file(east)
    instance, profile = parse_pabulib_from_string(text)
    assert instance.budget_limit == 30_000 and instance.meta["rule"] == "equalshares/add1"
    assert {(p.name, int(p.cost)) for p in instance} == {(str(small), 5_000), (str(middle), 10_000),
                                                         (str(big), 25_000)}
    assert sorted(sorted(ballot) for ballot in profile) == sorted(
        sorted(map(str, c)) for c in ([big], [big, small], [middle, small], [small]))
    published = read_pb(text)
    assert published.meta["country"] == "China" and published.meta["num_votes"] == "4"
    assert published.selected() == {str(i) for i in opendata.selected(east)}
    assert {row["voter_id"] for row in published.votes} == {"1", "2", "3", "4"}  # numbers, not accounts
    voter_ids = {str(i) for i in db.session.scalars(select(Ballot.voter_id))}
    ballot_ids = {str(i) for i in db.session.scalars(select(Ballot.id))}
    assert [row["voter_id"] for row in published.votes] == ["1", "2", "3", "4"]
    assert not ({row["vote"] for row in published.votes} & (voter_ids | ballot_ids) - {str(small), str(middle),
                                                                                       str(big)})


def test_nothing_is_published_before_the_cycle_is_finished(budget_county, make_cycle):
    cycle = make_cycle("counting", projects={"east": [1_000_000]})
    part = cycle.parts[0]
    with pytest.raises(NotPublished):
        opendata.pb_file(part)
    with pytest.raises(NotPublished):
        opendata.published_part(part)


def test_wieliczka_loads_as_a_finished_read_only_cycle_with_anonymous_ballots(budget_county):
    place = budget_county
    cycle = imports.import_pb(WIELICZKA.read_bytes(), region=place.county, actor=place.admin)
    db.session.commit()
    published = read_pb(WIELICZKA.read_bytes())
    assert cycle.imported and cycle.phase == Phase.FINISHED and cycle.rule == "equalshares/add1"  # Minyi's nearest
    assert opendata.published_rule(cycle) == "equalshares/add1-comparison"  # the file's own, kept and published
    assert cycle.title == "Wieliczka Green Budget 2023" and cycle.currency == "PLN"
    assert cycle.source_meta["description"] == "Municipal PB in Wieliczka, Green Budget (Zielony Milion)"
    part = cycle.parts[0]
    assert part.amount_minor == 100_000_000
    assert db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.part_id == part.id)) == 6_586
    assert db.session.scalar(select(func.count()).where(Ballot.voter_id.is_not(None))) == 0
    projects = queries.projects_of(part)
    assert len(projects) == 64 and {p.source_id for p in projects if p.source_selected} == published.selected()
    totals = queries.totals(part)
    by_file_id = {p.source_id: totals.get(p.id, 0) for p in projects}
    assert by_file_id == {row["project_id"]: int(row["votes"]) for row in published.projects}
    # Counted again with the file's rule, the stored votes give the city's winners.
    winners = opendata.selected(part)
    assert {p.source_id for p in projects if p.id in winners} == published.selected()
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.subject_id == cycle.id)) == "budget.import"


def test_a_loaded_cycle_is_published_again_with_the_files_ids_and_meta(budget_county):
    place = budget_county
    cycle = imports.import_pb(WIELICZKA.read_bytes(), region=place.county, actor=place.admin)
    original, again = read_pb(WIELICZKA.read_bytes()), read_pb(opendata.pb_file(cycle.parts[0]))
    assert again.meta["description"] == original.meta["description"] and again.meta["currency"] == "PLN"
    assert sorted(sorted(v["vote"].split(",")) for v in again.votes) == sorted(
        sorted(v["vote"].split(",")) for v in original.votes)
    assert again.selected() == original.selected()


def test_a_loaded_cycle_cannot_be_changed(budget_county, make_user):
    place = budget_county
    cycle = imports.import_pb(WIELICZKA.read_bytes(), region=place.county, actor=place.admin)
    part, project = cycle.parts[0], queries.projects_of(cycle.parts[0])[0]
    with pytest.raises(ImportedCycle):
        cycles.advance_phase(cycle, actor=place.admin)
    with pytest.raises(ImportedCycle):
        cycles.review_project(project, actor=place.admin, feasible=False, cost_minor=100, reason="No")
    with pytest.raises(ImportedCycle):
        cycles.submit_project(cycle, actor=place.east_resident, title="x", description="", cost_minor=100)
    with pytest.raises(ImportedCycle):
        ballots.cast_ballot(part, actor=place.east_resident, project_ids=[project.id])
    with pytest.raises(ImportedCycle):
        results.recount(cycle, actor=place.admin)
    winner = next(p for p in queries.projects_of(part) if p.id in opendata.selected(part))
    with pytest.raises(ImportedCycle):  # its winners were built, or not, by the city that ran it
        winners.make_project(winner, actor=place.admin, department=None, start_on=None, target_on=None)


def test_a_loaded_election_is_counted_so_its_results_compare_the_rules(budget_county, client):
    """What a county loads a past election for: both rules' choices on real votes, side by side."""
    cycle = imports.import_pb(WIELICZKA.read_bytes(), region=budget_county.county, actor=budget_county.admin)
    db.session.commit()
    stored = queries.results_of(cycle)[cycle.parts[0].id]
    assert stored.rule == "equalshares/add1" and stored.outcome["winners"] and stored.greedy["winners"]
    assert stored.outcome["winners"] != stored.greedy["winners"]  # Wieliczka: equal shares chose otherwise
    page = client.get(f"/budgets/{cycle.id}/results")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Wieliczka Green Budget 2023" in html and "most votes" in html.lower()
    assert "PLN" in html and "¥" not in html  # the city's own currency


def test_only_an_admin_loads_a_file(budget_county):
    with pytest.raises(CannotImport):
        imports.import_pb(WIELICZKA.read_bytes(), region=budget_county.county, actor=budget_county.official)
    assert db.session.scalar(select(func.count()).select_from(BudgetCycle)) == 0


@pytest.mark.parametrize(("change", "message"), [
    (lambda t: t.replace("vote_type;approval", "vote_type;ordinal"), "Only approval votes can be counted"),
    (lambda t: t[:t.index("VOTES\n")], "has no VOTES section"),
    (lambda t: t.replace("rule;equalshares/add1-comparison", "rule;random"), "rule random is not one"),
    (lambda t: t.replace("date_end;21.04.2023", "date_end;soon"), "date_end is not a date"),
    (lambda t: t + "99999;24,24\n", "chooses project 24 twice"),
    (lambda t: t.replace("budget;1000000", "budget;1000000.005"), "more than two decimals"),
    (lambda t: b"\xff\xfe" + t.encode("utf-16-le"), "not UTF-8"),
])
def test_a_bad_file_is_refused_with_a_clear_message_and_nothing_is_kept(budget_county, change, message):
    place = budget_county
    data = change(WIELICZKA.read_text(encoding="utf-8"))
    with pytest.raises(BadPabulibFile) as refused:
        imports.import_pb(data if isinstance(data, bytes) else data.encode(), region=place.county, actor=place.admin)
    assert message in str(refused.value.message) and refused.value.field == "file"
    db.session.rollback()
    for model in (BudgetCycle, BudgetProject, Ballot, BallotChoice):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0


def test_a_city_sized_file_loads_in_bulk(budget_county):
    """Łódź 2022 has 90,494 ballots over 160 projects: 40,000 generated ballots over 160 projects load in one
    go (a few statements per 5,000 ballots, not one per row)."""
    chooser = random.Random(2022)
    projects = [Project(str(n), chooser.randrange(10_000, 2_000_000)) for n in range(1, 161)]
    votes = [frozenset(str(n) for n in chooser.sample(range(1, 161), chooser.randint(1, 10))) for _ in range(40_000)]
    text = write_pb(Election(projects, 40_000_000, votes), {
        "description": "Generated", "country": "Poland", "unit": "Łódź", "instance": "2022", "rule": "greedy",
        "date_begin": "01.06.2022", "date_end": "30.06.2022"})
    cycle = imports.import_pb(text.encode(), region=budget_county.county, actor=budget_county.admin)
    db.session.commit()
    part = cycle.parts[0]
    assert sum(queries.totals(part).values()) == sum(len(v) for v in votes)
    assert db.session.scalar(select(func.count()).where(Ballot.channel == Channel.IMPORTED)) == 40_000
