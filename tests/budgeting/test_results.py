"""Counting a cycle: closing voting queues the count, the worker (or `minyi tick`) counts each part by the cycle's
rule and greedily beside it, keeps the results and finishes the cycle; a recount gives the same results; a count
that fails is kept on the cycle for officials."""

import pytest
from sqlalchemy import select

from budgeting import cycles, results
from budgeting.cycle_errors import NotManager, WrongPhase
from budgeting.models import BudgetResult
from core import jobs
from core.audit import AuditEntry
from core.db import db


def _queued():
    return [(j.name, j.key) for j in db.session.scalars(select(jobs.Job).where(jobs.Job.state == "queued"))]


def _results(cycle):
    return {r.part_id: (r.rule, r.outcome, r.greedy) for r in db.session.scalars(
        select(BudgetResult).where(BudgetResult.part_id.in_([p.id for p in cycle.parts])))}


def test_closing_voting_queues_the_count_and_the_worker_counts_and_finishes(app, budget_county, split_vote):
    from server.worker.tasks import work

    cycle, part, (big_a, big_b, small_c, small_d) = split_vote()
    cycles.advance_phase(cycle, actor=budget_county.official)
    db.session.rollback()
    assert _queued() == []  # not saved: not queued
    cycles.advance_phase(cycle, actor=budget_county.official)
    db.session.commit()
    assert _queued() == [("count_budget", str(cycle.id))]
    work(app, burst=True)
    db.session.expire_all()
    assert cycle.phase == "finished" and cycle.count_error is None
    stored = _results(cycle)
    assert len(stored) == len(cycle.parts) == 3
    rule, outcome, greedy = stored[part.id]
    assert rule == "equalshares/add1"
    assert outcome["winners"] == [str(big_a.id), str(small_d.id), str(small_c.id)]
    assert greedy["winners"] == [str(big_a.id), str(big_b.id)]
    assert outcome["projects"][str(big_b.id)]["outcome"] == "supporters_ran_out"
    finished = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "budget.counted"))
    assert finished.after == {"phase": "finished"}


def test_minyi_tick_counts_a_cycle_whose_voting_closed(app, budget_county, split_vote):
    from server.commands.serving import tick_command

    cycle, _part, _projects = split_vote(rule="greedy")
    cycles.advance_phase(cycle, actor=budget_county.official)
    db.session.commit()
    ran = app.test_cli_runner().invoke(tick_command)
    assert ran.exit_code == 0, ran.output
    assert f"budget cycle {cycle.id}: 3 part(s) counted" in ran.output
    db.session.expire_all()
    assert cycle.phase == "finished"
    assert {rule for rule, _o, _g in _results(cycle).values()} == {"greedy"}


def test_a_recount_gives_the_same_results(app, budget_county, split_vote):
    cycle, _part, _projects = split_vote()
    cycles.advance_phase(cycle, actor=budget_county.official)
    db.session.commit()
    results.count_cycle(cycle.id)
    first = _results(cycle)
    with pytest.raises(NotManager):
        results.recount(cycle, actor=budget_county.east_resident)
    results.recount(cycle, actor=budget_county.official)
    db.session.commit()
    assert cycle.phase == "counting" and _results(cycle) == {}
    assert ("count_budget", str(cycle.id)) in _queued()
    results.count_cycle(cycle.id)
    assert _results(cycle) == first
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "budget.recount")).actor_id == \
        budget_county.official.id


def test_a_cycle_still_voting_cannot_be_recounted(budget_county, make_cycle):
    with pytest.raises(WrongPhase):
        results.recount(make_cycle("voting"), actor=budget_county.official)


def test_a_failing_count_is_kept_for_officials_and_the_job_fails(app, budget_county, split_vote, monkeypatch):
    cycle, _part, _projects = split_vote()
    cycles.advance_phase(cycle, actor=budget_county.official)
    db.session.commit()

    def broken(part):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(results, "count_part", broken)
    with pytest.raises(RuntimeError):
        results.count_cycle(cycle.id)
    db.session.expire_all()
    assert cycle.phase == "counting"
    assert cycle.count_error == "RuntimeError: the database went away"
    monkeypatch.undo()
    results.count_cycle(cycle.id)
    db.session.expire_all()
    assert cycle.phase == "finished" and cycle.count_error is None


def test_a_cycle_opened_with_an_unknown_rule_is_refused(budget_county, make_cycle):
    from budgeting.cycle_errors import BadCycle

    with pytest.raises(BadCycle):
        make_cycle(rule="random")


def test_counting_waits_a_day_for_ballots_kiosks_took_before_voting_closed(app, budget_county, split_vote,
                                                                           monkeypatch, client):
    """A village kiosk may be offline when voting closes: its ballots cast before the close still count, so the
    count waits MINYI_LATE_BALLOT_HOURS (a day by default), says so on the cycle's page, then runs."""
    from datetime import timedelta

    from server.commands.serving import tick_command

    monkeypatch.setitem(app.config, "MINYI_LATE_BALLOT_HOURS", 24)
    cycle, _part, _projects = split_vote()
    cycles.advance_phase(cycle, actor=budget_county.official)
    db.session.commit()
    assert results.count_cycle(cycle.id).startswith(f"budget cycle {cycle.id}: waiting for kiosk ballots until")
    assert results.counting_cycles() == []  # the sweep leaves it until then
    db.session.expire_all()
    assert cycle.phase == "counting" and _results(cycle) == {}
    page = client.get(f"/budgets/{cycle.id}").get_data(as_text=True)
    assert "Counting begins on" in page and "ballots cast at village kiosks before voting closed" in page
    cycle.voting_closed_at -= timedelta(hours=24, seconds=1)  # a day later
    db.session.commit()
    assert results.counting_cycles() == [cycle.id]
    ran = app.test_cli_runner().invoke(tick_command)
    assert f"budget cycle {cycle.id}: 3 part(s) counted" in ran.output, ran.output
    db.session.expire_all()
    assert cycle.phase == "finished" and len(_results(cycle)) == 3
