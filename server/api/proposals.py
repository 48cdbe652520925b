"""API: proposals (list, search, detail, create), comments, supports and pledges."""

from flask import abort, current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from accounts.regions import Category, Region
from core.db import commit_with_retry, db
from projects import recommendations
from proposals import discussion, services
from proposals.comments import Comment
from proposals.models import Proposal
from proposals.queries import deciding_departments, public_proposals, visible_proposal
from server.api import Blueprint, by_code, documented_errors, token_required
from server.api.schemas import (
    CommentIn,
    CommentOut,
    PledgeIn,
    PledgeOut,
    ProposalIn,
    ProposalListArgs,
    ProposalOut,
    ProposalPage,
    RecommendationIn,
    RecommendationOut,
    SupportOut,
)
from server.web.limits import backing, limited_posting
from server.web.pagination import keyset
from server.web.tokens import bearer_user
from voting import pledges as pledging
from voting import supports as voting
from voting.models import Pledge

blp = Blueprint("api_proposals", __name__, url_prefix="/api/v1", description="Proposals, supports, pledges")
TOKEN = [{"token": []}]


def errors(*statuses):
    """Document the error responses an endpoint can give."""
    return documented_errors(blp, *statuses)


def _proposal(proposal_id) -> Proposal:
    return visible_proposal(bearer_user(), proposal_id) or abort(404)


@blp.route("/proposals", methods=["GET"])
@blp.arguments(ProposalListArgs, location="query")
@blp.response(200, ProposalPage)
def list_proposals(args):
    """List proposals: filter by region, category and status, search words, sort; keyset-paged."""
    region, category = by_code(Region, args.get("region")), by_code(Category, args.get("category"))
    if args.get("region") and region is None or args.get("category") and category is None:
        return {"items": [], "next": None}  # an unknown code matches nothing (the web page ignores bad ids)
    query, columns, descending = public_proposals(region=region, category=category, status=args.get("status"),
                                                  q=args.get("q", ""), sort=args["sort"])
    query = query.options(selectinload(Proposal.category), selectinload(Proposal.region),
                          selectinload(Proposal.author))
    rows, following, _args = keyset(query, columns, descending, size=args["limit"])
    return {"items": rows, "next": following}


@blp.route("/proposals", methods=["POST"])
@token_required
@limited_posting
@blp.arguments(ProposalIn)
@blp.response(201, ProposalOut)
@errors(401, 403)
@blp.doc(security=TOKEN)
def create_proposal(data):
    """Put forward a proposal (residents)."""
    village, category = by_code(Region, data.pop("village")), by_code(Category, data.pop("category"))
    proposal = services.create_proposal(actor=bearer_user(), village=village, category=category,
                                        currency=current_app.config.get("MINYI_CURRENCY", "CNY"), **data)
    db.session.commit()
    return proposal


@blp.route("/proposals/<int:proposal_id>", methods=["GET"])
@blp.response(200, ProposalOut)
@errors(404)
def get_proposal(proposal_id):
    """One proposal."""
    return _proposal(proposal_id)


@blp.route("/proposals/<int:proposal_id>/support", methods=["GET"])
@blp.response(200, SupportOut)
@errors(404)
def get_support(proposal_id):
    """The support count, and whether the token's owner supports it."""
    proposal = _proposal(proposal_id)
    return {"supports_count": proposal.supports_count, "status": proposal.status,
            "supported": voting.has_supported(proposal, bearer_user())}


@blp.route("/proposals/<int:proposal_id>/support", methods=["PUT"])
@token_required
@backing
@blp.response(200, SupportOut)
@errors(401, 403, 404, 409)
@blp.doc(security=TOKEN)
def cast_support(proposal_id):
    """Support a proposal (verified residents in its scope; once)."""
    return _support_state(proposal_id, voting.cast_support)


@blp.route("/proposals/<int:proposal_id>/support", methods=["DELETE"])
@token_required
@backing
@blp.response(200, SupportOut)
@errors(401, 404, 409)
@blp.doc(security=TOKEN)
def withdraw_support(proposal_id):
    """Withdraw your support while the proposal is open."""
    return _support_state(proposal_id, voting.withdraw_support)


def _support_state(proposal_id, action):
    proposal = _proposal(proposal_id)
    commit_with_retry(lambda: action(db.session.get(Proposal, proposal.id), actor=bearer_user()))
    proposal = db.session.get(Proposal, proposal_id)
    return {"supports_count": proposal.supports_count, "status": proposal.status,
            "supported": voting.has_supported(proposal, bearer_user())}


@blp.route("/proposals/<int:proposal_id>/comments", methods=["GET"])
@blp.response(200, CommentOut(many=True))
@errors(404)
def list_comments(proposal_id):
    """The discussion, oldest first; hidden comments keep their place without their text."""
    proposal = _proposal(proposal_id)
    return db.session.scalars(select(Comment).where(Comment.proposal_id == proposal.id)
                              .options(selectinload(Comment.author)).order_by(Comment.id)).all()


@blp.route("/proposals/<int:proposal_id>/comments", methods=["POST"])
@token_required
@limited_posting
@blp.arguments(CommentIn)
@blp.response(201, CommentOut)
@errors(401, 403, 404, 409)
@blp.doc(security=TOKEN)
def post_comment(data, proposal_id):
    """Comment (for, against or neutral), or reply to a comment."""
    proposal = _proposal(proposal_id)
    reply_to = db.session.get(Comment, data["reply_to"]) if data.get("reply_to") else None
    if data.get("reply_to") and reply_to is None:
        abort(404)
    comment = discussion.post_comment(proposal, actor=bearer_user(), body=data["body"], stance=data["stance"],
                                      reply_to=reply_to)
    db.session.commit()
    return comment


@blp.route("/proposals/<int:proposal_id>/recommendations", methods=["POST"])
@token_required
@limited_posting
@blp.arguments(RecommendationIn)
@blp.response(201, RecommendationOut)
@errors(401, 403, 404, 409, 422)
@blp.doc(security=TOKEN)
def recommend(data, proposal_id):
    """Recommend a qualified proposal to the departments that may make it a project (officials of its area whose
    department may not: 403 for others, 409 for its own deciders or a second recommendation)."""
    proposal = _proposal(proposal_id)
    made = recommendations.recommend(proposal, actor=bearer_user(), note=data["note"])
    made.departments = deciding_departments(proposal)
    db.session.commit()
    return made


PLEDGE_FIELDS = [name for name in PledgeOut().fields if name != "backer"]


def _pledge_view(pledge: Pledge) -> dict:
    view = {name: getattr(pledge, name) for name in PLEDGE_FIELDS}
    view["backer"] = pledge.backer.shown_name if pledging.backer_shown_to(pledge, bearer_user()) else None
    return view


@blp.route("/proposals/<int:proposal_id>/pledges", methods=["GET"])
@blp.response(200, PledgeOut(many=True))
@errors(404)
def list_pledges(proposal_id):
    """Pledges toward the goal (cancelled ones are left out)."""
    proposal = _proposal(proposal_id)
    rows = db.session.scalars(select(Pledge).where(Pledge.proposal_id == proposal.id, Pledge.status != "cancelled")
                              .options(selectinload(Pledge.backer)).order_by(Pledge.id)).all()
    return [_pledge_view(p) for p in rows]


@blp.route("/proposals/<int:proposal_id>/pledges", methods=["POST"])
@token_required
@backing
@blp.arguments(PledgeIn)
@blp.response(201, PledgeOut)
@errors(401, 403, 404, 409)
@blp.doc(security=TOKEN)
def create_pledge(data, proposal_id):
    """Pledge money (minor units), volunteer hours or materials."""
    proposal = _proposal(proposal_id)
    pledge = pledging.pledge_to(proposal, actor=bearer_user(), **data)
    db.session.commit()
    return _pledge_view(pledge)


@blp.route("/pledges/<int:pledge_id>", methods=["DELETE"])
@token_required
@backing
@blp.response(200, PledgeOut)
@errors(401, 403, 404, 409)
@blp.doc(security=TOKEN)
def cancel_pledge(pledge_id):
    """Cancel your pledge before the deadline."""
    pledge = db.session.get(Pledge, pledge_id) or abort(404)
    pledging.cancel_pledge(pledge, actor=bearer_user())
    db.session.commit()
    return _pledge_view(pledge)

