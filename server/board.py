"""The public message board of appeals (read-only for now; the appeals issue adds the actions)."""

from flask import Blueprint, abort, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from accounts.db import db
from accounts.regions import Category, Region, RegionLevel, subtree_id_list
from proposals.appeals import Appeal
from server.helpers import get_from_args, keyset_page

bp = Blueprint("board", __name__)


def filtered(model, args):
    query = select(model).options(selectinload(model.region).selectinload(Region.parent),
                                  selectinload(model.category))
    region = get_from_args(Region, "region")
    if region is not None:
        query = query.where(model.region_id.in_(subtree_id_list(region)))
    category = get_from_args(Category, "category")
    if category is not None:
        query = query.where(model.category_id == category.id)
    return query


def filter_choices():
    regions = db.session.scalars(select(Region).where(Region.level != RegionLevel.VILLAGE).order_by(Region.code)).all()
    villages = db.session.scalars(select(Region).where(Region.level == RegionLevel.VILLAGE).order_by(Region.code)).all()
    categories = db.session.scalars(select(Category).where(Category.active.is_(True)).order_by(Category.code)).all()
    return {"regions": regions + villages, "categories": categories, "region_labels": region_labels(regions + villages)}


def region_labels(regions) -> dict[int, str]:
    """"County / Township / Village" for each region, worked out once per page, not once per option."""
    by_id = {r.id: r for r in regions}  # every region is in the list, so parents are found here
    names = {r.id: r.name for r in regions}
    labels = {}
    for region in regions:
        parts, node = [], region
        while node is not None:
            parts.append(names[node.id])
            node = by_id.get(node.parent_id)
        labels[region.id] = " / ".join(reversed(parts))
    return labels


@bp.route("/appeals")
def appeals():
    rows, next_before, args = keyset_page(filtered(Appeal, request.args).where(Appeal.public.is_(True)), Appeal.id)
    return render_template("board/appeals.html", appeals=rows, next_before=next_before, args=args,
                           **filter_choices())


@bp.route("/appeals/<int:appeal_id>")
def appeal(appeal_id):
    item = db.session.get(Appeal, appeal_id)
    if item is None or not item.public:
        abort(404)
    return render_template("board/appeal.html", appeal=item)
