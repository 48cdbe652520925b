"""Officials' side of proposals: the queue of qualified proposals, rejecting (by those who decide on the
proposal: proposals.queries.may_reject), and the money ledger."""

from functools import partial

from flask import abort, redirect, render_template, request, url_for
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
from server.forms.items import item_form
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
    return _queue_page()


def _queue_page(status=200):
    """The queue (the page of it named by ``?after=``: a refused form's address keeps it, so the page it was on
    comes back with it)."""
    query = _in_my_region(select(Proposal).where(Proposal.status == ProposalStatus.QUALIFIED,
                                                 Proposal.hidden_at.is_(None)))
    query = query.options(selectinload(Proposal.category), selectinload(Proposal.region))
    rows, following, args = keyset(query, [Proposal.supports_count, Proposal.id])

    department = current_user.department
    deciders = deciding_departments_of(rows)
    return render_template("officials/proposals.html", proposals=rows, following=following, args=args,
                           reject_form=partial(item_form, RejectForm),
                           recommend_form=partial(item_form, RecommendForm), pledged=_pledged([p.id for p in rows]),
                           deciders=deciders,
                           decides=lambda p: may_decide(current_user, p, deciders[p.id]),
                           rejects=lambda p: may_reject(current_user, p, deciders[p.id]),
                           recommended=recommendations.recommended_by(current_user, [p.id for p in rows]),
                           budget_left=budget_left(department) if department is not None else None), status


@bp.route("/proposals/<int:proposal_id>/promote")
def promote(proposal_id):
    """The door to making a proposal a project: only its deciders (projects.recommendations) pass."""
    proposal = visible_proposal(current_user, proposal_id) or abort(404)
    recommendations.check_promoter(current_user, proposal)
    return redirect(url_for("officials.new_project", proposal=proposal.id))


@bp.route("/proposals/<int:proposal_id>/recommend", methods=["GET", "POST"])
def recommend(proposal_id):
    """An official who may not make the proposal a project recommends it to the departments that may (from the
    proposal's page, or from the queue: ``?from=queue``, where a refused form then comes back)."""
    proposal = visible_proposal(current_user, proposal_id) or abort(404)
    from_queue = request.args.get("from") == "queue"
    if request.method == "GET":  # the address of a refused form, reloaded: the page the form is on
        return redirect(_queue_address() if from_queue else _decision_address(proposal))
    recommendations.check_recommender(current_user, proposal)
    form = RecommendForm(meta={"item": f"recommend-{proposal.id}"} if from_queue else {})
    if submit(form, lambda: recommendations.recommend(proposal, actor=current_user, note=form.note.data),
              message=_("Recommended. The officials of the departments that decide have been told.")):
        return redirect(_decision_address(proposal))  # where the recommendation now shows
    if from_queue:
        return _queue_page(422)
    return render_template("proposals/show.html", **page_context(proposal, recommend_form=form)), 422


def _decision_address(proposal):
    return url_for("proposals.show", proposal_id=proposal.id) + "#decision"


def _queue_address():
    """The page of the queue a form was sent from (its address names it: ``?after=``)."""
    return url_for("officials.proposal_queue", after=request.args.get("after"))


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


@bp.route("/proposals/<int:proposal_id>/reject", methods=["GET", "POST"])
def reject(proposal_id):
    """Only those who may reject the proposal pass (proposals.queries.may_reject); others are told who decides."""
    proposal = get_or_404(Proposal, proposal_id)
    services.check_rejecter(current_user, proposal)
    if request.method == "GET":  # the address of a refused form, reloaded: the page the form is on
        return redirect(_queue_address())
    form = RejectForm(meta={"item": f"reject-{proposal.id}"})
    if submit(form, lambda: services.reject_proposal(proposal, actor=current_user, reason=form.reason.data),
              message=_("The proposal is rejected; the reason is public and open pledges were released.")):
        return redirect(_queue_address())
    return _queue_page(422)


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
