"""API for voice kiosks: enrolment, spoken appeals (idempotent on the kiosk's UUID), status by receipt code,
the village's content for offline use, and the heartbeat.

A kiosk authenticates with its device token (``Authorization: Bearer kiosk_...``); a revoked kiosk gets 401."""

import json
from functools import wraps

from flask import abort, current_app, request
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from accounts.regions import Category, region_tree
from appeals import audio
from appeals import kiosk as kiosk_appeals
from appeals.models import AppealEvent, EventKind
from appeals.queries import visible_events
from appeals.services import find_by_receipt
from core.db import db
from core.errors import InvalidInput
from core.storage import uploads
from kiosk_fleet import kiosks, speech_models
from projects.models import Project, ProjectUpdate
from projects.progress import percent_done
from proposals.models import ACTIVE, Proposal, Scope
from server.api import Blueprint, documented_errors
from server.api.schemas import RegionOut
from server.extensions import limiter
from server.kiosk_api.ballot_content import BudgetBallotOut, ballots_here
from server.web.errors import error_response
from server.web.helpers import send_stored
from server.web.limits import kiosk_receipts, kiosk_uploads
from server.web.tokens import current_kiosk
from wire.protocol import API_PATH

blp = Blueprint("api_kiosk", __name__, url_prefix="/api/v1/kiosk", description="Voice kiosks")
DEVICE = [{"kiosk": []}]


def errors(*statuses):
    return documented_errors(blp, *statuses)


def kiosk_required(view):
    """401 with a WWW-Authenticate challenge unless a live device token is sent."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_kiosk() is None:
            response = error_response(401, str(_l("This kiosk is not enrolled, or it was taken out of service.")))
            response.headers["WWW-Authenticate"] = 'Bearer realm="minyi-kiosk"'
            return response
        return view(*args, **kwargs)

    return wrapped


class CategoryOut(Schema):
    code = fields.String()
    name_zh = fields.String()
    name_en = fields.String(allow_none=True)


class KioskOut(Schema):
    id = fields.Integer()
    name = fields.String()
    village = fields.Nested(RegionOut, attribute="region")
    language = fields.String()
    receipt_prefix = fields.String(metadata={"description": "Every receipt code the kiosk makes starts with it"})
    category = fields.String(attribute="category.code", metadata={"description": "Category used when none is picked"})


class EnrollIn(Schema):
    code = fields.String(required=True, validate=validate.Length(max=40))
    version = fields.String(validate=validate.Length(max=40))


class EnrollOut(Schema):
    token = fields.String(metadata={"description": "The device token: keep it secret, it is shown only once"})
    kiosk = fields.Nested(KioskOut)


class KioskAppealIn(Schema):
    uuid = fields.String(required=True, metadata={"description": "Made by the kiosk; a retry with it is harmless"})
    receipt_code = fields.String(required=True, validate=validate.Length(max=20))
    transcript = fields.String(load_default="", validate=validate.Length(max=20000))
    words = fields.String(validate=validate.Length(max=200_000), metadata={"description": 'JSON list of {"word", "conf"}'})
    category = fields.String(validate=validate.Length(max=40))
    contact_phone = fields.String(validate=validate.Length(max=40))
    sms = fields.Boolean(load_default=True, metadata={"description": "false: the resident wants no SMS of the answer"})
    public = fields.Boolean(load_default=False)
    voice_only = fields.Boolean(load_default=False, metadata={
        "description": "The recording is the appeal: recognition found nothing sure, or the resident said the "
                       "read-back was wrong. An official listens and writes it down."})


class KioskAppealFiles(Schema):
    audio = fields.Raw(required=True, metadata={"type": "string", "format": "binary",
                                                "description": "Ogg/Opus (or WAV) recording"})


class KioskAppealOut(Schema):
    id = fields.Integer()
    uuid = fields.String(attribute="client_uuid")
    receipt_code = fields.String()
    status = fields.String()
    created_at = fields.AwareDateTime()


class AnswerOut(Schema):
    body = fields.String()
    created_at = fields.AwareDateTime()
    audio = fields.String(allow_none=True, metadata={
        "description": "The answer in the official's own voice (Ogg): GET this path with the device token; null when "
                       "the answer was written only. ``body`` is its transcript."})
    audio_seconds = fields.Float(allow_none=True)


class StatusOut(Schema):
    receipt_code = fields.String()
    status = fields.String()
    created_at = fields.AwareDateTime()
    answered_at = fields.AwareDateTime(allow_none=True)
    closing_reason = fields.String(allow_none=True)
    answers = fields.List(fields.Nested(AnswerOut), metadata={"description": "The officials' public answers"})


class ProposalBrief(Schema):
    id = fields.Integer()
    title = fields.String()
    status = fields.String()
    supports_count = fields.Integer()


class ProjectBrief(Schema):
    id = fields.Integer()
    title = fields.String()
    status = fields.String()
    progress = fields.Integer(metadata={"description": "Per cent done"})
    news = fields.String(allow_none=True, metadata={"description": "The latest progress report"})


class ContentOut(Schema):
    kiosk = fields.Nested(KioskOut)
    categories = fields.List(fields.Nested(CategoryOut))
    proposals = fields.List(fields.Nested(ProposalBrief), metadata={"description": "The village's most supported"})
    projects = fields.List(fields.Nested(ProjectBrief), metadata={"description": "Projects here, newest first"})
    budgets = fields.List(fields.Nested(BudgetBallotOut), metadata={
        "description": "Budget ballots open here: a resident votes on them with a code from the village office"})


class HeartbeatIn(Schema):
    version = fields.String(validate=validate.Length(max=40))
    queue_length = fields.Integer(strict=True, validate=validate.Range(min=0, max=10**9))
    refused = fields.Integer(strict=True, validate=validate.Range(min=0, max=10**9),
                             metadata={"description": "Appeals the server refused for good, kept on the kiosk"})
    last_sync_at = fields.AwareDateTime(allow_none=True)
    free_disk_bytes = fields.Integer(strict=True, validate=validate.Range(min=0, max=2**62))
    model = fields.String(validate=validate.Length(max=120))


class HeartbeatOut(Schema):
    state = fields.String()


class ModelOut(Schema):
    name = fields.String()
    language = fields.String()
    sha256 = fields.String()
    size_bytes = fields.Integer()
    unpacked_bytes = fields.Integer()
    download = fields.Function(lambda m: f"/api/v1/kiosk/model/{m.sha256}.zip",
                               metadata={"description": "GET with the device token; Range requests resume"})


@blp.route("/enroll", methods=["POST"])
@limiter.limit("10 per minute")
@blp.arguments(EnrollIn)
@blp.response(201, EnrollOut)
@errors(422, 429)
def enroll(data):
    """Exchange the one-time enrolment code from the admin for the kiosk's device token."""
    kiosk, token = kiosks.enroll(data["code"], version=data.get("version"))
    db.session.commit()
    return {"token": token, "kiosk": kiosk}


@blp.route("/me", methods=["GET"])
@kiosk_required
@blp.response(200, KioskOut)
@errors(401)
@blp.doc(security=DEVICE)
def me():
    """The kiosk's own settings (its village, language, receipt prefix)."""
    return current_kiosk()


@blp.route("/appeals", methods=["POST"])
@kiosk_required
@kiosk_uploads
@blp.arguments(KioskAppealIn, location="form")
@blp.arguments(KioskAppealFiles, location="files")
@blp.response(201, KioskAppealOut, description="Filed now")
@blp.alt_response(200, schema=KioskAppealOut, description="Filed before (a retry): the same appeal")
@errors(401, 409, 413, 422)
@blp.doc(security=DEVICE)
def send_appeal(data, files):
    """Deliver a spoken appeal with its recording. Sending it again with the same ``uuid`` files nothing new."""
    words = None
    if data.get("words"):
        try:
            words = json.loads(data["words"])
        except (ValueError, RecursionError):
            raise InvalidInput(_l("The recognized words are not in the expected form."), field="words") from None
    appeal, new = kiosk_appeals.submit_kiosk_appeal(
        current_kiosk(), uuid=data["uuid"], receipt_code=data["receipt_code"], transcript=data["transcript"],
        words=words, category=data.get("category"), contact_phone=data.get("contact_phone"),
        public=data["public"], voice_only=data["voice_only"], audio_data=files["audio"].read(),
        storage=uploads().area("audio"), phone_region=current_app.config["MINYI_PHONE_REGION"], sms_ok=data["sms"])
    db.session.commit()
    return appeal, 201 if new else 200


@blp.route("/appeals/<code>", methods=["GET"])
@kiosk_required
@kiosk_receipts
@blp.response(200, StatusOut)
@errors(401, 404)
@blp.doc(security=DEVICE)
def appeal_status(code):
    """Where an appeal stands, and the officials' answers, for the resident holding its receipt code."""
    appeal = find_by_receipt(code)
    # The code's holder reads what the public reads of it, private or not.
    # An answer given with "the problem is solved" is a resolved step with words: the resident hears it too.
    answers = db.session.scalars(visible_events(None, appeal).where(
        AppealEvent.kind.in_((EventKind.ANSWERED, EventKind.RESOLVED)), AppealEvent.body.is_not(None))).all()
    return {"receipt_code": appeal.receipt_code, "status": appeal.status, "created_at": appeal.created_at,
            "answered_at": appeal.answered_at, "closing_reason": appeal.closing_reason,
            "answers": [{"body": a.body, "created_at": a.created_at, "audio_seconds": a.audio_seconds,
                         "audio": f"{API_PATH}/appeals/{appeal.receipt_code}/answers/{a.id}/audio" if a.audio_file
                         else None} for a in answers]}


@blp.route("/appeals/<code>/answers/<int:event_id>/audio", methods=["GET"])
@kiosk_required
@kiosk_receipts
@errors(401, 404)
@blp.doc(security=DEVICE, responses={"200": {"description": "The answer as the official spoke it (audio/ogg)"}})
def answer_audio(code, event_id):
    """An answer in the official's own voice, to the kiosk where the resident typed its receipt code."""
    appeal = find_by_receipt(code)
    # What the status above gives: the public's view of the appeal, private or not.
    event = db.session.scalar(visible_events(None, appeal).where(AppealEvent.id == event_id))
    if event is None or not event.audio_file:
        abort(404)
    response = send_stored(uploads().area("audio"), event.audio_file, mimetype=audio.CONTENT_TYPES[".ogg"])
    response.headers["Cache-Control"] = "private, no-store"  # an answer to one resident: kept on no proxy
    return response


@blp.route("/content", methods=["GET"])
@kiosk_required
@blp.response(200, ContentOut)
@errors(401)
@blp.doc(security=DEVICE)
def content():

    """What the kiosk keeps for offline use: its settings, the categories, the village's top proposals."""
    kiosk = current_kiosk()
    path = region_tree().path(kiosk.region_id)
    township = path[min(1, len(path) - 1)]
    in_scope = ((Proposal.region_id == kiosk.region_id)
                | ((Proposal.scope == Scope.TOWNSHIP) & Proposal.region_id.in_(region_tree().subtree(township)))
                | (Proposal.scope == Scope.COUNTY))
    proposals = db.session.scalars(select(Proposal).where(
        in_scope, Proposal.status.in_(ACTIVE), Proposal.hidden_at.is_(None))
        .order_by(Proposal.supports_count.desc(), Proposal.id.desc()).limit(5)).all()
    categories = db.session.scalars(select(Category).where(Category.active.is_(True)).order_by(Category.code)).all()
    return {"kiosk": kiosk, "categories": categories, "proposals": proposals, "projects": _projects_here(path),
            "budgets": ballots_here(kiosk)}


def _spoken_length(text: str, limit: int = 200) -> str:
    """Short enough to be read aloud at a kiosk: the first sentences, up to ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


def _projects_here(path):
    """Projects in the kiosk's village, township or county, newest first, with their latest report."""
    found = db.session.scalars(select(Project).where(Project.region_id.in_(path)).order_by(Project.id.desc())
                               .limit(5)).all()
    latest = select(func.max(ProjectUpdate.id)).where(ProjectUpdate.project_id.in_([p.id for p in found])) \
        .group_by(ProjectUpdate.project_id)
    news = {u.project_id: _spoken_length(u.body) for u in db.session.scalars(
        select(ProjectUpdate).where(ProjectUpdate.id.in_(latest)))}
    return [{"id": p.id, "title": p.title, "status": p.status, "progress": percent_done(p), "news": news.get(p.id)}
            for p in found]


@blp.route("/heartbeat", methods=["POST"])
@kiosk_required
@blp.arguments(HeartbeatIn, required=False)  # every field is optional, so is the body
@blp.response(200, HeartbeatOut)
@errors(401, 422)
@blp.doc(security=DEVICE)
def heartbeat(data):
    """What the kiosk reports every few minutes (shown on the admin's list of kiosks). Send the kiosk's own time in
    the HTTP ``Date`` header: the admin sees a kiosk whose clock is wrong, and ``last_sync_at`` is read on it."""
    kiosk = kiosks.heartbeat(current_kiosk(), **data, clock=_request_date())
    db.session.commit()
    return {"state": kiosk.state}


def _request_date():
    """The ``Date`` header the kiosk sent (its clock), or None when absent or not a date."""
    try:
        return request.date
    except (ValueError, OverflowError):
        return None


@blp.route("/model", methods=["GET"])
@kiosk_required
@blp.response(200, ModelOut)
@errors(401, 404)
@blp.doc(security=DEVICE)
def model():
    """The speech model kiosks of this kiosk's language should have (404 while there is none)."""
    found = speech_models.current_model(current_kiosk().language)
    if found is None:
        abort(404)
    return found


@blp.route("/model/<sha256>.zip", methods=["GET"])
@kiosk_required
@errors(401, 404)
@blp.doc(security=DEVICE, responses={"200": {"description": "The model archive"},
                                     "206": {"description": "The part asked for with Range"}})
def model_archive(sha256):
    """Download a model archive; an interrupted download resumes with ``Range: bytes=N-``."""
    found = db.session.scalar(select(speech_models.SpeechModel).where(speech_models.SpeechModel.sha256 == sha256))
    if found is None:
        abort(404)
    return send_stored(uploads().area("models"), found.filename, mimetype="application/zip", etag=found.sha256)
