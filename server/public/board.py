"""The public message board of appeals; one appeal's page and its actions are in appeal_pages."""

from flask import Blueprint, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from accounts.regions import Category, Region, RegionLevel, region_tree, subtree_id_list
from appeals.models import Appeal
from appeals.queries import public_appeals
from core.db import db
from core.i18n import current_language
from server.web.cards import appeal_cards
from server.web.helpers import get_from_args
from server.web.pagination import keyset

bp = Blueprint("board", __name__)


def filtered(query, model, args):
    """``query`` of ``model`` rows narrowed to the region and category the page asks for."""
    query = query.options(selectinload(model.category))
    region = get_from_args(Region, "region")
    if region is not None:
        query = query.where(model.region_id.in_(subtree_id_list(region)))
    category = get_from_args(Category, "category")
    if category is not None:
        query = query.where(model.category_id == category.id)
    return query


def filter_choices():
    """The region and category options of a filter form: counties and townships first, then villages."""
    tree = region_tree()
    ordered = sorted(tree.parent, key=lambda r: (tree.level[r] == RegionLevel.VILLAGE, tree.code[r]))
    categories = db.session.scalars(select(Category).where(Category.active.is_(True)).order_by(Category.code)).all()
    names = tree.full_names(current_language())
    return {"region_choices": [(r, names[r]) for r in ordered], "categories": categories}


@bp.route("/appeals")
def appeals():
    rows, following, args = keyset(filtered(public_appeals(), Appeal, request.args), [Appeal.id])
    return render_template("board/appeals.html", appeals=rows, following=following, args=args,
                           cards=appeal_cards(rows), **filter_choices())
