"""API: participatory budgets, read-only. Cycles (filtered by region and phase), one cycle with its parts and
projects (the review and its public reasons; votes once voting has closed), and a finished cycle's open data: JSON,
CSV, and each part as a pabulib `.pb` file (budgeting.opendata)."""

from dataclasses import dataclass

from flask import Response, abort, url_for
from marshmallow import Schema, fields, validate
from sqlalchemy.orm import selectinload

from accounts.regions import Region
from budgeting import opendata, queries
from budgeting.counting import RULES
from budgeting.models import PHASES, BudgetCycle, BudgetPart, BudgetProject, Phase
from core.db import db
from server.api import Blueprint, by_code, documented_errors
from server.api.schemas import RegionOut
from server.web.helpers import csv_response
from server.web.pagination import keyset

blp = Blueprint("api_budgets", __name__, url_prefix="/api/v1",
                description="Participatory budgets and their open data (pabulib .pb, CSV, JSON)")


def errors(*statuses):
    return documented_errors(blp, *statuses)


class CycleOut(Schema):
    id = fields.Integer()
    title = fields.String()
    region = fields.Nested(RegionOut)
    phase = fields.String(metadata={"description": " → ".join(PHASES)})
    rule = fields.String(metadata={"description": "The counting rule, as pabulib names it: " + ", ".join(RULES)})
    total_minor = fields.Integer(metadata={"description": "Minor units (hundredths) of `currency`"})
    currency = fields.String()
    ballot_style = fields.String()
    max_choices = fields.Integer(allow_none=True)
    collecting_until = fields.Date()
    reviewing_until = fields.Date()
    voting_until = fields.Date()
    imported = fields.Boolean(metadata={"description": "Loaded from a published .pb file: a read-only record"})
    description = fields.Function(lambda c: (c.source_meta or {}).get("description"), allow_none=True,
                                  metadata={"description": "The published file's description (imported cycles)"})
    created_at = fields.AwareDateTime()


class CycleProjectOut(Schema):
    id = fields.Integer()
    title = fields.String()
    description = fields.String()
    cost_minor = fields.Integer()
    status = fields.String(metadata={"description": "proposed, feasible (on the ballot) or rejected"})
    review_reason = fields.String(allow_none=True, metadata={"description": "The officials' public reason"})
    votes = fields.Integer(allow_none=True, metadata={"description": "null until voting has closed"})


@dataclass(frozen=True)
class _Listed:
    """A project as listed in its cycle: with its votes, or None while they are not public."""
    project: BudgetProject
    votes: int | None

    def __getattr__(self, name):
        return getattr(self.project, name)


class PartOut(Schema):
    id = fields.Integer()
    region = fields.Nested(RegionOut)
    amount_minor = fields.Integer()
    projects = fields.List(fields.Nested(CycleProjectOut))
    pb = fields.Function(lambda part: _pb_url(part) if part.cycle.phase == Phase.FINISHED else None,
                         allow_none=True, metadata={"description": "Its .pb file, once the cycle is finished"})

    def get_attribute(self, obj, attr, default):
        if attr == "projects":  # the part's projects, with the votes the public may see (budgeting.queries)
            totals = queries.totals(obj)
            return [_Listed(p, None if totals is None else totals.get(p.id, 0)) for p in queries.projects_of(obj)]
        return super().get_attribute(obj, attr, default)


class CycleDetailOut(CycleOut):
    parts = fields.List(fields.Nested(PartOut))
    publication = fields.Function(
        lambda c: url_for("api_budgets.publication", cycle_id=c.id) if c.phase == Phase.FINISHED else None,
        allow_none=True, metadata={"description": "Its open data, once finished"})


class CyclePage(Schema):
    items = fields.List(fields.Nested(CycleOut))
    next = fields.String(allow_none=True, metadata={"description": "Pass as `after` for the next page"})


class CycleListArgs(Schema):
    region = fields.String(metadata={"description": "Region code; includes everything inside it"})
    phase = fields.String(validate=validate.OneOf(list(PHASES)))
    after = fields.String(validate=validate.Length(max=200))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class PublishedProjectOut(Schema):
    id = fields.Integer()
    file_id = fields.String(metadata={"description": "Its project_id in the .pb file"})
    title = fields.String()
    cost_minor = fields.Integer()
    votes = fields.Integer()
    selected = fields.Boolean(metadata={"description": "Chosen under the cycle's rule"})
    status = fields.String()
    review_reason = fields.String(allow_none=True)


class PublishedPartOut(Schema):
    id = fields.Function(lambda p: p.part.id)
    region = fields.Function(lambda p: RegionOut().dump(p.part.region))
    amount_minor = fields.Function(lambda p: p.part.amount_minor)
    num_votes = fields.Integer(metadata={"description": "Ballots that chose at least one project"})
    projects = fields.List(fields.Nested(PublishedProjectOut))
    pb = fields.Function(lambda p: _pb_url(p.part))


class PublicationOut(Schema):
    cycle = fields.Nested(CycleOut)
    parts = fields.List(fields.Nested(PublishedPartOut))


def _cycle(cycle_id) -> BudgetCycle:
    cycle = db.session.get(BudgetCycle, cycle_id)
    if cycle is None:
        abort(404)
    return cycle


def _pb_url(part: BudgetPart) -> str:
    return url_for("api_budgets.part_pb", cycle_id=part.cycle_id, part_id=part.id)


@blp.route("/budgets", methods=["GET"])
@blp.arguments(CycleListArgs, location="query")
@blp.response(200, CyclePage)
def list_cycles(args):
    """Every budget cycle, newest first; filter by region (and the places inside it) and phase."""
    region = by_code(Region, args.get("region"))
    if args.get("region") and region is None:
        return {"items": [], "next": None}
    query = queries.public_cycles(region_id=region.id if region else None, phase=args.get("phase")).options(
        selectinload(BudgetCycle.region))
    rows, following, _args = keyset(query, [BudgetCycle.id], True, size=args["limit"])
    return {"items": rows, "next": following}


@blp.route("/budgets/<int:cycle_id>", methods=["GET"])
@blp.response(200, CycleDetailOut)
@errors(404)
def get_cycle(cycle_id):
    """One cycle: its parts and their projects with the officials' review; votes once voting has closed."""
    return _cycle(cycle_id)


@blp.route("/budgets/<int:cycle_id>/publication", methods=["GET"])
@blp.response(200, PublicationOut)
@errors(404, 409)
def publication(cycle_id):
    """A finished cycle's open data: every part's projects with cost, votes and whether they were selected.
    409 before the cycle is finished."""
    cycle = _cycle(cycle_id)
    opendata.check_published(cycle)
    return {"cycle": cycle, "parts": [opendata.published_part(part) for part in cycle.parts]}


@blp.route("/budgets/<int:cycle_id>/publication.csv", methods=["GET"])
@errors(404, 409)
@blp.doc(responses={"200": {"description": "One row per project (text/csv)",
                            "content": {"text/csv": {"schema": {"type": "string"}}}}})
def publication_csv(cycle_id):
    """The same open data as CSV: one row per project of every part. 409 before the cycle is finished."""
    cycle = _cycle(cycle_id)
    opendata.check_published(cycle)
    rows = [[cycle.id, part.part.id, part.part.region.code, p.id, p.file_id, p.title, f"{p.cost_minor / 100:.2f}",
             cycle.currency, p.votes, int(p.selected), p.status, p.review_reason or ""]
            for part in (opendata.published_part(part) for part in cycle.parts) for p in part.projects]
    return csv_response(f"budget-{cycle.id}.csv", ["cycle_id", "part_id", "region", "project_id", "file_id",
                                                   "title", "cost", "currency", "votes", "selected", "status",
                                                   "review_reason"], rows)


@blp.route("/budgets/<int:cycle_id>/parts/<int:part_id>.pb", methods=["GET"])
@errors(404, 409)
@blp.doc(responses={"200": {"description": "The part's votes in the pabulib format (https://pabulib.org/format); "
                                           "voters are numbered anonymously",
                            "content": {"text/plain": {"schema": {"type": "string"}}}}})
def part_pb(cycle_id, part_id):
    """One part of a finished cycle as a pabulib `.pb` file, to recount with any tool. 409 before it is finished."""
    part = db.session.get(BudgetPart, part_id)
    if part is None or part.cycle_id != _cycle(cycle_id).id:
        abort(404)
    return Response(opendata.pb_file(part), mimetype="text/plain",
                    headers={"Content-Disposition": f"attachment; filename=budget-{cycle_id}-part-{part_id}.pb"})
