"""Voting in person, for officials: find a resident in the register, give them a one-time ballot code for the
kiosk (shown on a slip to print), cancel a code, and enter a paper ballot. Each step is checked and audited by
budgeting.in_person."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from accounts.users import User
from budgeting import ballots, in_person, queries
from budgeting.cycle_errors import CHANNEL_WORDS
from budgeting.models import BallotCode, BudgetCycle, BudgetPart
from core.db import db
from core.errors import DomainError
from server.officials import bp
from server.web.helpers import button_action, get_or_404, parse_id


def _render(template, **context):
    return render_template(template, channel_words=CHANNEL_WORDS, **context)


def _register_page(cycle, error=None, status=200, voter_id=None):
    q = request.args.get("q") or request.form.get("q", "")
    voters = in_person.register(current_user, cycle, q)
    return _render("officials/in_person.html", cycle=cycle, q=q, voters=voters, error=error,
                           error_voter=voter_id, states=in_person.voting_states(cycle, voters)), status


@bp.route("/budgets/<int:cycle_id>/in-person")
def in_person_register(cycle_id):
    """Find a verified resident to give a ballot code or to enter their paper ballot."""
    return _register_page(get_or_404(BudgetCycle, cycle_id))


def _voter(cycle, user_id) -> User:
    voter = get_or_404(User, user_id)
    if not in_person.may_serve(current_user, cycle, voter):
        abort(403)
    return voter


@bp.route("/budgets/<int:cycle_id>/codes/<int:user_id>", methods=["POST"])
def issue_ballot_code(cycle_id, user_id):
    """Give the resident a one-time code, once their identity is checked; the slip shows it this once."""
    cycle = get_or_404(BudgetCycle, cycle_id)
    voter = _voter(cycle, user_id)
    if request.form.get("identity_checked") != "yes":
        return _register_page(cycle, _("Check the resident's identity card first, and tick the box to say so."),
                              422, voter.id)
    try:
        row, code = in_person.issue_code(cycle, voter, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        return _register_page(cycle, str(error.message), error.status, voter.id)
    db.session.commit()
    response = _render("officials/ballot_code.html", cycle=cycle, voter=voter, row=row,
                               code=in_person.format_code(code), parts=queries.parts_of(voter, cycle),
                               voted=in_person.ballots_of(voter, cycle))
    return response, 201, {"Cache-Control": "no-store"}


@bp.route("/budgets/codes/<int:code_id>/cancel", methods=["POST"])
def cancel_ballot_code(code_id):
    """Stop a code from working (lost, or given by mistake)."""
    row = get_or_404(BallotCode, code_id)
    if not in_person.may_serve(current_user, row.cycle, row.voter):
        abort(403)
    button_action(lambda: in_person.cancel_code(row, actor=current_user), message=_("The code no longer works."))
    return redirect(url_for("officials.in_person_register", cycle_id=row.cycle_id, q=request.form.get("q", "")))


@bp.route("/budgets/<int:cycle_id>/paper/<int:user_id>", methods=["GET", "POST"])
def paper_ballot(cycle_id, user_id):
    """Enter a resident's paper ballot, part by part; refused when they voted in that part already."""
    cycle = get_or_404(BudgetCycle, cycle_id)
    voter = _voter(cycle, user_id)
    parts = queries.parts_of(voter, cycle)
    error, status, ticked = None, 200, set()
    if request.method == "POST":
        part = db.session.get(BudgetPart, parse_id(request.form.get("part_id")) or 0)
        ticked = {i for i in (parse_id(v) for v in request.form.getlist("projects")[:500]) if i}
        try:
            if part is None or part not in parts:
                raise DomainError(_("Choose a part of this cycle where the resident votes."))
            in_person.cast_paper(part, voter, actor=current_user, project_ids=ticked)
        except DomainError as refused:
            db.session.rollback()
            error, status = str(refused.message), refused.status
        else:
            db.session.commit()
            flash(_("The paper ballot of %(name)s is recorded.", name=voter.display_name), "success")
            return redirect(url_for("officials.paper_ballot", cycle_id=cycle.id, user_id=voter.id))
    voted = {b.part_id: b for b in in_person.ballots_of(voter, cycle)}
    return _render("officials/paper_ballot.html", cycle=cycle, voter=voter, error=error, ticked=ticked,
                           parts=[(p, ballots.ballot_projects(p)) for p in parts], voted=voted), status
