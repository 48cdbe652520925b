"""API: appeals (board, detail with timeline, send, join, rate, follow by receipt code) and the officials'
answer."""

from flask import abort, current_app
from sqlalchemy.orm import selectinload

from accounts.regions import Category, Region
from appeals import services, workflow
from appeals.models import Appeal, Cosign
from appeals.queries import board, follows, may_handle, visible_appeal, visible_events
from core.db import db
from server.api import Blueprint, by_code, documented_errors, token_required
from server.api.appeal_schemas import (
    AnswerIn,
    AppealDetailOut,
    AppealIn,
    AppealListArgs,
    AppealPage,
    CosignOut,
    RatingIn,
    RatingOut,
)
from server.web.limits import backing, limited_posting, receipts
from server.web.pagination import keyset
from server.web.tokens import bearer_user

blp = Blueprint("api_appeals", __name__, url_prefix="/api/v1", description="Appeals to officials")
TOKEN = [{"token": []}]


def errors(*statuses):
    """Document the error responses an endpoint can give."""
    return documented_errors(blp, *statuses)


def _readable(appeal_id) -> Appeal:
    """Public appeals to anyone; private ones to their author, co-signers and handling officials (else 404)."""
    return visible_appeal(bearer_user(), appeal_id) or abort(404)


class AppealView:
    """An appeal as one reader sees it: its steps (internal ones for its officials only), and its receipt
    code when that reader may know it."""

    def __init__(self, appeal, reader, *, holds_receipt=False):
        insider = holds_receipt or may_handle(reader, appeal) or follows(reader, appeal)
        self._appeal, self.receipt_code_shown = appeal, appeal.receipt_code if insider else None
        self.events = db.session.scalars(visible_events(reader, appeal)).all()

    def __getattr__(self, name):
        return getattr(self._appeal, name)


def _detail(appeal):
    return AppealView(appeal, bearer_user())


@blp.route("/appeals", methods=["GET"])
@blp.arguments(AppealListArgs, location="query")
@blp.response(200, AppealPage)
def list_appeals(args):
    """The public message board, newest first; filter by region, category and status, search, order."""
    region, category = by_code(Region, args.get("region")), by_code(Category, args.get("category"))
    if args.get("region") and region is None or args.get("category") and category is None:
        return {"items": [], "next": None}
    query, columns, descending = board(region=region, category=category, status=args.get("status"),
                                       q=args.get("q") or "", sort=args["sort"])
    query = query.options(selectinload(Appeal.category), selectinload(Appeal.region), selectinload(Appeal.department))
    rows, following, _args = keyset(query, columns, descending, size=args["limit"])
    return {"items": rows, "next": following}


@blp.route("/appeals", methods=["POST"])
@token_required
@limited_posting
@blp.arguments(AppealIn)
@blp.response(201, AppealDetailOut)
@errors(401, 403, 422)
@blp.doc(security=TOKEN)
def send_appeal(data):
    """Send an appeal (residents). The answer includes its receipt code."""
    village, category = by_code(Region, data.pop("village")), by_code(Category, data.pop("category"))
    appeal = services.submit_appeal(actor=bearer_user(), village=village, category=category,
                                    phone_region=current_app.config["MINYI_PHONE_REGION"], **data)
    db.session.commit()
    return _detail(appeal)


@blp.route("/appeals/<int:appeal_id>", methods=["GET"])
@blp.response(200, AppealDetailOut)
@errors(404)
def get_appeal(appeal_id):
    """One appeal with its timeline (officials handling it also see internal steps)."""
    return _detail(_readable(appeal_id))


@blp.route("/appeals/receipt/<code>", methods=["GET"])
@receipts
@blp.response(200, AppealDetailOut)
@errors(404)
def get_by_receipt(code):
    """Follow an appeal by its receipt code, public or not, without an account."""
    return AppealView(services.find_by_receipt(code), None, holds_receipt=True)  # reads as the public does


@blp.route("/appeals/<int:appeal_id>/cosign", methods=["PUT"])
@token_required
@backing
@blp.response(200, CosignOut)
@errors(401, 403, 404, 409)
@blp.doc(security=TOKEN)
def cosign(appeal_id):
    """"This is my problem too" (residents; once)."""
    appeal = services.cosign(_readable(appeal_id), actor=bearer_user())
    db.session.commit()
    return {"cosigns_count": appeal.cosigns_count,
            "joined": db.session.get(Cosign, (appeal.id, bearer_user().id)) is not None}


@blp.route("/appeals/<int:appeal_id>/rating", methods=["PUT"])
@token_required
@backing
@blp.arguments(RatingIn)
@blp.response(200, RatingOut)
@errors(401, 403, 404, 409, 422)
@blp.doc(security=TOKEN)
def rate(data, appeal_id):
    """Rate the answer 1–5 (the author and co-signers); rating again replaces it."""
    rating = services.rate_answer(_readable(appeal_id), actor=bearer_user(), **data)
    db.session.commit()
    return rating


@blp.route("/appeals/<int:appeal_id>/answers", methods=["POST"])
@token_required
@blp.arguments(AnswerIn)
@blp.response(201, AppealDetailOut)
@errors(401, 403, 404, 409, 422)
@blp.doc(security=TOKEN)
def answer(data, appeal_id):
    """Publish an answer (officials of the department handling it); ``resolve`` also marks it solved."""
    appeal = workflow.answer_appeal(_readable(appeal_id), actor=bearer_user(), **data)
    db.session.commit()
    return _detail(appeal)
