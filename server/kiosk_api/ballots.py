"""Budget ballots at the kiosk: the ballots a kiosk offers (part of its content, for offline use) and a ballot
cast there with a one-time code, delivered exactly once (idempotent on the kiosk's UUID)."""

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from budgeting import in_person
from budgeting.models import BudgetCycle
from core.db import db
from core.errors import NotFound
from server.kiosk_api.endpoints import DEVICE, blp, errors, kiosk_required
from server.web.tokens import current_kiosk


class ChoiceIn(Schema):
    part_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1))
    projects = fields.List(fields.Integer(strict=True, validate=validate.Range(min=1, max=2**31 - 1)),
                           load_default=list, validate=validate.Length(max=500))


class KioskBallotIn(Schema):
    uuid = fields.String(required=True, validate=validate.Length(min=1, max=36),
                         metadata={"description": "Made by the kiosk; a retry with it is harmless"})
    cycle_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1))
    code = fields.String(required=True, validate=validate.Length(max=40),
                         metadata={"description": "The one-time ballot code the resident typed (8 digits)"})
    cast_at = fields.AwareDateTime(required=True, metadata={
        "description": "When the resident confirmed it; cast before voting closed, it counts when it arrives later"})
    parts = fields.List(fields.Nested(ChoiceIn), required=True, validate=validate.Length(min=1, max=20))


class KioskBallotOut(Schema):
    uuid = fields.String(attribute="ballot_uuid")
    cast_at = fields.AwareDateTime(attribute="used_at")


@blp.route("/ballots", methods=["POST"])
@kiosk_required
@blp.arguments(KioskBallotIn)
@blp.response(201, KioskBallotOut, description="Recorded now")
@blp.alt_response(200, schema=KioskBallotOut, description="Recorded before (a retry): the same ballot")
@errors(401, 403, 404, 409, 422)
@blp.doc(security=DEVICE)
def cast_ballot(data):
    """Deliver a budget ballot cast at the kiosk with a one-time code. 404: no such code; 409: the code was used
    by another ballot, cancelled, or voting closed before the ballot was cast."""
    cycle = db.session.scalar(select(BudgetCycle).where(BudgetCycle.id == data["cycle_id"]))
    if cycle is None:
        raise NotFound(field="cycle_id")
    choices = {}
    for choice in data["parts"]:
        choices.setdefault(choice["part_id"], []).extend(choice["projects"])
    row, new = in_person.cast_at_kiosk(cycle, kiosk=current_kiosk(), code=data["code"], uuid=data["uuid"],
                                       cast_at=data["cast_at"], choices=choices)
    db.session.commit()
    return row, 201 if new else 200
