"""The fast engine gives the same winners as pabutools (the reference implementation of PB rules) and as the plain
definition from equalshares.net written out below, on many small generated elections full of ties. Ballots that
chose nothing are left out of both, as they are of pabulib's files and of our counting."""

import random
from fractions import Fraction

import pytest
from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance
from pabutools.election import Project as PabutoolsProject
from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares
from pabutools.tiebreaking import TieBreakingRule

from budgeting import equal_shares
from budgeting.counting import count
from budgeting.election import Election, Project

ELECTIONS = 120


def generated(seed: int) -> Election:
    """Up to 9 projects and 30 voters, costs from a short list (so ties are common), every project chosen at least
    once, and a budget that does not pay for everything."""
    rng = random.Random(seed)
    projects, voters = rng.randint(2, 9), rng.randint(1, 30)
    costs = [rng.choice([10, 20, 30, 40, 60, 100]) for _ in range(projects)]
    ballots = [{f"p{j}" for j in range(projects) if rng.random() < rng.choice([0.2, 0.4, 0.6])} for _ in range(voters)]
    for j in range(projects):
        ballots[rng.randrange(voters)].add(f"p{j}")
    budget = rng.randint(max(costs), sum(costs) - 1) if len(set(costs)) > 1 or projects > 1 else costs[0]
    return Election([Project(f"p{j}", cost) for j, cost in enumerate(costs)], budget, ballots)


def as_pabutools(election: Election):
    projects = {p.id: PabutoolsProject(p.id, p.cost) for p in election.projects}
    instance = Instance(projects.values(), budget_limit=election.budget)
    profile = ApprovalProfile([ApprovalBallot(projects[i] for i in ballot) for ballot in election.ballots if ballot],
                              instance=instance)
    position = {p.id: i for i, p in enumerate(election.projects)}
    # The same tie-breaks as ours: for Equal Shares cheaper, then more votes, then listed first; for greedy
    # (which pabutools orders by votes already) cheaper, then listed first.
    mes_ties = TieBreakingRule(lambda _, prof, p: (p.cost, -prof.approval_score(p), position[p.name]))
    greedy_ties = TieBreakingRule(lambda _, prof, p: (p.cost, position[p.name]))
    return instance, profile, mes_ties, greedy_ties


@pytest.mark.parametrize("seed", range(ELECTIONS))
def test_equal_shares_and_greedy_agree_with_pabutools(seed):
    election = generated(seed)
    instance, profile, mes_ties, greedy_ties = as_pabutools(election)
    plain = method_of_equal_shares(instance, profile, sat_class=Cost_Sat, tie_breaking=mes_ties)
    assert set(count(election, "equalshares").winners) == {p.name for p in plain}
    greedy = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat, tie_breaking=greedy_ties)
    assert set(count(election, "greedy").winners) == {p.name for p in greedy}
    # pabutools' Add1 starts from the unrounded share and also stops at the first exhaustive outcome.
    add1 = method_of_equal_shares(instance, profile, sat_class=Cost_Sat, tie_breaking=mes_ties,
                                  voter_budget_increment=1)
    ours = equal_shares.add1(equal_shares.Prepared(election), integral_start=False, stop_when_exhaustive=True)
    assert {election.projects[c].id for c in ours.run.projects} == {p.name for p in add1}


def plain_equal_shares(election: Election, share) -> list[str]:
    """The definition, voter by voter, every project every round, in exact fractions."""
    ballots = [ballot for ballot in election.ballots if ballot]
    money = [Fraction(share)] * len(ballots)
    supporters = {p.id: [i for i, ballot in enumerate(ballots) if p.id in ballot] for p in election.projects}
    position = {p.id: i for i, p in enumerate(election.projects)}
    left = [p for p in election.projects if supporters[p.id]]
    bought = []
    while True:
        best = None
        for project in left:
            voters = sorted(supporters[project.id], key=lambda i: money[i])
            if sum(money[i] for i in voters) < project.cost:
                continue
            paid, price = Fraction(0), None
            for k, i in enumerate(voters):
                price = (project.cost - paid) / (len(voters) - k)
                if price <= money[i]:
                    break
                paid += money[i]
            key = (project.cost / price, -project.cost, len(voters), -position[project.id])
            if best is None or key > best[0]:
                best = (key, project, price)
        if best is None:
            return bought
        _, project, price = best
        bought.append(project.id)
        left.remove(project)
        for i in supporters[project.id]:
            money[i] = money[i] - price if money[i] > price else Fraction(0)


def plain_add1(election: Election) -> list[str]:
    """equalshares.net's Add1: from the share rounded down, one more unit per voter while the outcome still fits."""
    cost = {p.id: p.cost for p in election.projects}
    share = int(Fraction(election.budget) / sum(1 for ballot in election.ballots if ballot))
    outcome = plain_equal_shares(election, share)
    while True:
        following = plain_equal_shares(election, share + 1)
        if sum(cost[p] for p in following) > election.budget:
            return outcome
        share, outcome = share + 1, following


@pytest.mark.parametrize("seed", range(ELECTIONS))
def test_the_completion_agrees_with_its_definition(seed):
    election = generated(seed)
    voters = sum(1 for ballot in election.ballots if ballot)
    assert list(count(election, "equalshares").winners) == plain_equal_shares(election,
                                                                              Fraction(election.budget) / voters)
    assert list(count(election, "equalshares/add1").winners) == plain_add1(election)


@pytest.mark.parametrize("seed", range(0, ELECTIONS, 6))
def test_python_fractions_count_the_same_as_gmpy2(seed, monkeypatch):
    """The engine's exact numbers are gmpy2's where it is installed (the server), else Python's own fractions."""
    election = generated(seed)
    results = {rule: count(election, rule) for rule in ("equalshares", "equalshares/add1")}
    monkeypatch.setattr(equal_shares, "Exact", Fraction)
    assert {rule: count(election, rule) for rule in results} == results
