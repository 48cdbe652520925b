"""The Method of Equal Shares for approval ballots with cost utilities (equalshares.net), exact and fast.

One run (`run`) gives every voter the same share of money (the endowment) and repeatedly buys the project whose
cost its supporters can split most equally: the one with the lowest price per supporter, that is the highest
*effective vote count* (its cost divided by that price). Supporters who have less than the price pay all they have
left; the others pay the price. A project whose supporters together have less money left than its cost drops out.
A tie in the effective vote count goes to the cheaper project, then to the one with more votes, then to the one
listed first in the election (equalshares.net breaks the last kind of tie by lot; listing order makes a count
repeatable).

It is exact: every amount of money that decides something is a rational number (gmpy2's when it is installed, as on
the server: the same numbers as fractions.Fraction, several times faster; else Fraction itself). It is fast because
- identical ballots are counted once, with their number;
- voters with exactly the same money left share one *purse*, and a project's supporters are handled purse by purse
  (a few hundred amounts instead of tens of thousands of voters);
- floats decide where the margin is clear, and exact fractions where it is not (a near tie, a project barely
  affordable); the payments themselves are always exact;
- a project's effective vote count can only fall, so each round looks at projects in the order of their last known
  counts and stops as soon as none of the rest can beat the best one found (the trick equalshares.net describes)."""

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from budgeting.election import Amount, Election, exact_amount

try:
    from gmpy2 import mpq as Exact
except ImportError:  # the counts are the same, only slower
    Exact = Fraction

#: Relative margin under which a float comparison is not trusted and the exact one decides. Float errors stay far
#: below it: what the supporters with money still split of a cost is at least 1/N of it (N its votes), so even
#: after sums of thousands of purses a price is off by less than 1e-8 of itself.
TOLERANCE = 1e-6


class Prepared:
    """An election as arrays: each kind of ballot once with its number, and for each project the kinds that chose
    it. Projects are numbered in the election's order. A ballot that chose nothing is left out: it is not in
    pabulib's files either, and with Equal Shares it would only hold back a share nobody can spend."""

    def __init__(self, election: Election):
        self.ids = [p.id for p in election.projects]
        self.costs: list[Amount] = [p.cost for p in election.projects]
        self.exact_costs = [Exact(cost) for cost in self.costs]
        self.costs_f = np.array([float(c) for c in self.costs])
        self.budget = election.budget
        kinds: dict[frozenset[str], int] = {}
        for ballot in election.ballots:
            if ballot:
                kinds[ballot] = kinds.get(ballot, 0) + 1
        self.voters = sum(kinds.values())
        position = {project_id: i for i, project_id in enumerate(self.ids)}
        chosen_by: list[list[int]] = [[] for _ in self.ids]
        for kind, ballot in enumerate(kinds):
            for project_id in ballot:
                chosen_by[position[project_id]].append(kind)
        self.kind_counts = np.fromiter(kinds.values(), dtype=np.int64, count=len(kinds))
        self.kind_projects = [sorted(position[p] for p in ballot) for ballot in kinds]
        self.supporters = [np.array(kinds_of, dtype=np.int64) for kinds_of in chosen_by]
        self.weights = [self.kind_counts[s].astype(np.float64) for s in self.supporters]
        self.votes = [int(self.kind_counts[s].sum()) for s in self.supporters]

    def tie_key(self, project: int):
        """Lower cost first, then more votes, then the order of the election."""
        return (self.costs[project], -self.votes[project], project)


@dataclass
class Purchase:
    #: The project bought (its number in the election).
    project: int
    #: The most any supporter paid: those with less paid all they had left.
    price: Fraction
    #: Its cost divided by the price.
    effective_votes: Fraction
    #: The projects it was tied with (itself included), when a tie had to be broken; empty otherwise.
    tied: tuple[int, ...] = ()


@dataclass
class Run:
    """One run of the method with a fixed endowment per voter."""

    endowment: Amount
    purchases: list[Purchase]
    #: With `explain`: for each project with votes that was not bought, after how many purchases its supporters'
    #: money left together was less than its cost (0: from the start) ...
    short_after: dict[int, int] = field(default_factory=dict)
    #: ... and how much they had together then.
    money_when_short: dict[int, Fraction] = field(default_factory=dict)

    @property
    def projects(self) -> list[int]:
        return [p.project for p in self.purchases]


class _Purses:
    """The money voters have left, one exact amount per purse, and which purse each kind of ballot uses."""

    def __init__(self, kinds: int, endowment: Amount):
        endowment = Exact(endowment)
        self.amounts: list = [endowment]
        self.floats = np.zeros(64)
        self.floats[0] = float(endowment)
        # Found by float first: hashing a fraction with a long denominator is slow, comparing two is quick.
        self.index: dict[float, list[int]] = {self.floats[0]: [0]}
        self.of_kind = np.zeros(kinds, dtype=np.int64)

    def purse(self, amount) -> int:
        close = float(amount)
        same = self.index.setdefault(close, [])
        for found in same:
            if self.amounts[found] == amount:
                return found
        found = len(self.amounts)
        same.append(found)
        self.amounts.append(amount)
        if found == len(self.floats):
            self.floats = np.concatenate([self.floats, np.zeros(len(self.floats))])
        self.floats[found] = close
        return found


class _Count:
    """The state of one run: purses, and the projects still in the race with their last effective vote count."""

    def __init__(self, prepared: Prepared, endowment: Amount):
        self.p = prepared
        self.purses = _Purses(len(prepared.kind_counts), endowment)

    def _counts(self, project: int) -> tuple[np.ndarray, np.ndarray]:
        """The purses of the project's supporters and how many supporters use each."""
        kinds = self.purses.of_kind[self.p.supporters[project]]
        counts = np.bincount(kinds, weights=self.p.weights[project], minlength=len(self.purses.amounts))
        used = np.flatnonzero(counts)
        return used, counts[used]

    def money(self, project: int) -> float:
        used, counts = self._counts(project)
        return float(counts @ self.purses.floats[used])

    def exact_money(self, project: int):
        used, counts = self._counts(project)
        return sum((self.purses.amounts[u] * int(c) for u, c in zip(used, counts, strict=True)), Exact(0))

    def float_effective_votes(self, project: int) -> float | None:
        """The project's effective vote count in floats, or None when its supporters cannot afford it (decided
        exactly when close)."""
        used, counts = self._counts(project)
        amounts = self.purses.floats[used]
        cost = self.p.costs_f[project]
        money = float(counts @ amounts)
        if money < cost * (1 - TOLERANCE):
            return None
        if money < cost * (1 + TOLERANCE) and self.exact_money(project) < self.p.exact_costs[project]:
            return None
        order = np.argsort(amounts, kind="stable")
        amounts, counts = amounts[order], counts[order]
        paid = np.cumsum(counts * amounts) - counts * amounts
        left = self.p.votes[project] - (np.cumsum(counts) - counts)
        prices = (cost - paid) / left
        enough = prices <= amounts
        last = int(np.argmax(enough)) if enough.any() else len(prices) - 1
        return cost / prices[last]

    def exact_price(self, project: int):
        """The most a supporter pays when the project's cost is split as equally as their money allows."""
        used, counts = self._counts(project)
        floats, amounts = self.purses.floats, self.purses.amounts
        # In order of money left: by float first (quick), exactly where two floats are equal.
        purses = sorted((floats[u], amounts[u], int(c)) for u, c in zip(used, counts, strict=True))
        remaining, left = self.p.exact_costs[project], self.p.votes[project]
        for _, amount, count in purses:
            price = remaining / left
            if price <= amount:
                return price
            remaining -= amount * count
            left -= count
        return None

    def pay(self, project: int, price) -> None:
        supporters = self.p.supporters[project]
        kinds = self.purses.of_kind[supporters]
        before = len(self.purses.amounts)
        moved, zero = np.arange(before, dtype=np.int64), Exact(0)
        for purse in np.flatnonzero(np.bincount(kinds, minlength=before)):
            amount = self.purses.amounts[purse]
            moved[purse] = self.purses.purse(amount - price if amount > price else zero)
        self.purses.of_kind[supporters] = moved[kinds]


def run(prepared: Prepared, endowment: Amount, *, explain: bool = False) -> Run:
    """Run the method once, every voter starting with `endowment`."""
    count = _Count(prepared, endowment)
    p = prepared
    remaining = {c: float(p.votes[c]) for c in range(len(p.ids)) if p.votes[c] > 0}
    result = Run(endowment, [])
    if explain:
        _note_shortfalls(count, result, set(remaining))
    while True:
        best, found = 0.0, []
        for project in sorted(remaining, key=remaining.__getitem__, reverse=True):
            if remaining[project] < best * (1 - TOLERANCE):
                break  # its count can only have fallen since: it cannot beat the best
            effective = count.float_effective_votes(project)
            if effective is None:
                del remaining[project]
                continue
            remaining[project] = effective
            found.append((effective, project))
            best = max(best, effective)
        if not found:
            return result
        close = [project for effective, project in found if effective >= best * (1 - TOLERANCE)]
        prices = {project: count.exact_price(project) for project in close}
        for project in [project for project, price in prices.items() if price is None]:
            del remaining[project], prices[project]  # out of reach after all: the floats were too close to tell
        if not prices:
            continue
        exact = {project: p.exact_costs[project] / price for project, price in prices.items()}
        top = max(exact.values())
        tied = [project for project in prices if exact[project] == top]
        chosen = min(tied, key=p.tie_key)
        tie = tuple(sorted(tied)) if len(tied) > 1 else ()
        result.purchases.append(Purchase(chosen, _fraction(prices[chosen]), _fraction(exact[chosen]), tie))
        del remaining[chosen]
        count.pay(chosen, prices[chosen])
        if explain:
            _note_shortfalls(count, result, set(remaining))


def _note_shortfalls(count: _Count, result: Run, projects: set[int]) -> None:
    """Record the projects whose supporters now have less money left than their cost."""
    bought = set(result.projects)
    for project in sorted(projects - bought - result.short_after.keys()):
        money = count.money(project)
        cost = count.p.costs_f[project]
        if money >= cost * (1 + TOLERANCE):
            continue
        exact = count.exact_money(project)
        if exact < count.p.exact_costs[project]:
            result.short_after[project] = len(result.purchases)
            result.money_when_short[project] = _fraction(exact)


def _fraction(number) -> Fraction:
    return Fraction(int(number.numerator), int(number.denominator))


def spent(prepared: Prepared, projects) -> Amount:
    return sum((prepared.costs[c] for c in projects), 0)


def is_exhaustive(prepared: Prepared, projects) -> bool:
    """No other project with a vote fits in what is left of the budget (as pabutools counts it)."""
    chosen = set(projects)
    left = prepared.budget - spent(prepared, chosen)
    return all(cost > left for c, cost in enumerate(prepared.costs) if c not in chosen and prepared.votes[c])


@dataclass
class Completion:
    """How a completion ran: the run with the share it settled on, how many times it raised the share, and the
    share it started from."""

    run: Run
    raises: int
    start: Amount


def without_completion(prepared: Prepared) -> Completion:
    """Equal Shares as it is: each voter's share is the budget divided by the number of voters."""
    share = exact_amount(Fraction(prepared.budget) / prepared.voters) if prepared.voters else 0
    return Completion(run(prepared, share, explain=True), 0, share)


def add1(prepared: Prepared, *, increment: Amount = 1, integral_start: bool = True,
         stop_when_exhaustive: bool = False, on_step: Callable[[int, Amount, Amount], None] | None = None
         ) -> Completion:
    """Equal Shares with Add1 completion, as equalshares.net defines it: start from each voter's share of the
    budget rounded down to a whole `increment` (one unit of the currency, in the unit of the amounts: 1 when they
    are in yuan, 100 when in fen), raise it by `increment` as long as the projects bought still fit in the budget,
    and keep the last share before the first raise that would overspend.

    pabutools' variant (`voter_budget_increment`) differs in two ways, available here to compare with it: it starts
    from the unrounded share (`integral_start=False`) and also stops at the first outcome that no further project
    with a vote fits into (`stop_when_exhaustive=True`). `on_step(raises, share, spent)` follows the progress."""
    budget = prepared.budget
    candidates = {c for c in range(len(prepared.ids)) if prepared.votes[c] > 0}
    if spent(prepared, range(len(prepared.ids))) <= budget or not candidates:
        # Everything is affordable: equalshares.net then counts once with the real budget, and so does this.
        return without_completion(prepared)
    share = Fraction(budget) / prepared.voters
    start = exact_amount(math.floor(share / increment) * increment if integral_start else share)
    endowment, current, raises = start, run(prepared, start), 0
    while True:
        if on_step:
            on_step(raises, endowment, spent(prepared, current.projects))
        if stop_when_exhaustive and is_exhaustive(prepared, current.projects):
            break
        if set(current.projects) >= candidates:
            break  # every project with a vote is bought: a larger share cannot change that, nor overspend
        following = run(prepared, endowment + increment)
        if spent(prepared, following.projects) > budget:
            break
        endowment, current, raises = endowment + increment, following, raises + 1
    return Completion(run(prepared, endowment, explain=True), raises, start)
