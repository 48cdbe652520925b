"""Counting an election by a named rule, with the facts that explain each project's result.

The rules are those named in the `rule` line of pabulib files, as equalshares.net defines them:

- `equalshares`: the Method of Equal Shares (`budgeting.equal_shares`), each voter's share being the budget
  divided by the number of voters;
- `equalshares/add1`: the same with the Add1 completion: the share is rounded down to a whole unit of the
  currency and raised by one unit at a time as long as what the method buys still fits in the budget; it stops
  before the first raise that would overspend. (pabutools' `voter_budget_increment=1` also stops at the first exhaustive outcome and
  starts from the unrounded share; both give different winners in Wieliczka 2023, whose published result
  follows this definition.) Nothing is added greedily afterwards;
- `equalshares-comparison`, `equalshares/add1-comparison`: then the *comparison step*: if more voters prefer
  the greedy outcome (more of their chosen projects win) than prefer the Equal Shares outcome, greedy wins;
- `greedy`: most votes first, each project funded if it fits in what is left, skipped otherwise.

Ties are broken the same way every time: in Equal Shares the cheaper project first, then the one with more votes,
then the one listed first (equalshares.net's order, which would leave the last kind to a draw); in greedy counting
the one with more votes first, then the cheaper, then the one listed first. The result lists the ties Equal Shares
broke. A ballot that chose nothing is not counted (see `equal_shares.Prepared`)."""

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from fractions import Fraction

import numpy as np

from budgeting import equal_shares
from budgeting.election import Amount, Election
from budgeting.equal_shares import Prepared
from budgeting.errors import N_, UnknownRule

RULES = ("equalshares", "equalshares/add1", "equalshares-comparison", "equalshares/add1-comparison", "greedy")


class Outcome(StrEnum):
    """Why a project won or lost."""

    #: Equal Shares: its supporters paid for it, none more than `price_per_voter`, in purchase number `round`.
    BOUGHT = "bought"
    #: Equal Shares: after `round` purchases its supporters had `supporters_money` left together, less than its cost.
    SUPPORTERS_RAN_OUT = "supporters_ran_out"
    #: Equal Shares: even before anything was bought, its supporters' shares (`supporters_money`) were less than
    #: its cost.
    TOO_FEW_VOTES = "too_few_votes"
    #: Nobody voted for it.
    NO_VOTES = "no_votes"
    #: Greedy: funded when its turn (`round`, in the order of votes) came; `money_left` was there before it.
    FUNDED = "funded"
    #: Greedy: when its turn came only `money_left` was left, less than its cost.
    DID_NOT_FIT = "did_not_fit"


@dataclass(frozen=True)
class ProjectResult:
    id: str
    cost: Amount
    votes: int
    won: bool
    outcome: Outcome
    #: Equal Shares: purchase number (bought) or purchases made before its supporters ran short; greedy: its turn.
    round: int | None = None
    #: Equal Shares, bought: the most any supporter paid (those with less left paid all they had).
    price_per_voter: Fraction | None = None
    #: Equal Shares, bought: its cost divided by the price per voter.
    effective_votes: Fraction | None = None
    #: Equal Shares, lost: the money its supporters had left together when it fell out of reach.
    supporters_money: Fraction | None = None
    #: Greedy: the budget left when its turn came.
    money_left: Amount | None = None


@dataclass(frozen=True)
class Tie:
    #: The purchase at which projects were tied (same effective vote count).
    round: int
    projects: tuple[str, ...]
    chosen: str
    #: What decided it: "cost" (the cheapest), "votes" (most votes among the cheapest) or "order" (listed first).
    decided_by: str


@dataclass(frozen=True)
class Comparison:
    """The comparison step: voters who have more of their chosen projects among the winners of each outcome."""

    prefer_equal_shares: int
    prefer_greedy: int

    @property
    def greedy_chosen(self) -> bool:
        return self.prefer_greedy > self.prefer_equal_shares


@dataclass(frozen=True)
class Result:
    rule: str
    budget: Amount
    voters: int
    #: Every project of the election, in its order.
    projects: tuple[ProjectResult, ...]
    #: The winners, in the order they were chosen.
    winners: tuple[str, ...]
    spent: Amount
    #: Equal Shares: each voter's share in the run that decided (after completion), and the share it started from.
    endowment: Amount | None = None
    start_endowment: Amount | None = None
    #: Add1: how many times the share was raised.
    raises: int = 0
    comparison: Comparison | None = None
    ties: tuple[Tie, ...] = ()

    def project(self, project_id: str) -> ProjectResult:
        return next(p for p in self.projects if p.id == project_id)


def count(election: Election, rule: str = "equalshares/add1", *, increment: Amount = 1,
          on_step: Callable[[int, Amount, Amount], None] | None = None) -> Result:
    """Count the election by `rule` (one of RULES). Add1 raises each voter's share by `increment`: one unit of the
    currency, in the unit of the amounts (100 when they are in fen). `on_step(raises, share, spent)` follows it."""
    if rule not in RULES:
        raise UnknownRule(N_("The counting rule %(rule)s is not known."), rule=rule)
    prepared = Prepared(election)
    if rule == "greedy":
        return _greedy_result(prepared, rule)
    if rule.startswith("equalshares/add1"):
        completion = equal_shares.add1(prepared, increment=increment, on_step=on_step)
    else:
        completion = equal_shares.without_completion(prepared)
    result = _equal_shares_result(prepared, rule, completion)
    if rule.endswith("-comparison"):
        greedy = _greedy_result(prepared, rule)
        comparison = compare(prepared, [_index(prepared, p) for p in result.winners],
                             [_index(prepared, p) for p in greedy.winners])
        chosen = greedy if comparison.greedy_chosen else result
        result = replace(chosen, comparison=comparison, endowment=result.endowment,
                         start_endowment=result.start_endowment, raises=result.raises)
    return result


def _index(prepared: Prepared, project_id: str) -> int:
    return prepared.ids.index(project_id)


def compare(prepared: Prepared, equal_shares_winners, greedy_winners) -> Comparison:
    """How many voters have more of their chosen projects among each set of winners."""
    ours, theirs = set(equal_shares_winners), set(greedy_winners)
    mine = np.array([len(ours.intersection(kind)) for kind in prepared.kind_projects], dtype=np.int64)
    other = np.array([len(theirs.intersection(kind)) for kind in prepared.kind_projects], dtype=np.int64)
    counts = prepared.kind_counts
    return Comparison(int(counts[mine > other].sum()), int(counts[other > mine].sum()))


def greedy_order(prepared: Prepared) -> list[int]:
    """Most votes first, then the cheaper, then the one listed first."""
    return sorted(range(len(prepared.ids)), key=lambda c: (-prepared.votes[c], prepared.costs[c], c))


def _greedy_result(prepared: Prepared, rule: str) -> Result:
    left, winners, facts = prepared.budget, [], {}
    for turn, c in enumerate(greedy_order(prepared), 1):
        fits = prepared.costs[c] <= left
        facts[c] = dict(won=fits, outcome=Outcome.FUNDED if fits else Outcome.DID_NOT_FIT, round=turn,
                        money_left=left)
        if fits:
            winners.append(c)
            left -= prepared.costs[c]
    return _result(prepared, rule, winners, facts)


def _equal_shares_result(prepared: Prepared, rule: str, completion: equal_shares.Completion) -> Result:
    run, facts, ties = completion.run, {}, []
    for number, purchase in enumerate(run.purchases, 1):
        c = purchase.project
        facts[c] = dict(won=True, outcome=Outcome.BOUGHT, round=number, price_per_voter=purchase.price,
                        effective_votes=purchase.effective_votes)
        if purchase.tied:
            ties.append(_tie(prepared, number, purchase))
    for c in range(len(prepared.ids)):
        if c in facts:
            continue
        if prepared.votes[c] == 0:
            facts[c] = dict(won=False, outcome=Outcome.NO_VOTES)
        else:
            after = run.short_after[c]
            facts[c] = dict(won=False, outcome=Outcome.TOO_FEW_VOTES if after == 0 else Outcome.SUPPORTERS_RAN_OUT,
                            round=after, supporters_money=run.money_when_short[c])
    return _result(prepared, rule, run.projects, facts, endowment=run.endowment,
                   start_endowment=completion.start, raises=completion.raises, ties=tuple(ties))


def _tie(prepared: Prepared, number: int, purchase: equal_shares.Purchase) -> Tie:
    tied = purchase.tied
    cheapest = [c for c in tied if prepared.costs[c] == min(prepared.costs[t] for t in tied)]
    most = [c for c in cheapest if prepared.votes[c] == max(prepared.votes[t] for t in cheapest)]
    decided_by = "cost" if len(cheapest) == 1 else "votes" if len(most) == 1 else "order"
    return Tie(number, tuple(prepared.ids[c] for c in tied), prepared.ids[purchase.project], decided_by)


def _result(prepared: Prepared, rule: str, winners: list[int], facts: dict[int, dict], **extra) -> Result:
    projects = tuple(ProjectResult(prepared.ids[c], prepared.costs[c], prepared.votes[c], **facts[c])
                     for c in range(len(prepared.ids)))
    return Result(rule, prepared.budget, prepared.voters, projects, tuple(prepared.ids[c] for c in winners),
                  equal_shares.spent(prepared, winners), **extra)
