"""API: projects (list, detail with milestones, timeline and money trail), the officials' updates, milestones
and payments, and residents' ratings."""

from flask import abort
from marshmallow import Schema, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from accounts.regions import Region
from core.db import db
from projects import money, progress
from projects.models import Expenditure, Milestone, Project, ProjectStatus, ProjectUpdate
from projects.money import money_trail
from projects.progress import complete_milestone, late_milestones, percent_done
from projects.queries import public_projects
from projects.ratings import rate_project, rating_of
from server.api import Blueprint, by_code, documented_errors, token_required
from server.api.schemas import RegionOut
from server.web.limits import backing
from server.web.pagination import keyset
from server.web.tokens import bearer_user

blp = Blueprint("api_projects", __name__, url_prefix="/api/v1", description="Projects and their money trail")
TOKEN = [{"token": []}]


def errors(*statuses):
    return documented_errors(blp, *statuses)


class MilestoneOut(Schema):
    id = fields.Integer()
    title = fields.String()
    target_on = fields.Date()
    weight = fields.Integer()
    done_on = fields.Date(allow_none=True)


class UpdateOut(Schema):
    id = fields.Integer()
    body = fields.String()
    created_at = fields.AwareDateTime()


class ExpenditureOut(Schema):
    id = fields.Integer()
    amount_minor = fields.Integer()
    spent_on = fields.Date()
    payee = fields.String()
    purpose = fields.String()
    source = fields.String(metadata={"description": "public (funds) or residents (their collected money)"})
    receipt_number = fields.String(allow_none=True)


class MoneyOut(Schema):
    budget_public = fields.Integer()
    spent_public = fields.Integer()
    remaining_public = fields.Integer()
    pledged_money = fields.Integer()
    collected = fields.Integer()
    spent_residents = fields.Integer()
    remaining_residents = fields.Integer()
    pledged_in_kind = fields.Integer()
    total_available = fields.Integer()
    total_spent = fields.Integer()
    total_remaining = fields.Integer()


class ProjectOut(Schema):
    id = fields.Integer()
    title = fields.String()
    description = fields.String()
    status = fields.String()
    region = fields.Nested(RegionOut)
    department = fields.Function(lambda p: p.department.code)
    currency = fields.String()
    start_on = fields.Date()
    target_on = fields.Date()
    completed_at = fields.AwareDateTime(allow_none=True)
    progress = fields.Function(lambda p: percent_done(p), metadata={"description": "Per cent, from milestones"})
    late_milestones = fields.Function(lambda p: len(late_milestones(p)))


class ProjectDetailOut(ProjectOut):
    milestones = fields.List(fields.Nested(MilestoneOut))
    updates = fields.Function(lambda p: UpdateOut(many=True).dump(db.session.scalars(
        select(ProjectUpdate).where(ProjectUpdate.project_id == p.id).order_by(ProjectUpdate.id.desc()))))
    expenditures = fields.Function(lambda p: ExpenditureOut(many=True).dump(db.session.scalars(
        select(Expenditure).where(Expenditure.project_id == p.id).order_by(Expenditure.id))))
    money = fields.Function(lambda p: MoneyOut().dump(money_trail(p)))
    sources = fields.Function(lambda p: [{"proposal": s.proposal_id, "appeal": s.appeal_id} for s in p.sources])
    rating = fields.Function(lambda p: dict(zip(("average", "count"), rating_of(p), strict=True)))


class ProjectPage(Schema):
    items = fields.List(fields.Nested(ProjectOut))
    next = fields.String(allow_none=True)


class ProjectListArgs(Schema):
    status = fields.String(validate=validate.OneOf([s.value for s in ProjectStatus]))
    region = fields.String(metadata={"description": "Region code; includes everything inside it"})
    after = fields.String(validate=validate.Length(max=200))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class UpdateIn(Schema):
    body = fields.String(required=True)


class MilestoneIn(Schema):
    title = fields.String(required=True)
    target_on = fields.Date(required=True)
    weight = fields.Integer(load_default=1, strict=True)


class ExpenditureIn(Schema):
    amount_minor = fields.Integer(required=True, strict=True)
    spent_on = fields.Date(required=True)
    payee = fields.String(required=True)
    purpose = fields.String(required=True)
    source = fields.String(required=True, validate=validate.OneOf(["public", "residents"]))
    receipt_number = fields.String(load_default=None, allow_none=True)


class ProjectRatingIn(Schema):
    score = fields.Integer(required=True, strict=True)
    comment = fields.String(load_default=None, allow_none=True)


class ProjectRatingOut(Schema):
    score = fields.Integer()
    comment = fields.String(allow_none=True)


def _project(project_id) -> Project:
    project = db.session.get(Project, project_id)
    if project is None:
        abort(404)
    return project


@blp.route("/projects", methods=["GET"])
@blp.arguments(ProjectListArgs, location="query")
@blp.response(200, ProjectPage)
def list_projects(args):
    """Every project, newest first; filter by status and region."""
    region = by_code(Region, args.get("region"))
    if args.get("region") and region is None:
        return {"items": [], "next": None}
    query = public_projects(region=region, status=args.get("status")).options(
        selectinload(Project.milestones), selectinload(Project.department), selectinload(Project.region))
    rows, following, _args = keyset(query, [Project.id], True, size=args["limit"])
    return {"items": rows, "next": following}


@blp.route("/projects/<int:project_id>", methods=["GET"])
@blp.response(200, ProjectDetailOut)
@errors(404)
def get_project(project_id):
    """One project: milestones, timeline, payments, the money by source, sources, residents' rating."""
    return _project(project_id)


@blp.route("/projects/<int:project_id>/updates", methods=["POST"])
@token_required
@blp.arguments(UpdateIn)
@blp.response(201, UpdateOut)
@errors(401, 403, 404, 422)
@blp.doc(security=TOKEN)
def post_update(data, project_id):
    """A progress report (officials of the responsible department)."""
    update = progress.post_update(_project(project_id), actor=bearer_user(), **data)
    db.session.commit()
    return update


@blp.route("/projects/<int:project_id>/milestones", methods=["POST"])
@token_required
@blp.arguments(MilestoneIn)
@blp.response(201, MilestoneOut)
@errors(401, 403, 404, 422)
@blp.doc(security=TOKEN)
def add_milestone(data, project_id):
    """A new milestone (officials of the responsible department)."""
    milestone = progress.add_milestone(_project(project_id), actor=bearer_user(), **data)
    db.session.commit()
    return milestone


@blp.route("/projects/<int:project_id>/milestones/<int:milestone_id>/done", methods=["PUT"])
@token_required
@blp.response(200, MilestoneOut)
@errors(401, 403, 404, 409)
@blp.doc(security=TOKEN)
def milestone_done(project_id, milestone_id):
    """Mark a milestone done today (officials of the responsible department)."""
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None or milestone.project_id != _project(project_id).id:
        abort(404)
    complete_milestone(milestone, actor=bearer_user())
    db.session.commit()
    return milestone


@blp.route("/projects/<int:project_id>/expenditures", methods=["POST"])
@token_required
@blp.arguments(ExpenditureIn)
@blp.response(201, ExpenditureOut)
@errors(401, 403, 404, 422)
@blp.doc(security=TOKEN)
def record_expenditure(data, project_id):
    """A payment out of the project's money, in minor units (officials of the responsible department)."""
    expenditure = money.record_expenditure(_project(project_id), actor=bearer_user(), **data)
    db.session.commit()
    return expenditure


@blp.route("/projects/<int:project_id>/rating", methods=["PUT"])
@token_required
@backing
@blp.arguments(ProjectRatingIn)
@blp.response(200, ProjectRatingOut)
@errors(401, 403, 404, 409, 422)
@blp.doc(security=TOKEN)
def rate(data, project_id):
    """Rate a finished project 1–5 (residents of its area and its backers); rating again replaces it."""
    rating = rate_project(_project(project_id), actor=bearer_user(), **data)
    db.session.commit()
    return rating
