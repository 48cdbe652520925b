"""Making a project of qualified proposals or of appeals: the responsible department, its budget, the
residents' pledges carried over, and everyone who backed the sources told."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    func,
    select,
)
from sqlalchemy.exc import IntegrityError

from accounts.notifications import notify
from accounts.permissions import has_role
from accounts.regions import Department, Region, region_tree
from accounts.users import Role, User
from appeals.models import Appeal, Cosign
from appeals.queries import may_handle
from core.audit import AuditEntry
from core.db import db
from core.errors import InvalidInput, NotAllowed
from core.fields import text_field
from core.rules import rule
from projects.models import MILESTONES_MAX, TEXT_MAX, TITLE_MAX, Project, ProjectSource
from projects.money import checked_amount, yuan
from projects.permissions import hold
from projects.progress import new_milestone
from projects.recommendations import check_promoter
from proposals.errors import NotOpen
from proposals.models import Proposal, ProposalStatus
from voting.models import Pledge, PledgeStatus, Support


def budget_left(department: Department) -> int | None:
    """The department's public funds for projects not yet given to one (None: its budget is not tracked)."""
    if department.project_budget_minor is None:
        return None
    given = db.session.scalar(select(func.coalesce(func.sum(Project.budget_public_minor), 0)).where(
        Project.department_id == department.id))
    return department.project_budget_minor - int(given)


def project_of(*, proposal: Proposal | None = None, appeal: Appeal | None = None) -> Project | None:
    """The project a proposal or an appeal became, if any."""
    column, source = (ProjectSource.proposal_id, proposal) if proposal is not None else (ProjectSource.appeal_id,
                                                                                          appeal)
    return db.session.scalar(select(Project).join(ProjectSource).where(column == source.id))


def promote_to_project(*, actor: User, title: str, description: str, department: Department | None,
                       lead: User | None, budget_public_minor: int, start_on: date | None, target_on: date | None,
                       proposals: list[Proposal] = (), appeals: list[Appeal] = (),
                       milestones: list[tuple[str, date, int]] = (), region: Region | None = None) -> Project:
    """Officials turn qualified proposals and/or appeals into one project (a proposal only by the departments
    handling its field in its place, or an admin: projects.recommendations). The proposals' pledges (money and in
    kind, open or committed) move to the project as they are: no amount is created or lost. Everyone who backed
    a source hears of it. A project with no source (a budget cycle's winner a resident submitted: budgeting.winners,
    which checks who may) is done in ``region``."""
    proposals, appeals = list(dict.fromkeys(proposals)), list(dict.fromkeys(appeals))
    if not has_role(actor, Role.OFFICIAL, Role.ADMIN):
        raise NotAllowed()
    if not proposals and not appeals and region is None:
        raise InvalidInput(_l("Choose the proposals or appeals the project answers."), field="sources")
    taken = db.session.scalar(select(func.count()).select_from(ProjectSource).where(
        ProjectSource.proposal_id.in_([p.id for p in proposals]) | ProjectSource.appeal_id.in_([a.id for a in appeals])))
    if taken:
        raise InvalidInput(_l("One of these already became a project."), field="sources")
    for proposal in proposals:
        check_promoter(actor, proposal)  # the departments handling its field there, or an admin
        if proposal.status != ProposalStatus.QUALIFIED or proposal.hidden_at is not None:
            raise NotOpen(_l("Only qualified proposals can become projects."))
    for appeal in appeals:
        if not may_handle(actor, appeal):
            raise NotAllowed(_l("Only the officials handling an appeal can make it a project."))
    if department is None:
        raise InvalidInput(_l("Choose the responsible department."), field="department")
    if lead is not None and (not has_role(lead, Role.OFFICIAL) or lead.department_id != department.id):
        raise InvalidInput(_l("The lead must be an official of the responsible department."), field="lead")
    start_on, target_on = _dates(start_on, target_on)
    region_id = _common_region(proposals, appeals) if proposals or appeals else region.id

    if not region_tree().contains(department.region_id, region_id):
        raise InvalidInput(_l("Choose a department that serves the project's area."), field="department")
    # One decision at a time per department: two projects must not both take the last of its funds.
    hold(Department, department.id)
    left = budget_left(department)
    if left is not None and isinstance(budget_public_minor, int) and budget_public_minor > left:
        raise InvalidInput(_l("The department has %(left)s left for projects.", left=yuan(max(left, 0))),
                           field="budget")
    project = Project(
        title=text_field(title, "title", TITLE_MAX), description=text_field(description, "description", TEXT_MAX,
                                                                           multiline=True),
        department=department, lead=lead, region_id=region_id,
        budget_public_minor=checked_amount(budget_public_minor, "budget", allow_zero=True),
        currency=str(rule("MINYI_CURRENCY")), start_on=start_on, target_on=target_on, created_by_id=actor.id)
    db.session.add(project)
    if len(milestones) > MILESTONES_MAX:
        raise InvalidInput(_l("A project has at most %(n)d milestones.", n=MILESTONES_MAX), field="milestones")
    for milestone_title, milestone_on, weight in milestones:
        project.milestones.append(new_milestone(milestone_title, milestone_on, weight))
    db.session.flush()

    try:
        with db.session.begin_nested():  # the same sources sent twice at once: the second is told, not a 500
            db.session.add_all([ProjectSource(project_id=project.id, proposal_id=p.id) for p in proposals]
                               + [ProjectSource(project_id=project.id, appeal_id=a.id) for a in appeals])
            db.session.flush()
    except IntegrityError:
        raise InvalidInput(_l("One of these already became a project."), field="sources") from None
    told = []
    for proposal in proposals:
        proposal.status = ProposalStatus.ACCEPTED
        carried = db.session.scalars(select(Pledge).where(
            Pledge.proposal_id == proposal.id, Pledge.status.in_((PledgeStatus.PLEDGED, PledgeStatus.COMMITTED)))).all()
        for pledge in carried:
            pledge.project_id = project.id
        told += [proposal.author_id, *(p.backer_id for p in carried), *db.session.scalars(
            select(Support.user_id).where(Support.proposal_id == proposal.id))]
    for appeal in appeals:
        told += [appeal.author_id, *db.session.scalars(select(Cosign.user_id).where(Cosign.appeal_id == appeal.id))]
    db.session.add(AuditEntry(actor_id=actor.id, action="project.promote", subject_type="project",
                              subject_id=project.id, before={},
                              after={"proposals": [p.id for p in proposals], "appeals": [a.id for a in appeals]}))
    notify([uid for uid in told if uid is not None], "became_project", project_id=project.id, title=project.title)
    db.session.flush()
    return project


def _common_region(proposals, appeals) -> int:
    """The smallest region holding every source (a village, or the township or county they share)."""

    tree = region_tree()
    paths = [tree.path(source.region_id) for source in [*proposals, *appeals]]
    shared = paths[0]
    for path in paths[1:]:
        shared = [a for a, b in zip(shared, path, strict=False) if a == b]
    if not shared:
        raise InvalidInput(_l("The sources lie in different counties: make one project per county."),
                           field="sources")
    return shared[-1]


def _dates(start_on, target_on):
    if start_on is None or target_on is None:
        raise InvalidInput(_l("Give the start and target dates."), field="start_on" if start_on is None else "target_on")
    if target_on < start_on:
        raise InvalidInput(_l("The target date cannot be before the start."), field="target_on")
    return start_on, target_on
