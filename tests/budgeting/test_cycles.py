"""Opening a budget cycle, its phases, entering and reviewing projects, and the audit log of each step."""

from datetime import date

import pytest
from sqlalchemy import select

from budgeting import cycles
from budgeting.cycle_errors import BadCycle, NotManager, NotVerified, OutsideArea, ReasonNeeded, WrongPhase
from budgeting.models import Phase, ProjectStatus
from core.audit import AuditEntry
from core.db import db


def _dates():
    return {"collecting_until": date(2027, 3, 1), "reviewing_until": date(2027, 4, 1),
            "voting_until": date(2027, 5, 1)}


def test_an_admin_opens_a_cycle_with_parts_and_the_rest_county_wide(budget_county):
    place = budget_county
    cycle = cycles.open_cycle(place.county, actor=place.admin, title="2027", total_minor=10_000_000,
                              parts={place.east: 3_000_000, place.west: 2_000_000}, **_dates())
    db.session.commit()
    assert {(p.region_id, p.amount_minor) for p in cycle.parts} == {
        (place.county.id, 5_000_000), (place.east.id, 3_000_000), (place.west.id, 2_000_000)}
    assert cycle.phase == Phase.COLLECTING
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.subject_type == "budget_cycle")) == \
        "budget.open"


def test_an_official_of_the_county_may_open_one_but_not_an_official_of_elsewhere(budget_county, make_region,
                                                                                 make_user):
    place = budget_county
    assert cycles.open_cycle(place.county, actor=place.official, title="Ours", total_minor=100, **_dates())
    stranger = make_user("official", region=make_region("county"))
    with pytest.raises(NotManager):
        cycles.open_cycle(place.county, actor=stranger, title="Theirs", total_minor=100, **_dates())
    with pytest.raises(NotManager):
        cycles.open_cycle(place.county, actor=place.east_resident, title="Mine", total_minor=100, **_dates())


@pytest.mark.parametrize("change", [
    {"total_minor": 0}, {"title": " "}, {"parts": "too much"}, {"voting_until": date(2027, 1, 1)},
    {"ballot_style": "up_to_k"}, {"ballot_style": "ranked"}])
def test_a_cycle_that_does_not_add_up_is_refused(budget_county, change):
    place = budget_county
    fields = {"title": "2027", "total_minor": 1_000, **_dates()} | change
    if fields.get("parts") == "too much":
        fields["parts"] = {place.east: 2_000}
    with pytest.raises(BadCycle):
        cycles.open_cycle(place.county, actor=place.admin, **fields)


def test_residents_submit_projects_to_their_own_part_while_collecting(budget_county, make_cycle):
    place, cycle = budget_county, make_cycle()
    project = cycles.submit_project(cycle, actor=place.east_resident, title="Street lights", description="Ten",
                                    cost_minor=500_000)
    assert project.part.region_id == place.east.id and project.status == ProjectStatus.PROPOSED
    with pytest.raises(NotVerified):
        cycles.submit_project(cycle, actor=place.unverified, title="Lights", description="", cost_minor=1)


def test_a_resident_of_elsewhere_cannot_submit(make_cycle, make_user):
    with pytest.raises(OutsideArea):
        cycles.submit_project(make_cycle(), actor=make_user("resident", verified=True), title="A", description="",
                              cost_minor=1)


def test_an_official_enters_a_qualified_proposal_of_the_area(budget_county, make_cycle, make_proposal):
    place, cycle = budget_county, make_cycle()
    proposal = make_proposal(author=place.west_resident)
    with pytest.raises(BadCycle):  # not qualified yet
        cycles.enter_proposal(cycle, proposal, actor=place.official, cost_minor=80_000)
    proposal.status = "qualified"
    project = cycles.enter_proposal(cycle, proposal, actor=place.official, cost_minor=80_000)
    assert (project.part.region_id, project.title, project.proposal_id) == (place.west.id, proposal.title,
                                                                             proposal.id)
    with pytest.raises(BadCycle):  # once only
        cycles.enter_proposal(cycle, proposal, actor=place.official, cost_minor=80_000)


def test_reviewing_needs_a_public_reason_for_a_new_cost_or_a_rejection(budget_county, make_cycle):
    place, cycle = budget_county, make_cycle()
    project = cycles.submit_project(cycle, actor=place.east_resident, title="Lights", description="",
                                    cost_minor=500_000)
    with pytest.raises(WrongPhase):  # not while collecting
        cycles.review_project(project, actor=place.official, feasible=True, cost_minor=500_000)
    cycles.advance_phase(cycle, actor=place.official)
    with pytest.raises(ReasonNeeded):
        cycles.review_project(project, actor=place.official, feasible=True, cost_minor=600_000)
    with pytest.raises(ReasonNeeded):
        cycles.review_project(project, actor=place.official, feasible=False, cost_minor=500_000)
    cycles.review_project(project, actor=place.official, feasible=True, cost_minor=600_000,
                          reason="Poles cost more than the estimate.")
    db.session.commit()
    assert (project.status, project.cost_minor, project.review_reason) == (
        ProjectStatus.FEASIBLE, 600_000, "Poles cost more than the estimate.")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "budget.review"))
    assert (entry.actor_id, entry.before["cost_minor"], entry.after["cost_minor"]) == (place.official.id,
                                                                                       500_000, 600_000)


def test_phases_move_in_order_to_counting_each_in_the_audit_log(budget_county, make_cycle):
    place, cycle = budget_county, make_cycle()
    seen = [cycles.advance_phase(cycle, actor=place.official).phase for _ in range(3)]
    assert seen == ["reviewing", "voting", "counting"]
    with pytest.raises(WrongPhase):  # the count, not an official, finishes the cycle
        cycles.advance_phase(cycle, actor=place.official)
    db.session.commit()
    assert len(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "budget.phase")).all()) == 3
