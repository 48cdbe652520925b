"""Participatory budgeting for residents and the public: the cycles, a cycle's page, submitting a costed
project, and the ballot (with the money left shown as projects are ticked)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from budgeting import ballots, cycles, queries, schedule
from budgeting.cycle_errors import CastOnPaper
from budgeting.models import BudgetCycle, BudgetPart, Channel, Phase, Rule
from core.db import db
from core.errors import DomainError
from core.money import parse_amount
from server.forms.budgets import ReviewForm, SubmitProjectForm
from server.web.helpers import get_or_404, parse_id, submit

bp = Blueprint("budgets", __name__, url_prefix="/budgets")

#: What happens in each phase, as residents read it on the cycle's page.
PHASE_TEXT = {
    Phase.COLLECTING: (_l("Collecting projects"),
                       _l("Residents submit costed projects for their area, and officials enter qualified "
                          "proposals.")),
    Phase.REVIEWING: (_l("Review"), _l("Officials check that each project can be done and what it costs. Every "
                                       "change of cost and every rejection comes with a public reason.")),
    Phase.VOTING: (_l("Voting"), _l("Verified residents vote in the part for where they live and in the "
                                    "region-wide part. A ballot can be changed until voting ends.")),
    Phase.COUNTING: (_l("Counting"), _l("Voting has closed. The votes are counted by the rule below; totals are "
                                        "public.")),
    Phase.FINISHED: (_l("Finished"), _l("The results are final and the winning projects go ahead.")),
    Phase.CANCELLED: (_l("Cancelled"), _l("Officials stopped this cycle before it finished. Ballots cast are "
                                          "kept but not counted.")),
}


#: Each rule as residents read it: its name and one line on how it counts.
RULE_TEXT = {
    Rule.EQUAL_SHARES: (_l("equal shares"), _l(
        "Every voter gets an equal share of the part's money and spends it only on projects they voted for; a "
        "project wins when its supporters can pay for it together. So a group of voters wins projects in "
        "proportion to its size, and a majority cannot take everything.")),
    Rule.GREEDY: (_l("most votes first"), _l(
        "Projects are taken in order of votes, most first; each is funded if it fits in the money left, and "
        "skipped if it does not.")),
}


@bp.route("")
def index():
    """Every budget cycle."""
    return render_template("budgets/index.html", cycles=queries.cycles().all(), phases=PHASE_TEXT)


def cycle_context(cycle: BudgetCycle, **extra) -> dict:
    """What the cycle's page shows to the current user."""
    parts = queries.parts_with_areas(cycle)
    manages = cycles.may_manage(current_user, cycle.region)
    return {"cycle": cycle, "phases": PHASE_TEXT, "parts": parts, "steps": schedule.timeline(cycle),
            "projects": queries.projects_by_part(cycle), "totals": queries.totals_by_part(cycle),
            "mine": {p.id for p in queries.parts_of(current_user, cycle)},
            "manages": manages, "overdue": schedule.overdue(cycle) if manages else None,
            "enterable": queries.enterable_proposals(cycle) if manages and cycle.phase == Phase.COLLECTING else [],
            "review_form": extra.pop("review_form", None) or ReviewForm(formdata=None),
            "rule": RULE_TEXT[Rule(cycle.rule)], "count_progress": queries.count_progress(cycle), **extra}


@bp.route("/<int:cycle_id>")
def show(cycle_id):
    """A cycle: its timeline of phases with dates, its parts, their projects (with the officials' reasons)."""
    return render_template("budgets/show.html", **cycle_context(get_or_404(BudgetCycle, cycle_id)))


@bp.route("/<int:cycle_id>/submit", methods=["GET", "POST"])
@login_required
def submit_project(cycle_id):
    """A resident of the area submits a costed project while projects are collected."""
    cycle = get_or_404(BudgetCycle, cycle_id)
    form = SubmitProjectForm()

    def action():
        cycles.submit_project(cycle, actor=current_user, title=form.title.data, description=form.description.data,
                              cost_minor=parse_amount(form.cost.data, field="cost"))

    if submit(form, action, message=_("Your project is submitted. Officials will review it.")):
        return redirect(url_for("budgets.show", cycle_id=cycle.id))
    return render_template("budgets/submit.html", cycle=cycle, form=form), 422 if request.method == "POST" else 200


def _ballot_part(cycle_id, part_id) -> BudgetPart:
    part = get_or_404(BudgetPart, part_id)
    if part.cycle_id != cycle_id:
        abort(404)
    return part


def _ticked() -> list[int]:
    """The project ids ticked on the ballot form (what is not an id is left out: it was never a box)."""
    return list(dict.fromkeys(i for i in (parse_id(v) for v in request.form.getlist("projects")[:500]) if i))


@bp.route("/<int:cycle_id>/ballot/<int:part_id>", methods=["GET", "POST"])
@login_required
def ballot(cycle_id, part_id):
    """The ballot of one part. "Check" (or ticking a box, with htmx) shows the money left; "Cast" records it."""
    part = _ballot_part(cycle_id, part_id)
    error, status = None, 200
    if request.method == "POST":
        ticked = _ticked()
        if request.form.get("action") == "cast":  # nothing else is read first: casting is the hot path
            try:
                ballots.cast_ballot(part, actor=current_user, project_ids=ticked)
            except DomainError as refused:
                db.session.rollback()
                error, status = str(refused.message), refused.status
            else:
                db.session.commit()
                flash(_("Your ballot is recorded. You can change it until voting ends."), "success")
                return redirect(url_for("budgets.ballot", cycle_id=cycle_id, part_id=part.id))
    projects = ballots.ballot_projects(part)
    mine = queries.own_ballot(current_user, part)
    own = None if mine is None else {c.project_id for c in mine.choices}
    if request.method != "POST":
        ticked = sorted(own or ())
    tally = ballots.tally(part, ticked, projects)
    problem = ballots.voting_problem(part, current_user)
    if problem is None and mine is not None and mine.channel == Channel.PAPER:
        problem = CastOnPaper()  # the village office entered it: it is not changed here
    context = {"mine": mine, "cycle": part.cycle, "part": part, "projects": projects, "tally": tally, "ticked": set(ticked),
               "error": error, "problem": problem, "voted": own is not None}
    if request.headers.get("HX-Request") and request.form.get("action") != "cast":
        return render_template("budgets/_tally.html", **context)
    return render_template("budgets/ballot.html", **context), status
