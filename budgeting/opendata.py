"""Open data: a finished cycle's votes, per part, as a pabulib `.pb` file (so anyone can recount them with their
own tools) and as rows for CSV and JSON. Nothing is published before the cycle is finished.

Voters are anonymous: `election_of` leaves out who cast which ballot, and `pabulib.write_pb` numbers the ballots
from 1 in the order of what they chose, so a number says nothing about an account or the moment of voting."""

from dataclasses import dataclass
from datetime import timedelta
from fractions import Fraction

from sqlalchemy import select

from budgeting.ballots import election_of
from budgeting.counting import count
from budgeting.cycle_errors import NotPublished
from budgeting.election import Election, Project
from budgeting.models import BudgetCycle, BudgetPart, BudgetResult, Phase
from budgeting.pabulib import write_pb
from budgeting.queries import projects_of
from core.db import db

#: What a cycle run here says of its place in a .pb file's META.
COUNTRY = "China"
#: META keys the writer fills in from the votes themselves (an imported file's own values are not kept for these).
COMPUTED = ("num_projects", "num_votes", "budget", "vote_type")


def check_published(cycle: BudgetCycle) -> None:
    """Refuse to publish a cycle that is not finished (its votes are not final, nor all public)."""
    if cycle.phase != Phase.FINISHED:
        raise NotPublished()


def published_rule(cycle: BudgetCycle) -> str:
    """The rule a publication names: an imported file's own (any pabulib rule the counting core knows), else the
    cycle's."""
    return (cycle.source_meta or {}).get("rule") or cycle.rule


def selected(part: BudgetPart, election: Election | None = None) -> set[int]:
    """The projects of ``part`` its publication's rule selects (``election``: its votes, when already read): the
    stored count (budgeting.results) when it was counted by that rule, else counted here. Everything published
    reads winners here alone."""
    rule = published_rule(part.cycle)
    stored = db.session.scalar(select(BudgetResult).where(BudgetResult.part_id == part.id))
    if stored is not None and stored.rule == rule:
        return {int(project_id) for project_id in stored.outcome["winners"]}
    # Amounts are in minor units: Add1 raises each voter's share one unit of the currency (100) at a time.
    result = count(election if election is not None else election_of(part), rule, increment=100)
    return {int(project_id) for project_id in result.winners}


@dataclass(frozen=True)
class PublishedProject:
    id: int
    #: Its id in the .pb file: the published file's own for an imported cycle, Minyi's otherwise.
    file_id: str
    title: str
    cost_minor: int
    votes: int
    selected: bool
    status: str
    review_reason: str | None


@dataclass(frozen=True)
class PublishedPart:
    part: BudgetPart
    election: Election
    projects: list[PublishedProject]

    @property
    def num_votes(self) -> int:
        return sum(1 for ballot in self.election.ballots if ballot)


def published_part(part: BudgetPart) -> PublishedPart:
    """``part``'s projects with their votes and whether they were selected (every project, rejected ones too,
    with the public reason; only those on the ballot have votes)."""
    check_published(part.cycle)
    election = election_of(part)
    votes, winners = election.votes(), selected(part, election)
    projects = [PublishedProject(p.id, p.source_id or str(p.id), p.title, p.cost_minor, votes.get(str(p.id), 0),
                                 p.id in winners, p.status, p.review_reason) for p in projects_of(part)]
    return PublishedPart(part, election, projects)


def pb_file(part: BudgetPart) -> str:
    """``part``'s votes as a `.pb` file: amounts in whole units of the currency, voters numbered anonymously."""
    published = published_part(part)
    cycle, election = part.cycle, published.election
    file_id = {str(p.id): p.file_id for p in published.projects}
    renamed = Election([Project(file_id[p.id], Fraction(p.cost, 100)) for p in election.projects],
                       Fraction(election.budget, 100),
                       [frozenset(file_id[i] for i in ballot) for ballot in election.ballots])
    on_ballot = set(file_id[p.id] for p in election.projects)
    names = {p.file_id: p.title for p in published.projects if p.file_id in on_ballot}
    chosen = {p.file_id for p in published.projects if p.selected}
    return write_pb(renamed, _meta(cycle, part), names=names, selected=chosen)


def _meta(cycle: BudgetCycle, part: BudgetPart) -> dict[str, str]:
    if cycle.imported:
        meta = {key: value for key, value in cycle.source_meta.items() if key not in COMPUTED}
        return meta | {"rule": published_rule(cycle)}
    meta = {"description": f"{cycle.title} ({_name(part.region)})", "country": COUNTRY, "unit": _name(cycle.region),
            "instance": str(cycle.voting_until.year), "rule": cycle.rule,
            "date_begin": _date(cycle.reviewing_until + timedelta(days=1)), "date_end": _date(cycle.voting_until),
            "currency": cycle.currency, "language": "zh"}
    if part.region_id != cycle.region_id:
        meta["subunit"] = _name(part.region)
    if cycle.limits_count:
        meta["max_length"] = str(cycle.max_choices)
    if cycle.limits_money:
        meta["max_sum_cost"] = str(Fraction(part.amount_minor, 100)) if part.amount_minor % 100 == 0 else (
            f"{part.amount_minor / 100:.2f}")
    return meta


def _name(region) -> str:
    return region.name_en or region.name_zh


def _date(day) -> str:
    return day.strftime("%d.%m.%Y")
