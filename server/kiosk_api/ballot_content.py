"""The budget ballots a kiosk offers, sent with its content for offline use (``GET /api/v1/kiosk/content``)."""

from marshmallow import Schema, fields

from budgeting import queries


class ProjectOnBallot(Schema):
    id = fields.Integer()
    title = fields.String()
    cost_minor = fields.Integer(metadata={"description": "What it costs, in fen"})


class PartOnBallot(Schema):
    id = fields.Integer()
    name = fields.String(metadata={"description": "The area whose residents vote in it"})
    amount_minor = fields.Integer(metadata={"description": "Its money, in fen"})
    projects = fields.List(fields.Nested(ProjectOnBallot))


class BudgetBallotOut(Schema):
    cycle_id = fields.Integer()
    title = fields.String()
    limits_money = fields.Boolean(metadata={"description": "A ballot may not cost more than its part's money"})
    max_choices = fields.Integer(allow_none=True, metadata={"description": "The most projects a ballot may choose"})
    voting_until = fields.Date()
    parts = fields.List(fields.Nested(PartOnBallot))


def ballots_here(kiosk) -> list[dict]:
    """The ballots a kiosk offers, in its content."""
    return [{"cycle_id": cycle.id, "title": cycle.title, "limits_money": cycle.limits_money,
             "max_choices": cycle.max_choices if cycle.limits_count else None, "voting_until": cycle.voting_until,
             "parts": [{"id": part.id, "name": part.region.name, "amount_minor": part.amount_minor,
                        "projects": projects} for part, projects in parts]}
            for cycle, parts in queries.ballots_at(kiosk.region_id)]
