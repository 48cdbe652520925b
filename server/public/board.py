"""The public message board of appeals; one appeal's page and its actions are in appeal_pages."""

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from accounts.regions import Category, Region, RegionLevel, region_tree
from appeals.models import Appeal, AppealStatus
from appeals.queries import BOARD_SORTS, board
from core.db import db
from core.i18n import current_language
from server.web.cards import appeal_cards
from server.web.helpers import get_from_args
from server.web.pagination import keyset

bp = Blueprint("board", __name__)

#: The longest search the board takes (as the proposals' list).
SEARCH_MAX = 200


def filter_choices():
    """The region and category options of a filter form: counties and townships first, then villages."""
    tree = region_tree()
    ordered = sorted(tree.parent, key=lambda r: (tree.level[r] == RegionLevel.VILLAGE, tree.code[r]))
    categories = db.session.scalars(select(Category).where(Category.active.is_(True)).order_by(Category.code)).all()
    names = tree.full_names(current_language())
    return {"region_choices": [(r, names[r]) for r in ordered], "categories": categories}


def board_filters(args) -> tuple[dict, list[str]]:
    """What the board's address asks for, and a sentence for each value it cannot use (that filter is left out:
    the page still lists appeals, and says why it shows more than was asked)."""
    problems = []
    region, category = get_from_args(Region, "region"), get_from_args(Category, "category")
    if args.get("region") and region is None:
        problems.append(_("There is no such place: appeals from every place are shown."))
    if args.get("category") and category is None:
        problems.append(_("There is no such category: appeals of every category are shown."))
    status = args.get("status") or None
    if status is not None and status not in set(AppealStatus):
        problems.append(_("“%(value)s” is not a status: appeals of every status are shown.", value=status[:40]))
        status = None
    sort = args.get("sort") or "newest"
    if sort not in BOARD_SORTS:
        problems.append(_("“%(value)s” is not an order: the newest appeals are shown first.", value=sort[:40]))
        sort = "newest"
    q = (args.get("q") or "").strip()
    if len(q) > SEARCH_MAX:
        problems.append(_("Search for at most %(n)d characters: only the first %(n)d were looked for.", n=SEARCH_MAX))
        q = q[:SEARCH_MAX]
    return {"region": region, "category": category, "status": status, "q": q, "sort": sort}, problems


@bp.route("/appeals")
def appeals():
    wanted, problems = board_filters(request.args)
    query, columns, descending = board(**wanted)
    rows, following, args = keyset(query.options(selectinload(Appeal.category)), columns, descending)
    return render_template("board/appeals.html", appeals=rows, following=following, args=args, problems=problems,
                           cards=appeal_cards(rows),
                           q=wanted["q"], status=wanted["status"], sort=wanted["sort"], **filter_choices()), \
        400 if problems else 200
