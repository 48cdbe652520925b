"""Loading a published `.pb` election (pabulib.org) as a read-only, finished cycle of a region: its projects and
its anonymous ballots are stored like a cycle run here, so the same pages, API and counting show it, and a county
can see what each rule would choose on real past votes.

The file is read and checked whole before anything is written (`budgeting.pabulib`), then written in bulk (a city's
tens of thousands of ballots in a few statements); a refusal leaves nothing behind."""

from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import insert

from accounts.regions import Region
from accounts.users import Role, User
from budgeting.counting import RULES
from budgeting.cycle_errors import BadPabulibFile, CannotImport
from budgeting.errors import N_, CountingError, PabulibError
from budgeting.models import (
    Ballot,
    BallotChoice,
    BallotStyle,
    BudgetCycle,
    BudgetPart,
    BudgetProject,
    Channel,
    Phase,
    ProjectStatus,
    Rule,
)
from budgeting.pabulib import read_pb
from budgeting.results import count_part
from core.audit import AuditEntry
from core.db import db, utcnow

#: Rows written per statement: bounded memory and statement size, few round trips.
BATCH = 5_000


def import_pb(data: bytes, *, region: Region, actor: User) -> BudgetCycle:
    """Store the `.pb` file ``data`` as a finished, read-only cycle of ``region`` (admins only)."""
    if actor is None or not actor.is_authenticated or actor.role != Role.ADMIN:
        raise CannotImport()
    try:
        pb = read_pb(data)
        election = pb.election()
        if pb.rule not in RULES:
            raise PabulibError(N_("The file's rule %(rule)s is not one Minyi counts (%(known)s)."),
                               rule=pb.rule or "?", known=", ".join(RULES))
        budget = _minor(election.budget, N_("The budget in META has more than two decimals."))
        costs = {p.id: _minor(p.cost, N_("The cost of project %(project)s has more than two decimals."),
                              project=p.id) for p in election.projects}
        begins, ends = _day(pb.meta, "date_begin"), _day(pb.meta, "date_end")
        max_length = _count(pb.meta, "max_length")
    except CountingError as error:
        raise BadPabulibFile(_(error.message) % error.params if error.params else _(error.message)) from None
    if budget <= 0:
        raise BadPabulibFile(_("The budget in META must be more than zero."))
    begins = min(begins or ends, ends)
    cycle = BudgetCycle(region=region, title=_title(pb.meta), total_minor=budget, phase=Phase.FINISHED,
                        ballot_style=BallotStyle.UP_TO_K if max_length else BallotStyle.SPENDING_LIMIT,
                        max_choices=max_length, collecting_until=begins, reviewing_until=begins, voting_until=ends,
                        opened_by_id=actor.id, rule=Rule.GREEDY if pb.rule == "greedy" else Rule.EQUAL_SHARES,
                        source_meta=dict(pb.meta))
    part = BudgetPart(region=region, amount_minor=budget)
    cycle.parts.append(part)
    db.session.add(cycle)
    db.session.flush()
    now = utcnow()
    rows = {row["project_id"]: row for row in pb.projects}
    has_selected = any("selected" in row for row in pb.projects)
    project_ids = db.session.scalars(insert(BudgetProject).returning(BudgetProject.id, sort_by_parameter_order=True),
                                     [{"part_id": part.id, "title": _project_title(rows[p.id], p.id),
                                       "description": "", "cost_minor": costs[p.id],
                                       "status": ProjectStatus.FEASIBLE, "created_at": now, "source_id": p.id,
                                       "source_selected": rows[p.id].get("selected", "").strip() == "1"
                                       if has_selected else None} for p in election.projects]).all()
    ours = dict(zip((p.id for p in election.projects), project_ids, strict=True))
    ballots = election.ballots
    for start in range(0, len(ballots), BATCH):
        batch = ballots[start:start + BATCH]
        ballot_ids = db.session.scalars(insert(Ballot).returning(Ballot.id, sort_by_parameter_order=True), [
            {"part_id": part.id, "voter_id": None, "channel": Channel.IMPORTED, "created_at": now, "updated_at": now}
            for _ballot in batch]).all()
        choices = [{"ballot_id": ballot_id, "project_id": ours[project]}
                   for ballot_id, ballot in zip(ballot_ids, batch, strict=True) for project in ballot]
        if choices:
            db.session.execute(insert(BallotChoice), choices)
    db.session.add(AuditEntry(actor_id=actor.id, action="budget.import", subject_type="budget_cycle",
                              subject_id=cycle.id, before={},
                              after={"title": cycle.title, "rule": cycle.rule, "projects": len(project_ids),
                                     "ballots": len(ballots), "region_id": region.id}))
    db.session.flush()
    # Counted here as a cycle run here is by its job (the file's rule, or the nearest Minyi runs, beside greedy
    # counting), so its results page shows what each rule would have chosen on these real votes.
    for each in cycle.parts:
        count_part(each)
    return cycle


def _minor(amount, message: str, **params) -> int:
    """An amount in whole units of the file's currency as minor units (hundredths), refused if finer."""
    minor = amount * 100
    if minor != int(minor):
        raise PabulibError(message, **params)
    return int(minor)


def _day(meta: dict, key: str) -> date | None:
    """A META date: pabulib writes DD.MM.YYYY; some files give a year alone, or nothing."""
    text = meta.get(key, "").strip()
    if not text:
        if key == "date_end":
            raise PabulibError(N_("META has no date_end."))
        return None
    for form in ("%d.%m.%Y", "%Y-%m-%d", "%Y"):
        try:
            return datetime.strptime(text, form).date()
        except ValueError:
            continue
    raise PabulibError(N_("META's %(key)s is not a date (DD.MM.YYYY): %(value)s"), key=key, value=text[:40])


def _count(meta: dict, key: str) -> int | None:
    text = meta.get(key, "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise PabulibError(N_("META's %(key)s is not a whole number: %(value)s"), key=key, value=text[:40])
    return int(text)


def _title(meta: dict) -> str:
    """The cycle's name from META: the city, the part of it, the year (e.g. "Wieliczka Green Budget 2023")."""
    words = [meta.get(key, "").strip() for key in ("unit", "district", "subunit", "instance")]
    return (" ".join(w for w in words if w) or meta.get("description", "").strip() or "?")[:200]


def _project_title(row: dict, project_id: str) -> str:
    return (" ".join(row.get("name", "").split()) or f"#{project_id}")[:200]
