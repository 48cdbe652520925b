"""From winners to projects: an official turns a counted cycle's winning project into a project through the usual
promotion (projects.promotion), with its cost as the budget. A winner entered from a qualified proposal brings the
proposal (and so its pledges and backers) along; one a resident submitted becomes a project of its part's area."""

from datetime import date

from sqlalchemy import select

from accounts.regions import Department
from accounts.users import User
from budgeting.cycle_errors import AlreadyAProject, NotAWinner, NotManager, WrongPhase
from budgeting.cycles import check_writable, may_manage
from budgeting.models import BudgetProject, BudgetResult, Phase, WinnerProject
from core.audit import AuditEntry
from core.db import db
from projects.models import Project
from projects.promotion import promote_to_project
from projects.recommendations import check_promoter
from proposals.models import ProposalStatus


def is_winner(budget_project: BudgetProject) -> bool:
    """Whether the project won in its part's counted result."""
    outcome = db.session.scalar(select(BudgetResult.outcome).where(BudgetResult.part_id == budget_project.part_id))
    return outcome is not None and str(budget_project.id) in outcome["winners"]


def make_project(budget_project: BudgetProject, *, actor: User, department: Department | None,
                 start_on: date | None, target_on: date | None, lead: User | None = None) -> Project:
    """Turn a winner into a project with its cost as the public budget; the officials who run the cycle do it
    (and, for a winner from a proposal, only those who may decide on that proposal)."""
    cycle = budget_project.part.cycle
    if not may_manage(actor, cycle.region):
        raise NotManager()
    check_writable(cycle)  # a loaded past election's winners were built, or not, elsewhere
    if cycle.phase != Phase.FINISHED:
        raise WrongPhase()
    if not is_winner(budget_project):
        raise NotAWinner()
    if budget_project.project is not None:
        raise AlreadyAProject()
    proposal = budget_project.proposal
    # A proposal is brought along while it is still qualified (not made a project, withdrawn or hidden since).
    carried = proposal is not None and proposal.status == ProposalStatus.QUALIFIED and proposal.hidden_at is None
    if carried:
        check_promoter(actor, proposal)
    project = promote_to_project(
        actor=actor, title=budget_project.title, description=budget_project.description or budget_project.title,
        department=department, lead=lead, budget_public_minor=budget_project.cost_minor, start_on=start_on,
        target_on=target_on, proposals=[proposal] if carried else [], region=budget_project.part.region)
    db.session.add(WinnerProject(budget_project_id=budget_project.id, project_id=project.id))
    db.session.add(AuditEntry(actor_id=actor.id, action="budget.project", subject_type="budget_project",
                              subject_id=budget_project.id, before={}, after={"project_id": project.id}))
    db.session.flush()
    db.session.expire(budget_project, ["project"])
    return project


def unmade_winners(cycle) -> list[BudgetProject]:
    """The cycle's winners not yet made projects, in the order of its parts."""
    won = {int(i) for outcome in db.session.scalars(select(BudgetResult.outcome).where(
        BudgetResult.part_id.in_([p.id for p in cycle.parts]))) for i in outcome["winners"]}
    return list(db.session.scalars(select(BudgetProject).where(BudgetProject.id.in_(won),
                                                               ~BudgetProject.project.has())
                                   .order_by(BudgetProject.part_id, BudgetProject.id)))


def make_projects(cycle, *, actor: User, department: Department | None, start_on: date | None,
                  target_on: date | None) -> list[Project]:
    """Turn every winner of ``cycle`` not yet a project into one, all with the same department and dates."""
    if not may_manage(actor, cycle.region):
        raise NotManager()
    return [make_project(w, actor=actor, department=department, start_on=start_on, target_on=target_on)
            for w in unmade_winners(cycle)]
