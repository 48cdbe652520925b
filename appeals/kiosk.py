"""Spoken appeals from voice kiosks: delivered exactly once, with the recording, the machine transcript and
the receipt code the kiosk gave the resident."""

import uuid as uuids

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from accounts.regions import Category
from accounts.users import User
from appeals import audio
from appeals.models import Appeal, AppealEvent, Channel, EventKind
from appeals.queries import may_handle
from appeals.routing import due_at, responsible_department
from appeals.services import contact_field, file_appeal, month_of
from appeals.titles import TITLE_MAX, title_from
from core.audit import audited
from core.db import db, utcnow
from core.errors import Conflict, InvalidInput, NotAllowed
from core.fields import text_field
from core.jobs import enqueue
from core.rules import rule
from core.validation import normalize_phone
from kiosk_fleet.kiosks import Kiosk
from wire.protocol import normalize_receipt

WORDS_MAX = 5000  # recognized words kept with their confidences


def submit_kiosk_appeal(kiosk: Kiosk, *, uuid: str, receipt_code: str, transcript: str, audio_data: bytes,
                        storage, words: list | None = None, category: str | None = None,
                        contact_phone: str | None = None, public: bool = False, voice_only: bool = False,
                        phone_region: str = "CN", sms_ok: bool = True) -> tuple[Appeal, bool]:
    """File the appeal a kiosk recorded, or find the one it already filed: (appeal, whether it is new).

    ``voice_only``: the recording is the appeal (recognition found nothing sure, or the resident said the
    read-back was wrong): it waits for an official to listen and write it down, the machine's words kept beside.

    A retry with the same ``uuid`` (the kiosk did not hear the answer) gets the same appeal, never a second one."""
    if kiosk is None or kiosk.revoked_at is not None:
        raise NotAllowed()
    try:
        uuid = str(uuids.UUID(str(uuid)))
    except ValueError:
        raise InvalidInput(_l("The appeal's id is not a UUID."), field="uuid") from None
    earlier = _by_uuid(uuid)
    if earlier is not None:
        return _same_kiosk(earlier, kiosk), False
    code = normalize_receipt(receipt_code)
    if code is None or not code.startswith(kiosk.receipt_prefix):
        raise InvalidInput(_l("The receipt code must be eight characters starting with the kiosk's prefix %(p)s.",
                              p=kiosk.receipt_prefix), field="receipt_code")
    holder = db.session.scalar(select(Appeal).where(Appeal.receipt_code == code))
    if holder is not None:
        if holder.client_uuid == uuid:  # filed meanwhile by the same appeal's earlier try, still under way above
            return _same_kiosk(holder, kiosk), False
        raise Conflict(_l("Another appeal already has this receipt code."), field="receipt_code")
    # The resident was told "kept and will be sent": a detail typed at the kiosk never refuses the appeal. A
    # category retired meanwhile becomes the kiosk's own; a call-back number that is no number is left out and
    # noted for the officials; an over-long transcript is cut (the recording has it all).
    chosen = db.session.scalar(select(Category).where(Category.code == category)) if category else None
    if chosen is None or not chosen.active:
        chosen = kiosk.category
    if not chosen.active:
        raise InvalidInput(_l("The kiosk's own category is retired: the administrator must choose another."),
                          field="category")
    extension, seconds = audio.check_recording(audio_data)
    transcript = text_field((transcript or "")[:int(rule("MINYI_APPEAL_BODY_MAX"))], "transcript",
                            int(rule("MINYI_APPEAL_BODY_MAX")), required=False, multiline=True)
    try:
        phone, phone_problem = contact_field(normalize_phone, contact_phone, "contact_phone", phone_region), None
    except InvalidInput as error:
        phone, phone_problem = None, str(error.message)
    now = utcnow()
    department = responsible_department(chosen, kiosk.region)
    to_listen = bool(voice_only or not transcript)
    appeal = Appeal(
        title=_spoken_title(kiosk.language) if to_listen else title_from(transcript),
        body=_untranscribed(kiosk.language) if to_listen else transcript,
        machine_transcript=transcript or "", to_listen=to_listen,
        transcript_words=_words(words), language=kiosk.language, category=chosen, region=kiosk.region,
        channel=Channel.KIOSK, public=bool(public), receipt_code=code, kiosk=kiosk, client_uuid=uuid,
        contact_phone=phone, sms_ok=bool(sms_ok),
        department=department, created_at=now, month=month_of(now), due_at=due_at(department, now),
        audio_file=f"{uuid}{extension}", audio_seconds=round(seconds, 2))
    storage.write(appeal.audio_file, audio_data)  # before the commit: a filed appeal has its recording
    try:
        with db.session.begin_nested():
            file_appeal(appeal, actor_id=None)
            if phone_problem:
                db.session.add(AppealEvent(appeal_id=appeal.id, kind=EventKind.NOTE, public=False, body=_note(
                    kiosk.language, contact_phone, phone_problem)))
                db.session.flush()
            if extension == ".wav":
                enqueue("transcode", appeal.id)  # kept as Ogg/Opus, a tenth of the size (server/worker/tasks.py)
    except IntegrityError:  # the same appeal, sent twice at once: the other request filed it
        earlier = _by_uuid(uuid)
        if earlier is None:
            raise Conflict(_l("Another appeal already has this receipt code."), field="receipt_code") from None
        return _same_kiosk(earlier, kiosk), False
    return appeal, True


def _by_uuid(uuid: str) -> Appeal | None:
    return db.session.scalar(select(Appeal).where(Appeal.client_uuid == uuid))


def _same_kiosk(appeal: Appeal, kiosk: Kiosk) -> Appeal:
    if appeal.kiosk_id != kiosk.id:
        raise Conflict(_l("Another kiosk sent an appeal with this id."), field="uuid")
    return appeal


def _note(language: str, typed: str, problem: str) -> str:
    with force_locale(language):
        return _("The call-back number typed at the kiosk, %(number)s, was left out: %(problem)s",
                 number=str(typed)[:40], problem=problem)


def _untranscribed(language: str) -> str:
    with force_locale(language):
        return _("(A spoken appeal, not yet written down: please listen to the recording.)")


def _spoken_title(language: str) -> str:
    with force_locale(language):
        return _("A spoken appeal, not yet written down")


def _words(words) -> list | None:
    """[{"word", "conf"}] as recognized, checked and cut to a sane length; None when not given."""
    if words is None:
        return None
    if not isinstance(words, list) or len(words) > WORDS_MAX:
        raise InvalidInput(_l("The recognized words are not in the expected form."), field="words")
    kept = []
    for item in words:
        try:
            word, conf = str(item["word"])[:100], float(item["conf"])
        except (TypeError, KeyError, ValueError):
            raise InvalidInput(_l("The recognized words are not in the expected form."), field="words") from None
        if not 0.0 <= conf <= 1.0:
            raise InvalidInput(_l("The recognized words are not in the expected form."), field="words")
        kept.append({"word": word, "conf": round(conf, 3)})
    return kept


def correct_transcript(appeal: Appeal, *, actor: User, body: str, title: str | None = None) -> Appeal:
    """An official handling a spoken appeal writes down what was said (a voice-only appeal, which then joins
    the board and similar-appeal grouping) or corrects what speech recognition made of it; the machine's
    transcript stays beside it. The ``title`` given is kept; without one, or when it is the title the old text
    gave, the new text's first sentence is the title."""
    if appeal.channel != Channel.KIOSK or not may_handle(actor, appeal):
        raise NotAllowed()
    with audited(actor, "appeal.correct_transcript", appeal, ("title", "body", "to_listen")):
        body = text_field(body, "body", int(rule("MINYI_APPEAL_BODY_MAX")), multiline=True)
        typed = text_field(title, "title", TITLE_MAX, required=False)
        derived = appeal.to_listen or appeal.title == title_from(appeal.body)
        appeal.title = title_from(body) if typed is None or (derived and typed == appeal.title) else typed
        appeal.body = body
        appeal.to_listen = False
        db.session.flush()
    return appeal
