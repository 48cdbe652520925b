"""Who may make a qualified proposal a project, and how other officials recommend it to them.

The departments that serve the proposal's category in its place (its region or a region above it, found as
appeals are routed) and admins decide: proposals.queries.may_decide, the same rule that says who may reject it. A
department of another field must not take a proposal as its own project (the transport bureau made the health
proposal its project). Any other official of its area may recommend the proposal to those departments: the
recommendation is kept, their officials are told, and the proposal's page shows it to officials."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from accounts.notifications import notify
from accounts.permissions import has_role, oversees
from accounts.users import Role, User
from core.audit import audited
from core.db import db
from core.errors import Conflict, NotAllowed
from core.fields import text_field
from projects.models import Recommendation
from proposals.errors import NotOpen
from proposals.models import Proposal, ProposalStatus
from proposals.queries import deciding_departments, may_decide

NOTE_MAX = 1000


class AlreadyRecommended(Conflict):
    default_message = _l("You already recommended this proposal.")


def check_promoter(actor: User | None, proposal: Proposal) -> None:
    """Refuse, saying who may, anyone who does not decide on the proposal (proposals.queries.may_decide): an
    official whose department does not handle it."""
    if may_decide(actor, proposal):
        return
    names = ", ".join(d.name for d in deciding_departments(proposal))
    if names:
        raise NotAllowed(_l("Only %(departments)s can make “%(title)s” a project: it is their field in this place. "
                            "You can recommend it to them.", departments=names, title=proposal.title))
    raise NotAllowed(_l("No department handles this category in this place: only an administrator can make "
                        "“%(title)s” a project.", title=proposal.title))


def may_recommend(user: User | None, proposal: Proposal) -> bool:
    """Officials of the proposal's area who may not make it a project themselves, while it waits for a
    decision."""
    return has_role(user, Role.OFFICIAL) and oversees(user, proposal.region) and not may_decide(user, proposal) \
        and proposal.status == ProposalStatus.QUALIFIED and proposal.hidden_at is None


def check_recommender(actor: User | None, proposal: Proposal) -> None:
    """Refuse anyone but the officials of the proposal's area."""
    if not has_role(actor, Role.OFFICIAL) or not oversees(actor, proposal.region):
        raise NotAllowed(_l("Only officials of the proposal's area can recommend it to a department."))


def recommend(proposal: Proposal, *, actor: User, note: str | None = None) -> Recommendation:
    """An official recommends a qualified proposal to the departments that may make it a project; their
    officials are told. Once per official and proposal."""
    check_recommender(actor, proposal)
    if proposal.status != ProposalStatus.QUALIFIED or proposal.hidden_at is not None:
        raise NotOpen(_l("Only qualified proposals waiting for a decision can be recommended."))
    if may_decide(actor, proposal):
        raise Conflict(_l("Your department handles this proposal: you can make it a project yourself."))
    departments = deciding_departments(proposal)
    if not departments:
        raise Conflict(_l("No department handles this category in this place, so there is no one to recommend it "
                          "to: an administrator can make it a project."))
    note = text_field(note, "note", NOTE_MAX, required=False, multiline=True)
    if db.session.scalar(select(Recommendation.id).where(Recommendation.proposal_id == proposal.id,
                                                         Recommendation.official_id == actor.id)) is not None:
        raise AlreadyRecommended()
    recommendation = Recommendation()
    with audited(actor, "proposal.recommend", recommendation, ("proposal_id", "from_department_id", "note")):
        recommendation.proposal_id, recommendation.official_id = proposal.id, actor.id
        recommendation.from_department_id, recommendation.note = actor.department_id, note
        try:
            with db.session.begin_nested():  # the same official twice at once: the second is told, not a 500
                db.session.add(recommendation)
                db.session.flush()
        except IntegrityError:
            raise AlreadyRecommended() from None
    officials = db.session.scalars(select(User.id).where(
        User.department_id.in_([d.id for d in departments]), User.role == Role.OFFICIAL, User.active.is_(True)))
    notify(list(officials), "proposal_recommended", proposal_id=proposal.id, title=proposal.title)
    db.session.flush()
    return recommendation


def recommended_by(user: User, proposal_ids: list[int]) -> set[int]:
    """Which of these proposals ``user`` recommended."""
    return set(db.session.scalars(select(Recommendation.proposal_id).where(
        Recommendation.official_id == user.id, Recommendation.proposal_id.in_(proposal_ids)))) if proposal_ids else set()


def recommendations_of(proposal: Proposal) -> list[Recommendation]:
    """The recommendations of ``proposal``, oldest first, with who made them (for officials' eyes)."""
    return list(db.session.scalars(
        select(Recommendation).where(Recommendation.proposal_id == proposal.id)
        .options(selectinload(Recommendation.official), selectinload(Recommendation.from_department))
        .order_by(Recommendation.id)))
