"""Officials' side of proposals: the queue of qualified proposals, rejecting (by those who decide on the
proposal: proposals.queries.may_reject), and the money ledger."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from accounts.permissions import jurisdiction, oversees
from accounts.regions import subtree_id_list
from core.db import db
from core.errors import DomainError
from core.money import parse_amount
from projects import recommendations
from projects.promotion import budget_left
from proposals import services
from proposals.models import Proposal, ProposalStatus
from proposals.queries import deciding_departments_of, may_decide, may_reject, visible_proposal
from server.forms.proposals import CollectionForm, RecommendForm, RejectForm
from server.officials import bp
from server.public.proposals import page_context
from server.web.helpers import get_or_404, submit
from server.web.pagination import keyset
from voting.collections import LEDGER
from voting.models import Pledge, PledgeKind, PledgeStatus


def _in_my_region(query):
    scope = jurisdiction(current_user)
    return query if scope is None else query.where(Proposal.region_id.in_(subtree_id_list(scope)))


@bp.route("/proposals")
def proposal_queue():
    """Qualified proposals waiting for a decision, most supported first."""
    query = _in_my_region(select(Proposal).where(Proposal.status == ProposalStatus.QUALIFIED,
                                                 Proposal.hidden_at.is_(None)))
    query = query.options(selectinload(Proposal.category), selectinload(Proposal.region))
    rows, following, args = keyset(query, [Proposal.supports_count, Proposal.id])

    department = current_user.department
    deciders = deciding_departments_of(rows)
    return render_template("officials/proposals.html", proposals=rows, following=following, args=args,
                           form=RejectForm(), pledged=_pledged([p.id for p in rows]),
                           deciders=deciders,
                           decides=lambda p: may_decide(current_user, p, deciders[p.id]),
                           rejects=lambda p: may_reject(current_user, p, deciders[p.id]),
                           recommended=recommendations.recommended_by(current_user, [p.id for p in rows]),
                           budget_left=budget_left(department) if department is not None else None)


@bp.route("/proposals/<int:proposal_id>/promote")
def promote(proposal_id):
    """The door to making a proposal a project: only its deciders (projects.recommendations) pass."""
    proposal = visible_proposal(current_user, proposal_id) or abort(404)
    recommendations.check_promoter(current_user, proposal)
    return redirect(url_for("officials.new_project", proposal=proposal.id))


@bp.route("/proposals/<int:proposal_id>/recommend", methods=["POST"])
def recommend(proposal_id):
    """An official who may not make the proposal a project recommends it to the departments that may."""
    proposal = visible_proposal(current_user, proposal_id) or abort(404)
    recommendations.check_recommender(current_user, proposal)
    form = RecommendForm()
    if form.validate_on_submit():
        try:
            recommendations.recommend(proposal, actor=current_user, note=form.note.data)
        except DomainError as error:
            db.session.rollback()
            return render_template("proposals/show.html", **page_context(
                proposal, recommend_form=form, recommend_error=str(error.message))), error.status
        db.session.commit()
        flash(_("Recommended. The officials of the departments that decide have been told."), "success")
        return redirect(url_for("proposals.show", proposal_id=proposal.id) + "#decision")
    return render_template("proposals/show.html", **page_context(proposal, recommend_form=form)), 422


def _pledged(proposal_ids) -> dict:
    """proposal id → {kind: (pledges, money or estimated worth in minor units, hours)} of live pledges."""
    from sqlalchemy import func

    found = {}
    for proposal_id, kind, count, worth, hours in db.session.execute(
            select(Pledge.proposal_id, Pledge.kind, func.count(),
                   func.sum(func.coalesce(Pledge.amount_minor, Pledge.estimated_value_minor, 0)),
                   func.coalesce(func.sum(Pledge.hours), 0))
            .where(Pledge.proposal_id.in_(proposal_ids),
                   Pledge.status.in_((PledgeStatus.PLEDGED, PledgeStatus.COMMITTED)))
            .group_by(Pledge.proposal_id, Pledge.kind)):
        found.setdefault(proposal_id, {})[kind] = (count, int(worth or 0), int(hours or 0))
    return found


def _mine(proposal_id) -> Proposal:
    proposal = get_or_404(Proposal, proposal_id)
    if not oversees(current_user, proposal.region):
        abort(403)
    return proposal


@bp.route("/proposals/<int:proposal_id>/reject", methods=["POST"])
def reject(proposal_id):
    """Only those who may reject the proposal pass (proposals.queries.may_reject); others are told who decides."""
    proposal = get_or_404(Proposal, proposal_id)
    services.check_rejecter(current_user, proposal)
    form = RejectForm()
    if form.validate_on_submit():
        try:
            services.reject_proposal(proposal, actor=current_user, reason=form.reason.data)
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "warning")
        else:
            db.session.commit()
            flash(_("The proposal is rejected; the reason is public and open pledges were released."), "success")
    else:
        flash(_("Please give the public reason for rejecting it."), "warning")
    return redirect(url_for("officials.proposal_queue"))


@bp.route("/proposals/<int:proposal_id>/ledger", methods=["GET", "POST"])
def ledger(proposal_id):
    """The cash/transfer ledger: money received against each committed money pledge."""
    proposal = _mine(proposal_id)
    pledges = db.session.scalars(
        select(Pledge).where(Pledge.proposal_id == proposal.id, Pledge.kind == PledgeKind.MONEY,
                             Pledge.status == PledgeStatus.COMMITTED)
        .options(selectinload(Pledge.collections), selectinload(Pledge.backer)).order_by(Pledge.id)).all()
    form = CollectionForm()

    def record():
        pledge = next((p for p in pledges if str(p.id) == request.form.get("pledge_id")), None)
        if pledge is None:
            raise DomainError(_("Choose a pledge from the list."))
        LEDGER.record(pledge, actor=current_user, amount_minor=parse_amount(form.amount.data),
                      method=form.method.data, received_on=form.received_on.data,
                      receipt_number=form.receipt_number.data)

    if submit(form, record, message=_("Recorded.")):
        return redirect(url_for("officials.ledger", proposal_id=proposal.id))
    status = 422 if request.method == "POST" else 200
    owed = sum(p.amount_minor for p in pledges)
    received = sum(c.amount_minor for p in pledges for c in p.collections)
    return render_template("officials/ledger.html", proposal=proposal, pledges=pledges, form=form, owed=owed,
                           received=received), status
