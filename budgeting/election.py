"""An election to count: projects with costs, the budget, and approval ballots (the set of projects each voter
chose). Amounts are exact: whole units (int) or fractions, never floats, so that counting can be exact."""

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from numbers import Rational

from budgeting.errors import N_, InvalidElection

Amount = int | Fraction


def exact_amount(value) -> Amount:
    """An int or a Fraction for an amount given as int, Fraction, Decimal or a decimal string; ValueError if not."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, str):
        value = Decimal(value.strip())
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(value)
        value = Fraction(value)
    if not isinstance(value, Rational):
        raise ValueError(value)
    value = Fraction(value)
    return int(value) if value.denominator == 1 else value


@dataclass(frozen=True)
class Project:
    #: The project's identifier, unique in its election (a pabulib `project_id`, a Minyi project's id as text).
    id: str
    #: What it costs, in the same unit as the budget.
    cost: Amount


@dataclass(frozen=True)
class Election:
    """Projects in a stated order (the last tie-break), the budget, and one set of project ids per ballot."""

    projects: tuple[Project, ...]
    budget: Amount
    ballots: tuple[frozenset[str], ...]

    def __init__(self, projects, budget, ballots):
        projects = tuple(projects)
        seen = set()
        for project in projects:
            if not isinstance(project.id, str) or not project.id:
                raise InvalidElection(N_("Every project needs an identifier."))
            if project.id in seen:
                raise InvalidElection(N_("Project %(project)s appears twice."), project=project.id)
            seen.add(project.id)
        checked = []
        for project in projects:
            try:
                cost = exact_amount(project.cost)
            except (ValueError, ArithmeticError):
                raise InvalidElection(N_("The cost of project %(project)s is not an exact amount."),
                                      project=project.id) from None
            if cost <= 0:
                raise InvalidElection(N_("The cost of project %(project)s must be more than zero."),
                                      project=project.id)
            checked.append(Project(project.id, cost))
        try:
            budget = exact_amount(budget)
        except (ValueError, ArithmeticError):
            raise InvalidElection(N_("The budget is not an exact amount.")) from None
        if budget < 0:
            raise InvalidElection(N_("The budget cannot be negative."))
        ballots = tuple(frozenset(ballot) for ballot in ballots)
        for number, ballot in enumerate(ballots, 1):
            unknown = ballot - seen
            if unknown:
                raise InvalidElection(N_("Ballot %(ballot)d chooses %(project)s, which is not a project of this "
                                         "election."), ballot=number, project=sorted(unknown)[0])
        object.__setattr__(self, "projects", tuple(checked))
        object.__setattr__(self, "budget", budget)
        object.__setattr__(self, "ballots", ballots)

    def votes(self) -> dict[str, int]:
        """How many ballots chose each project, in the order of the projects."""
        counts = dict.fromkeys((p.id for p in self.projects), 0)
        for ballot in self.ballots:
            for project_id in ballot:
                counts[project_id] += 1
        return counts
