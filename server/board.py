"""Public lists of proposals and appeals (read-only for now; later issues add the actions)."""

from flask import Blueprint, abort, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from accounts.db import db
from accounts.regions import Category, Region, RegionLevel, subtree_ids
from proposals.appeals import Appeal
from proposals.models import Proposal
from server.helpers import get_from_args, keyset_page

bp = Blueprint("board", __name__)


def _filtered(model, args):
    query = select(model).options(selectinload(model.region).selectinload(Region.parent),
                                  selectinload(model.category))
    region = get_from_args(Region, "region")
    if region is not None:
        query = query.where(model.region_id.in_(subtree_ids(region)))
    category = get_from_args(Category, "category")
    if category is not None:
        query = query.where(model.category_id == category.id)
    return query


def _filter_choices():
    regions = db.session.scalars(select(Region).where(Region.level != RegionLevel.VILLAGE).order_by(Region.code)).all()
    villages = db.session.scalars(select(Region).where(Region.level == RegionLevel.VILLAGE).order_by(Region.code)).all()
    categories = db.session.scalars(select(Category).where(Category.active.is_(True)).order_by(Category.code)).all()
    return {"regions": regions + villages, "categories": categories}


@bp.route("/proposals")
def proposals():
    rows, next_before, args = keyset_page(_filtered(Proposal, request.args), Proposal.id)
    return render_template("board/proposals.html", proposals=rows, next_before=next_before, args=args,
                           **_filter_choices())


@bp.route("/proposals/<int:proposal_id>")
def proposal(proposal_id):
    item = db.session.get(Proposal, proposal_id) or abort(404)
    return render_template("board/proposal.html", proposal=item)


@bp.route("/appeals")
def appeals():
    rows, next_before, args = keyset_page(_filtered(Appeal, request.args).where(Appeal.public.is_(True)), Appeal.id)
    return render_template("board/appeals.html", appeals=rows, next_before=next_before, args=args,
                           **_filter_choices())


@bp.route("/appeals/<int:appeal_id>")
def appeal(appeal_id):
    item = db.session.get(Appeal, appeal_id)
    if item is None or not item.public:
        abort(404)
    return render_template("board/appeal.html", appeal=item)
