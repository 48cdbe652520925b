"""Voting in person: a one-time ballot code an official gives a resident to vote at a kiosk, the kiosk's ballot
cast with it, and a paper ballot an official enters. Each goes through ``ballots.cast_ballot`` against the same
(part, voter) row as the web, so nobody votes twice by any route. Giving, cancelling and using a code, and
entering a paper ballot, are audited: who did it for whom, never what was chosen."""

import hashlib
import secrets
from datetime import datetime

from flask_babel import format_datetime
from sqlalchemy import select

from accounts.permissions import jurisdiction, oversees
from accounts.regions import region_tree
from accounts.users import Role, User
from budgeting import ballots, cycles, queries
from budgeting.cycle_errors import (
    AlreadyVoted,
    CodeCancelled,
    CodeExpired,
    CodeUsed,
    NotVerified,
    NotVoterHere,
    OutsideArea,
    VotingClosed,
    WrongCode,
)
from budgeting.models import Ballot, BallotCode, BudgetCycle, BudgetPart, Channel, Phase
from core.audit import AuditEntry
from core.db import db, utcnow
from core.search import matching

#: Digits of a ballot code: typed on a keypad and read aloud, one digit at a time.
CODE_DIGITS = 8


def may_serve(actor: User | None, cycle: BudgetCycle, voter: User) -> bool:
    """Who gives codes and enters paper ballots: those who run the cycle, and officials of the voter's village."""
    return bool(cycles.may_manage(actor, cycle.region)
                or (actor is not None and actor.is_authenticated and actor.role == Role.OFFICIAL
                    and oversees(actor, voter.region)))


def _digest(cycle_id: int, code: str) -> str:
    return hashlib.sha256(f"{cycle_id}:{code}".encode()).hexdigest()


def normalize_code(text: str) -> str | None:
    """The digits of a typed code ("1234 5678", "1234-5678"), or None when it cannot be one."""
    digits = "".join(ch for ch in (text or "") if not ch.isspace() and ch != "-")
    return digits if len(digits) == CODE_DIGITS and digits.isascii() and digits.isdigit() else None


def format_code(code: str) -> str:
    """"12345678" → "1234 5678" (easier to read aloud and to copy)."""
    return f"{code[:4]} {code[4:]}"


def ballots_of(voter: User, cycle: BudgetCycle) -> list[Ballot]:
    """The voter's ballots in the cycle's parts (for who/when by which channel; never their choices)."""
    return list(db.session.scalars(select(Ballot).join(BudgetPart).where(
        BudgetPart.cycle_id == cycle.id, Ballot.voter_id == voter.id).order_by(Ballot.part_id)))


def open_codes(cycle: BudgetCycle, voter: User) -> list[BallotCode]:
    """The voter's codes for the cycle that still work."""
    return list(db.session.scalars(select(BallotCode).where(
        BallotCode.cycle_id == cycle.id, BallotCode.voter_id == voter.id, BallotCode.used_at.is_(None),
        BallotCode.cancelled_at.is_(None)).order_by(BallotCode.id)))


def _check_voter(cycle: BudgetCycle, voter: User, actor: User) -> list[BudgetPart]:
    if not may_serve(actor, cycle, voter):
        raise NotVoterHere()
    if cycle.phase != Phase.VOTING:
        raise VotingClosed()
    if voter.role != Role.RESIDENT or not voter.is_verified:
        raise NotVerified()
    parts = queries.parts_of(voter, cycle)
    if not parts:
        raise OutsideArea()
    return parts


def issue_code(cycle: BudgetCycle, voter: User, *, actor: User) -> tuple[BallotCode, str]:
    """Give ``voter`` (whose identity ``actor`` checked) a new code for the cycle; an earlier unused one stops
    working. Returns the row and the code, which is shown this once and never stored."""
    _check_voter(cycle, voter, actor)
    now = utcnow()
    for earlier in open_codes(cycle, voter):
        earlier.cancelled_at = now
    while True:
        code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
        if db.session.scalar(select(BallotCode.id).where(BallotCode.digest == _digest(cycle.id, code))) is None:
            break
    row = BallotCode(cycle_id=cycle.id, voter_id=voter.id, digest=_digest(cycle.id, code), issued_by_id=actor.id,
                     created_at=now)
    db.session.add(row)
    db.session.flush()
    db.session.add(AuditEntry(actor_id=actor.id, action="budget.code.issue", subject_type="user",
                              subject_id=voter.id, before={}, after={"cycle_id": cycle.id, "code_id": row.id}))
    return row, code


def cancel_code(row: BallotCode, *, actor: User) -> BallotCode:
    """Stop a code from working (lost, or given by mistake); a used code stays used."""
    if not may_serve(actor, row.cycle, row.voter):
        raise NotVoterHere()
    if row.used_at is not None:
        raise CodeUsed()
    if row.cancelled_at is None:
        row.cancelled_at = utcnow()
        db.session.add(AuditEntry(actor_id=actor.id, action="budget.code.cancel", subject_type="user",
                                  subject_id=row.voter_id, before={}, after={"cycle_id": row.cycle_id,
                                                                             "code_id": row.id}))
    db.session.flush()
    return row


def cast_at_kiosk(cycle: BudgetCycle, *, kiosk, code: str, uuid: str, cast_at: datetime,
                  choices: dict[int, list[int]]) -> tuple[BallotCode, bool]:
    """Record the ballot a kiosk took with ``code`` at ``cast_at``: ``choices`` maps part ids to the approved
    projects. Returns (the code, whether it is new); the same ballot delivered again (its ``uuid``) is answered,
    not recorded twice. A ballot cast before voting closed counts even when it arrives after."""
    digits = normalize_code(code)
    row = db.session.scalar(select(BallotCode).where(BallotCode.digest == _digest(cycle.id, digits))
                            .with_for_update()) if digits else None
    if row is None:
        raise WrongCode()
    if row.used_at is not None:
        if row.ballot_uuid == uuid:
            return row, False
        raise CodeUsed()
    if row.cancelled_at is not None:
        raise CodeCancelled()
    # The kiosk's clock: a time before the code existed is a clock that went wrong, and the code was surely
    # used after it was given; a time in the future is no later than now.
    cast_at = min(max(cast_at, row.created_at), utcnow())
    if not ballots.voting_open(cycle, cast_at):
        raise CodeExpired()
    voter = row.voter
    parts = {p.id: p for p in queries.parts_of(voter, cycle)}
    on_paper = {b.part_id for b in ballots_of(voter, cycle) if b.channel == Channel.PAPER}
    for part_id, project_ids in sorted(choices.items()):
        if part_id not in parts:
            raise OutsideArea()
        if part_id in on_paper:
            continue  # the village office entered this part's paper ballot: it stands (the slip said so)
        ballots.cast_ballot(parts[part_id], actor=voter, voter=voter, project_ids=project_ids,
                            channel=Channel.KIOSK, at=cast_at)
    row.used_at, row.ballot_uuid, row.kiosk_id = cast_at, uuid, getattr(kiosk, "id", None)
    db.session.add(AuditEntry(actor_id=None, action="budget.code.use", subject_type="user", subject_id=voter.id,
                              before={}, after={"cycle_id": cycle.id, "code_id": row.id, "kiosk_id": row.kiosk_id}))
    db.session.flush()
    return row, True


def cast_paper(part: BudgetPart, voter: User, *, actor: User, project_ids) -> Ballot:
    """An official enters a paper ballot for a resident found in the register; refused if the resident has a
    ballot in the part already, by any channel (the refusal says how and when, not what)."""
    _check_voter(part.cycle, voter, actor)
    earlier = db.session.scalar(select(Ballot).where(Ballot.part_id == part.id, Ballot.voter_id == voter.id))
    if earlier is not None:
        raise AlreadyVoted(voter.display_name, part.region.full_name, earlier.channel,
                           format_datetime(earlier.updated_at, "short"))
    ballot = ballots.cast_ballot(part, actor=actor, voter=voter, project_ids=project_ids, channel=Channel.PAPER)
    db.session.add(AuditEntry(actor_id=actor.id, action="budget.paper", subject_type="user", subject_id=voter.id,
                              before={}, after={"part_id": part.id}))
    return ballot


def register(actor: User, cycle: BudgetCycle, q: str, limit: int = 50) -> list[User]:
    """Verified residents of the cycle's region whom ``actor`` may serve, matching ``q`` (name or phone): the
    register an official finds a resident in. Empty without a search (nobody's list is shown unasked)."""
    q = (q or "").strip()[:100]
    if not q:
        return []
    query = select(User).where(User.role == Role.RESIDENT, User.verified_at.is_not(None),
                               User.region_id.in_(region_tree().subtree(cycle.region_id)))
    if not cycles.may_manage(actor, cycle.region):
        scope = jurisdiction(actor)
        query = query.where(User.region_id.in_(region_tree().subtree(scope.id) if scope else []))
    query = matching(query, User.id, [q], User.searched(email=False))
    return list(db.session.scalars(query.order_by(User.display_name, User.id).limit(limit)))


def voting_states(cycle: BudgetCycle, voters: list[User]) -> dict[int, tuple[list[Ballot], list[BallotCode]]]:
    """For each voter: their ballots in the cycle (channel and when, not what) and their codes that still work."""
    ids = [v.id for v in voters]
    states = {i: ([], []) for i in ids}
    if not ids:
        return states
    for ballot in db.session.scalars(select(Ballot).join(BudgetPart).where(
            BudgetPart.cycle_id == cycle.id, Ballot.voter_id.in_(ids)).order_by(Ballot.part_id)):
        states[ballot.voter_id][0].append(ballot)
    for code in db.session.scalars(select(BallotCode).where(
            BallotCode.cycle_id == cycle.id, BallotCode.voter_id.in_(ids), BallotCode.used_at.is_(None),
            BallotCode.cancelled_at.is_(None)).order_by(BallotCode.id)):
        states[code.voter_id][1].append(code)
    return states
