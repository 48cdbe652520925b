"""Marshmallow schemas of the appeals part of the JSON API."""

from flask import url_for
from marshmallow import Schema, fields, validate

from appeals.models import AppealStatus
from appeals.queries import BOARD_SORTS
from server.api.schemas import RegionOut


class AppealEventOut(Schema):
    kind = fields.String()
    body = fields.String(allow_none=True)
    public = fields.Boolean(metadata={"description": "false: internal, shown to the handling officials only"})
    created_at = fields.AwareDateTime()
    audio = fields.Function(
        lambda e: url_for("appeals.answer_audio", appeal_id=e.appeal_id, event_id=e.id, _external=True)
        if e.audio_file else None, allow_none=True,
        metadata={"description": "An answer the official also spoke: its recording (audio/ogg), ``body`` being its "
                                 "transcript; null for written words only"})
    audio_seconds = fields.Float(allow_none=True)


class AppealOut(Schema):
    id = fields.Integer()
    title = fields.String(metadata={"description": "A short line naming the problem: typed by its author, else the "
                                                  "first sentence of ``body``"})
    body = fields.String()
    language = fields.String()
    category = fields.Function(lambda a: a.category.code)
    region = fields.Nested(RegionOut)
    department = fields.Function(lambda a: a.department.code if a.department else None, allow_none=True)
    channel = fields.String()
    public = fields.Boolean()
    status = fields.String()
    address = fields.String(allow_none=True)
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    cosigns_count = fields.Integer()
    reopened_count = fields.Integer()
    closing_reason = fields.String(allow_none=True)
    duplicate_of = fields.Integer(attribute="duplicate_of_id", allow_none=True)
    created_at = fields.AwareDateTime()
    due_at = fields.AwareDateTime(allow_none=True)
    answered_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)


class AppealDetailOut(AppealOut):
    receipt_code = fields.String(attribute="receipt_code_shown", allow_none=True,
                                 metadata={"description": "Only for its author, co-signers and officials"})
    events = fields.List(fields.Nested(AppealEventOut))


class AppealPage(Schema):
    items = fields.List(fields.Nested(AppealOut))
    next = fields.String(allow_none=True, metadata={"description": "Pass as `after` for the next page"})


class AppealListArgs(Schema):
    region = fields.String(metadata={"description": "Region code; includes everything inside it"})
    category = fields.String(metadata={"description": "Category code"})
    status = fields.String(validate=validate.OneOf([s.value for s in AppealStatus]))
    q = fields.String(validate=validate.Length(max=200), metadata={
        "description": "Words to look for in the title or text (every word must appear)"})
    sort = fields.String(load_default="newest", validate=validate.OneOf(list(BOARD_SORTS)), metadata={
        "description": "newest, oldest, cosigned (most co-signed first) or answered (recently answered first; "
                       "answered appeals only)"})
    after = fields.String(validate=validate.Length(max=200))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class AppealIn(Schema):
    title = fields.String(load_default=None, allow_none=True, metadata={
        "description": "A short line naming the problem (at most 120 characters); left out, the first sentence of "
                       "body is the title"})
    body = fields.String(required=True)
    category = fields.String(required=True, metadata={"description": "Category code"})
    village = fields.String(required=True, metadata={"description": "Village region code"})
    public = fields.Boolean(load_default=True)
    language = fields.String(load_default="zh_Hans", validate=validate.OneOf(["zh_Hans", "en"]))
    address = fields.String(load_default=None, allow_none=True)
    latitude = fields.Float(load_default=None, allow_none=True)
    longitude = fields.Float(load_default=None, allow_none=True)
    contact_phone = fields.String(load_default=None, allow_none=True)
    sms_ok = fields.Boolean(load_default=True, data_key="sms", metadata={
        "description": "Whether the answer may be sent by SMS to contact_phone (its first words and the receipt code)"})
    contact_email = fields.String(load_default=None, allow_none=True)


class CosignOut(Schema):
    cosigns_count = fields.Integer()
    joined = fields.Boolean()


class RatingIn(Schema):
    score = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(load_default=None, allow_none=True)


class RatingOut(Schema):
    score = fields.Integer()
    comment = fields.String(allow_none=True)


class AnswerIn(Schema):
    body = fields.String(required=True)
    resolve = fields.Boolean(load_default=False)
