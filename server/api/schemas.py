"""Marshmallow schemas of the JSON API; the OpenAPI document is generated from these."""

from marshmallow import Schema, fields, validate

from proposals.comments import Stance
from proposals.models import ProposalStatus, Scope
from voting.models import PledgeKind


class ErrorBody(Schema):
    code = fields.String(required=True, metadata={"description": "Machine-readable, e.g. not_found, invalid_input"})
    status = fields.Integer(required=True)
    message = fields.String(required=True, metadata={"description": "In the language of Accept-Language"})
    field = fields.String(metadata={"description": "The input field the error is about, when there is one"})
    field_errors = fields.Dict(data_key="fields", keys=fields.String(),
                               metadata={"description": "Per-field messages for invalid input"})


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBody, required=True)


class RegionOut(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    level = fields.String()


class ProposalOut(Schema):
    id = fields.Integer()
    title = fields.String()
    body = fields.String()
    language = fields.String()
    category = fields.Function(lambda p: p.category.code)
    region = fields.Nested(RegionOut)
    author = fields.Function(lambda p: p.author.shown_name)
    status = fields.String()
    scope = fields.String()
    supports_count = fields.Integer()
    address = fields.String(allow_none=True)
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    goal_minor = fields.Integer(allow_none=True, metadata={"description": "Funding goal in minor units (fen)"})
    currency = fields.String()
    deadline = fields.AwareDateTime(allow_none=True)
    in_kind_counts = fields.Boolean()
    funded = fields.Boolean(allow_none=True)
    qualified_at = fields.AwareDateTime(allow_none=True)
    closing_reason = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()


class ProposalPage(Schema):
    items = fields.List(fields.Nested(ProposalOut))
    next = fields.String(allow_none=True, metadata={"description": "Pass as `after` for the next page"})


class ProposalListArgs(Schema):
    region = fields.String(metadata={"description": "Region code; includes everything inside it"})
    category = fields.String(metadata={"description": "Category code"})
    status = fields.String(validate=validate.OneOf([s.value for s in ProposalStatus]))
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "Words in title or text"})
    sort = fields.String(load_default="newest",
                         validate=validate.OneOf(["newest", "supported", "trending", "closing"]))
    after = fields.String(validate=validate.Length(max=200))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class ProposalIn(Schema):
    title = fields.String(required=True)
    body = fields.String(required=True)
    category = fields.String(required=True, metadata={"description": "Category code"})
    village = fields.String(required=True, metadata={"description": "Village region code"})
    scope = fields.String(load_default="village", validate=validate.OneOf([s.value for s in Scope]))
    language = fields.String(load_default="zh_Hans", validate=validate.OneOf(["zh_Hans", "en"]))
    address = fields.String(load_default=None, allow_none=True)
    latitude = fields.Float(load_default=None, allow_none=True)
    longitude = fields.Float(load_default=None, allow_none=True)
    goal_minor = fields.Integer(load_default=None, allow_none=True, strict=True,
                                validate=validate.Range(min=1, max=10**13))
    deadline = fields.AwareDateTime(load_default=None, allow_none=True)
    in_kind_counts = fields.Boolean(load_default=False)


class SupportOut(Schema):
    supports_count = fields.Integer()
    supported = fields.Boolean()
    status = fields.String()


class CommentOut(Schema):
    id = fields.Integer()
    parent_id = fields.Integer(allow_none=True)
    author = fields.Function(lambda c: c.author.shown_name)
    stance = fields.String()
    body = fields.Function(lambda c: None if c.hidden_at else c.body)
    hidden_reason = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    edited_at = fields.AwareDateTime(allow_none=True)


class CommentIn(Schema):
    body = fields.String(required=True)
    stance = fields.String(load_default="neutral", validate=validate.OneOf([s.value for s in Stance]))
    reply_to = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=2**31 - 1))


class PledgeOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    backer = fields.String(allow_none=True, metadata={"description": "null when anonymous (officials see names)"})
    amount_minor = fields.Integer(allow_none=True)
    currency = fields.String()
    hours = fields.Integer(allow_none=True)
    skill = fields.String(allow_none=True)
    availability = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    quantity = fields.Float(allow_none=True, metadata={"description": "Materials pledges: how much, in unit"})
    unit = fields.String(allow_none=True)
    estimated_value_minor = fields.Integer(allow_none=True)
    anonymous = fields.Boolean()
    status = fields.String()
    created_at = fields.AwareDateTime()


class PledgeIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in PledgeKind]))
    amount_minor = fields.Integer(load_default=None, allow_none=True, strict=True,
                                  validate=validate.Range(min=1, max=10**13),
                                  metadata={"description": "Money pledges: minor units (fen)"})
    hours = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(min=1, max=10**6))
    skill = fields.String(load_default="")
    availability = fields.String(load_default="")
    description = fields.String(load_default="")
    quantity = fields.Decimal(load_default=None, allow_none=True)
    unit = fields.String(load_default="")
    estimated_value_minor = fields.Integer(load_default=None, allow_none=True, strict=True,
                                           validate=validate.Range(min=0, max=10**13))
    anonymous = fields.Boolean(load_default=False)


class RecommendationIn(Schema):
    note = fields.String(load_default=None, allow_none=True, metadata={"description": "Why, for the deciders"})


class RecommendationOut(Schema):
    id = fields.Integer()
    proposal_id = fields.Integer()
    note = fields.String(allow_none=True)
    departments = fields.Function(lambda r: [d.code for d in r.departments], metadata={
        "description": "Codes of the departments that decide and were told"})
    created_at = fields.AwareDateTime()
