"""Casting a ballot: one per resident and part (the database's unique constraint), changed in place until
voting closes, within the cycle's limits. Web, kiosk and paper ballots all go through `cast_ballot`."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select

from accounts.regions import region_tree
from accounts.users import Role, User
from budgeting.cycle_errors import (
    CastOnPaper,
    ImportedCycle,
    NotOnBallot,
    NotVerified,
    OutsideArea,
    OverLimit,
    TooManyChoices,
    VotingClosed,
)
from budgeting.election import Election, Project
from budgeting.models import Ballot, BallotChoice, BudgetPart, BudgetProject, Channel, Phase, ProjectStatus
from core.db import db, insert_unless_present, utcnow


@dataclass(frozen=True)
class Tally:
    """What a set of ticked projects adds up to on one part's ballot."""
    chosen: frozenset[int]
    spent_minor: int
    left_minor: int
    count: int
    #: The most projects allowed, or None when the number is not limited.
    max_choices: int | None
    #: The first limit the choice breaks, as the error the ballot would be refused with (None when it fits).
    problem: Exception | None


def ballot_projects(part: BudgetPart) -> list[BudgetProject]:
    """The projects on a part's ballot (those reviewed feasible), cheapest first, then by id."""
    return list(db.session.scalars(select(BudgetProject).where(
        BudgetProject.part_id == part.id, BudgetProject.status == ProjectStatus.FEASIBLE)
        .order_by(BudgetProject.cost_minor, BudgetProject.id)))


def tally(part: BudgetPart, project_ids, projects: list[BudgetProject] | None = None) -> Tally:
    """Add up the ticked ``project_ids`` against the part's limits (unknown ids are a problem, not skipped)."""
    on_ballot = {p.id: p for p in (projects if projects is not None else ballot_projects(part))}
    chosen = frozenset(project_ids)
    spent = sum(on_ballot[i].cost_minor for i in chosen if i in on_ballot)
    cycle = part.cycle
    problem = None
    if chosen - set(on_ballot):
        problem = NotOnBallot()
    elif cycle.limits_money and spent > part.amount_minor:
        problem = OverLimit()
    elif cycle.limits_count and len(chosen) > cycle.max_choices:
        problem = TooManyChoices()
    return Tally(chosen, spent, part.amount_minor - spent, len(chosen), cycle.max_choices if cycle.limits_count
                 else None, problem)


def voting_open(cycle, at: datetime | None = None) -> bool:
    """Whether a ballot cast at ``at`` (now when None) counts: voting is open, or it was when the ballot was cast
    (a kiosk ballot that arrives after voting closed) and it arrives before counting begins
    (``BudgetCycle.late_ballots_until``)."""
    if cycle.phase == Phase.VOTING:
        return True
    return (at is not None and cycle.phase == Phase.COUNTING and cycle.voting_closed_at is not None
            and at < cycle.voting_closed_at and utcnow() < cycle.late_ballots_until)


def voting_problem(part: BudgetPart, voter: User | None, at: datetime | None = None) -> Exception | None:
    """Why ``voter`` may not vote in ``part`` now (or with a ballot cast at ``at``), or None when they may."""
    if part.cycle.imported:
        return ImportedCycle()
    if not voting_open(part.cycle, at):
        return VotingClosed()
    if voter is None or not voter.is_authenticated or voter.role != Role.RESIDENT or not voter.is_verified:
        return NotVerified()
    if not region_tree().contains(part.region_id, voter.region_id):
        return OutsideArea()
    return None


def cast_ballot(part: BudgetPart, *, actor: User, project_ids, channel: str = Channel.WEB, voter: User | None = None,
                at: datetime | None = None) -> Ballot:
    """Record the ballot of ``voter`` (``actor`` themselves on the web; the resident when an official enters a
    paper ballot or a kiosk delivers one) in ``part``, replacing their earlier one, or refuse it with the reason.
    ``at`` is when a kiosk ballot was cast, which may be before voting closed even if it arrives after."""
    voter = voter or actor
    problem = voting_problem(part, voter, at) or tally(part, project_ids).problem
    if problem is not None:
        raise problem
    now = min(at, utcnow()) if at is not None else utcnow()
    # The unique (part, voter) constraint decides, not a look first: two casts at the same moment (two tabs, or
    # later a kiosk and the web) make one ballot, and the row lock lets the second change it after the first.
    insert_unless_present(Ballot, part_id=part.id, voter_id=voter.id, channel=channel, created_at=now,
                          updated_at=now)
    ballot = db.session.scalar(select(Ballot).where(Ballot.part_id == part.id, Ballot.voter_id == voter.id)
                               .with_for_update().execution_options(populate_existing=True))
    if ballot.channel == Channel.PAPER and channel != Channel.PAPER:
        raise CastOnPaper()  # the village office entered it from paper: it is not changed behind their back
    ballot.channel, ballot.updated_at = channel, now
    # The choices are replaced with two statements, without loading the ones they replace.
    db.session.execute(delete(BallotChoice).where(BallotChoice.ballot_id == ballot.id))
    chosen = sorted(set(project_ids))
    if chosen:
        db.session.execute(insert(BallotChoice), [{"ballot_id": ballot.id, "project_id": i} for i in chosen])
    db.session.flush()
    db.session.expire(ballot, ["choices"])
    return ballot


def election_of(part: BudgetPart) -> Election:
    """The part's votes as the counting core reads them (budgeting.counting.count): projects in ballot order,
    the part's money, and each ballot's set of project ids; who cast which is left out."""
    projects = ballot_projects(part)
    chosen: dict[int, set[str]] = {}
    for ballot_id, project_id in db.session.execute(
            select(BallotChoice.ballot_id, BallotChoice.project_id).join(Ballot)
            .where(Ballot.part_id == part.id).order_by(BallotChoice.ballot_id)):
        chosen.setdefault(ballot_id, set()).add(str(project_id))
    empty = db.session.scalars(select(Ballot.id).where(Ballot.part_id == part.id,
                                                       ~Ballot.choices.any())).all()
    ballots = list(chosen.values()) + [set() for _ in empty]
    return Election([Project(str(p.id), p.cost_minor) for p in projects], part.amount_minor, ballots)
