"""Officials' side of participatory budgeting: opening, editing and cancelling a cycle, moving its phases, entering
qualified proposals, reviewing projects, counting again and turning winners into projects. Each step is checked by
budgeting.cycles (who may run the cycle) and audited there."""

from functools import partial

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from accounts.permissions import jurisdiction
from accounts.regions import Department, Region, subtree_id_list
from budgeting import cycles, editing, queries, results, winners
from budgeting.models import EDITABLE, PHASES, BudgetCycle, BudgetProject
from core.db import db
from core.errors import DomainError
from core.money import parse_amount
from proposals.models import Proposal
from server.forms.budgets import PART_ROWS, CancelCycleForm, CycleForm, ReviewForm, WinnerProjectForm, edit_form
from server.officials import bp
from server.public.budget_results import results_context
from server.public.budgets import cycle_context
from server.web.helpers import button_action, department_choices, get_or_404, parse_id, submit


def _region_choices():
    scope = jurisdiction(current_user)
    query = select(Region).order_by(Region.code)
    if scope is not None:
        query = query.where(Region.id.in_(subtree_id_list(scope)))
    return [(r.id, r.full_name) for r in db.session.scalars(query)]


@bp.route("/budgets/new", methods=["GET", "POST"])
def new_cycle():
    """Open a budget cycle for a region in one's jurisdiction, with optional parts for its areas."""
    form = CycleForm()
    choices = _region_choices()
    form.region.choices = [("", _("Choose…"))] + choices
    for n in range(1, PART_ROWS + 1):
        form[f"part{n}_region"].choices = [("", _("None"))] + choices

    def action():
        region = db.session.get(Region, form.region.data) if form.region.data else None
        if region is None or (region.id, region.full_name) not in choices:
            raise DomainError(_("Choose a region from the list."), field="region")
        parts = {}
        for n in range(1, PART_ROWS + 1):
            area_id, amount = form[f"part{n}_region"].data, form[f"part{n}_amount"].data
            if not area_id and not (amount or "").strip():
                continue
            area = db.session.get(Region, area_id) if area_id else None
            if area is None or area in parts:
                raise DomainError(_("Choose a different area for each part."), field=f"part{n}_region")
            parts[area] = parse_amount(amount, field=f"part{n}_amount")
        return cycles.open_cycle(
            region, actor=current_user, title=form.title.data, total_minor=parse_amount(form.total.data, field="total"),
            collecting_until=form.collecting_until.data, reviewing_until=form.reviewing_until.data,
            voting_until=form.voting_until.data, ballot_style=form.ballot_style.data,
            max_choices=form.max_choices.data, parts=parts, rule=form.rule.data)

    opened = submit(form, action, message=_("The budget cycle is open: residents can now submit projects."))
    if opened:
        return redirect(url_for("budgets.show", cycle_id=opened.id))
    return render_template("budgets/new.html", form=form, rows=range(1, PART_ROWS + 1)), (
        422 if request.method == "POST" else 200)


def _managed(cycle_id) -> BudgetCycle:
    cycle = get_or_404(BudgetCycle, cycle_id)
    if not cycles.may_manage(current_user, cycle.region):
        abort(403)
    return cycle


@bp.route("/budgets/<int:cycle_id>/edit", methods=["GET", "POST"])
def edit_cycle(cycle_id):
    """Change a cycle's name, dates, ballot style and amounts while projects are collected or reviewed."""
    cycle = _managed(cycle_id)
    parts = queries.parts_with_areas(cycle)
    form = edit_form(cycle, parts)

    def action():
        amounts = {p: parse_amount(form[f"part_{p.id}"].data, field=f"part_{p.id}") for p in parts}
        editing.edit_cycle(cycle, actor=current_user, title=form.title.data, ballot_style=form.ballot_style.data,
                           max_choices=form.max_choices.data, collecting_until=form.collecting_until.data,
                           reviewing_until=form.reviewing_until.data, voting_until=form.voting_until.data,
                           amounts=amounts)

    if submit(form, action, message=_("The cycle's changes are saved and public.")):
        return redirect(url_for("budgets.show", cycle_id=cycle.id))
    return render_template("budgets/edit.html", cycle=cycle, parts=parts, form=form, editable=cycle.phase in EDITABLE), (
        422 if request.method == "POST" else 200)


@bp.route("/budgets/<int:cycle_id>/cancel", methods=["GET", "POST"])
def cancel_cycle(cycle_id):
    """Cancel a cycle before it finishes, with a reason residents read."""
    cycle = _managed(cycle_id)
    form = CancelCycleForm()
    if submit(form, lambda: editing.cancel_cycle(cycle, actor=current_user, reason=form.reason.data),
              message=_("The cycle is cancelled. Residents see why on its page.")):
        return redirect(url_for("budgets.show", cycle_id=cycle.id))
    return render_template("budgets/cancel.html", cycle=cycle, form=form,
                           cancellable=cycle.phase in PHASES[:-2]), 422 if request.method == "POST" else 200


@bp.route("/budgets/<int:cycle_id>/advance", methods=["POST"])
def advance_cycle(cycle_id):
    """Move a cycle on to its next phase (closing voting starts counting)."""
    cycle = get_or_404(BudgetCycle, cycle_id)
    try:
        cycles.advance_phase(cycle, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        if error.status == 403:
            abort(403)
        flash(str(error.message), "warning")
    else:
        db.session.commit()
        flash(_("The cycle has moved on to the next phase."), "success")
    return redirect(url_for("budgets.show", cycle_id=cycle.id))


@bp.route("/budgets/projects/<int:budget_project_id>/review", methods=["POST"])
def review_budget_project(budget_project_id):
    """Feasible at a cost, or rejected; a changed cost or a rejection needs its public reason."""
    project = get_or_404(BudgetProject, budget_project_id)
    cycle = _managed(project.part.cycle_id)
    form = ReviewForm()

    def action():
        cycles.review_project(project, actor=current_user, feasible=form.verdict.data == "feasible",
                              cost_minor=parse_amount(form.cost.data, field="cost"), reason=form.reason.data)

    if submit(form, action, message=_("The review is saved and public.")):
        return redirect(url_for("budgets.show", cycle_id=cycle.id) + f"#budget-project-{project.id}")
    return render_template("budgets/show.html", **cycle_context(cycle, review_form=form,
                                                                reviewing=project.id)), 422


@bp.route("/budgets/<int:cycle_id>/proposals", methods=["POST"])
def enter_budget_proposal(cycle_id):
    """Enter a qualified proposal of the area, with its cost, while projects are collected."""
    cycle = _managed(cycle_id)
    proposal = db.session.get(Proposal, parse_id(request.form.get("proposal_id")) or 0)
    try:
        if proposal is None:
            raise DomainError(_("Choose a qualified proposal from the list."))
        cycles.enter_proposal(cycle, proposal, actor=current_user,
                              cost_minor=parse_amount(request.form.get("cost", ""), field="cost"))
    except DomainError as error:
        db.session.rollback()
        return render_template("budgets/show.html", **cycle_context(
            cycle, enter_error=str(error.message), entered=request.form)), error.status
    db.session.commit()
    flash(_("The proposal is entered as a project of this cycle."), "success")
    return redirect(url_for("budgets.show", cycle_id=cycle.id))


@bp.route("/budgets/<int:cycle_id>/recount", methods=["POST"])
def recount_cycle(cycle_id):
    """Count a counted (or failed) cycle again; the worker counts every part afresh."""
    cycle = get_or_404(BudgetCycle, cycle_id)
    if not cycles.may_manage(current_user, cycle.region):
        abort(403)
    button_action(lambda: results.recount(cycle, actor=current_user), message=_("The votes are being counted again."))
    return redirect(url_for("budgets.show", cycle_id=cycle.id))


def _winner_form(key):
    form = WinnerProjectForm(prefix=f"winner-{key}")
    form.department.choices = department_choices(blank=_("Choose…"))
    return form


def _made(form, action, cycle, key):
    """Run ``action`` with the form's department and dates; the results page again with the error if refused."""
    made = submit(form, lambda: action(department=db.session.get(Department, form.department.data or 0),
                                       start_on=form.start_on.data, target_on=form.target_on.data),
                  message=_("The winners are now projects."))
    if made:
        return redirect(url_for("budgets.results", cycle_id=cycle.id))
    return render_template("budgets/results.html", **results_context(cycle, forms={key: form})), 422


@bp.route("/budgets/projects/<int:budget_project_id>/project", methods=["POST"])
def make_winner_project(budget_project_id):
    """Turn one winner into a project (its budget the cost residents voted on)."""
    winner = get_or_404(BudgetProject, budget_project_id)
    cycle = winner.part.cycle
    if not cycles.may_manage(current_user, cycle.region):
        abort(403)
    return _made(_winner_form(winner.id), partial(winners.make_project, winner, actor=current_user), cycle, winner.id)


@bp.route("/budgets/<int:cycle_id>/projects", methods=["POST"])
def make_winner_projects(cycle_id):
    """Turn every winner not yet a project into one, with one department and the same dates."""
    cycle = get_or_404(BudgetCycle, cycle_id)
    if not cycles.may_manage(current_user, cycle.region):
        abort(403)
    return _made(_winner_form("all"), partial(winners.make_projects, cycle, actor=current_user), cycle, "all")
