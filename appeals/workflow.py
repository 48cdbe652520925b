"""What officials do with an appeal: accept, start work, answer, resolve, reject, mark a duplicate,
reassign to another department, and write internal notes. Every step is audited and, when public, told
to the appeal's followers."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from accounts.notifications import notify
from accounts.regions import Department
from accounts.users import User
from appeals import audio
from appeals.errors import NotHandler, WrongStep
from appeals.models import CLOSED, WAITING, Appeal, AppealEvent, AppealStatus, Cosign, EventKind
from appeals.queries import followers, may_handle
from appeals.routing import due_at
from appeals.services import REASON_MAX, department_officials
from core.audit import audited
from core.db import db, insert_unless_present, utcnow
from core.errors import InvalidInput
from core.fields import text_field
from core.mail import queue_mail
from core.sms import queue_sms

ANSWER_MAX = 5000
#: The most of an answer an SMS is queued with (it is cut further to fit: server/worker/texting.py).
SMS_WORDS_MAX = 400
#: The fields whose changes the audit log keeps for every step.
AUDITED = ("status", "department_id", "answered_at", "closed_at", "closing_reason", "duplicate_of_id", "due_at")


def _step(appeal: Appeal, actor: User, action: str, allowed, kind: str, *, status=None, body=None,
          public=True, params=None, tell=None, changes=None, recording=None):
    """Check who and when, change the status, write the timeline, the audit log and the notifications."""
    if not may_handle(actor, appeal):
        raise NotHandler()
    if appeal.status not in allowed:
        raise WrongStep()
    with audited(actor, f"appeal.{action}", appeal, AUDITED):
        now = utcnow()
        for name, value in (changes or {}).items():
            setattr(appeal, name, value)
        if status is not None:
            appeal.status = status
            if status in CLOSED:
                appeal.closed_at = now
        answering = kind == EventKind.DUPLICATE or (body and kind in (EventKind.ANSWERED, EventKind.RESOLVED,
                                                                       EventKind.REJECTED))
        if public and answering and appeal.answered_at is None:  # words to the residents, not a silent step
            appeal.answered_at = now  # the first public word from the department: response time stops here
            appeal.response_seconds = int((now - appeal.created_at).total_seconds())
            appeal.answered_late = appeal.due_at is not None and now > appeal.due_at
        event = AppealEvent(appeal_id=appeal.id, kind=kind, actor_id=actor.id, body=body, public=public,
                            params=params or {}, created_at=now)
        if recording is not None:
            event.audio_file, event.audio_seconds = recording
        db.session.add(event)
        db.session.flush()
    if tell:
        tell_followers(appeal, tell)
        if public and body and kind in (EventKind.ANSWERED, EventKind.RESOLVED, EventKind.REJECTED):
            text_the_answer(appeal, tell, body)
    return appeal


def tell_followers(appeal: Appeal, kind: str) -> None:
    """Notify the author and co-signers, and mail the contact address the appeal was given (a resident
    without an account, or one who asked for the answer there)."""
    notify(followers(appeal), kind, appeal_id=appeal.id, title=appeal.title)
    if appeal.contact_email and not (appeal.author and appeal.author.email == appeal.contact_email):
        queue_mail(appeal.contact_email, kind, locale=appeal.language, appeal_id=appeal.id, title=appeal.title)


def text_the_answer(appeal: Appeal, kind: str, body: str) -> None:
    """The answer's first words by SMS to the call-back number the appeal was given, unless the resident said no
    (a job sends it: server/worker/texting.py). Only the receipt code and the answer go in it."""
    if appeal.contact_phone and appeal.sms_ok:
        queue_sms(appeal.contact_phone, kind, locale=appeal.language, appeal_id=appeal.id, code=appeal.receipt_code,
                  words=" ".join(body.split())[:SMS_WORDS_MAX])


def accept_appeal(appeal: Appeal, *, actor: User) -> Appeal:
    """The department takes the appeal on (it is theirs and makes sense)."""
    return _step(appeal, actor, "accept", (AppealStatus.SUBMITTED,), EventKind.ACCEPTED,
                 status=AppealStatus.ACCEPTED)


def start_work(appeal: Appeal, *, actor: User) -> Appeal:
    return _step(appeal, actor, "start", (AppealStatus.SUBMITTED, AppealStatus.ACCEPTED), EventKind.STARTED,
                 status=AppealStatus.IN_PROGRESS)


def answer_appeal(appeal: Appeal, *, actor: User, body: str, resolve: bool = False, audio_data: bytes | None = None,
                  storage=None) -> Appeal:
    """A public answer; with ``resolve`` the problem is also marked solved. ``audio_data``: the official speaking
    the answer (Ogg, WebM/Opus or WAV), kept in ``storage`` as Ogg and played to residents beside the text, which
    stays the public record (and the recording's transcript)."""
    body = text_field(body, "body", ANSWER_MAX, multiline=True)
    recording = None
    if audio_data is not None:
        if not may_handle(actor, appeal):  # checked before a file is written
            raise NotHandler()
        if appeal.status not in (*WAITING, AppealStatus.ANSWERED):
            raise WrongStep()
        name, ogg, seconds = audio.spoken_answer(audio_data)
        storage.write(name, ogg)  # before the commit: a published spoken answer has its recording
        recording = (name, round(seconds, 2))
    status = AppealStatus.RESOLVED if resolve else AppealStatus.ANSWERED
    return _step(appeal, actor, "resolve" if resolve else "answer", (*WAITING, AppealStatus.ANSWERED),
                 EventKind.RESOLVED if resolve else EventKind.ANSWERED, status=status, body=body,
                 tell="appeal_resolved" if resolve else "appeal_answered", recording=recording)


def resolve_appeal(appeal: Appeal, *, actor: User) -> Appeal:
    """The answer solved it (for example the repair is done)."""
    return _step(appeal, actor, "resolve", (*WAITING, AppealStatus.ANSWERED), EventKind.RESOLVED,
                 status=AppealStatus.RESOLVED, tell="appeal_resolved")


def reject_appeal(appeal: Appeal, *, actor: User, reason: str) -> Appeal:
    """Refused, with a public reason (not the department's task, not allowed by law, ...)."""
    reason = text_field(reason, "reason", REASON_MAX, multiline=True)
    return _step(appeal, actor, "reject", WAITING, EventKind.REJECTED, status=AppealStatus.REJECTED, body=reason,
                 tell="appeal_rejected", changes={"closing_reason": reason})


def mark_duplicate(appeal: Appeal, *, actor: User, original: Appeal | None) -> Appeal:
    """The same problem was already sent: the author and co-signers join the original and get its answer."""
    while original is not None and original.duplicate_of_id is not None:
        original = original.duplicate_of  # always point at the first report
    if original is None or original.id == appeal.id:
        raise InvalidInput(_l("Give the number of another appeal."), field="original")
    if not may_handle(actor, original):  # (this one is theirs: it is the number given that is wrong)
        raise InvalidInput(_l("That appeal is handled by another department: give the number of one your "
                              "department handles."), field="original")
    joining = set(followers(appeal)) - set(followers(original))
    if not original.public and joining:
        # Its followers would join it, and so read it: a private appeal only takes repeats of its own followers.
        raise InvalidInput(_l("The earlier appeal is private; only repeats sent or joined by its own followers can "
                              "join it."), field="original")
    _step(appeal, actor, "duplicate", (*WAITING, AppealStatus.ANSWERED), EventKind.DUPLICATE,
          status=AppealStatus.DUPLICATE, params={"original": original.id}, tell="appeal_duplicate",
          changes={"duplicate_of_id": original.id})
    for user_id in joining:
        insert_unless_present(Cosign, appeal_id=original.id, user_id=user_id)  # one may just have joined
    original.cosigns_count = db.session.scalar(select(func.count()).select_from(Cosign)
                                               .where(Cosign.appeal_id == original.id))
    db.session.flush()
    return appeal


def reassign(appeal: Appeal, *, actor: User, department: Department | None, reason: str) -> Appeal:
    """Not ours: hand the appeal to another department, which gets its own full deadline."""
    if department is None or department.id == appeal.department_id:
        raise InvalidInput(_l("Choose another department."), field="department")
    reason = text_field(reason, "reason", REASON_MAX, multiline=True)
    before = appeal.department_id
    if not may_handle(actor, appeal):
        raise NotHandler()
    if appeal.status not in WAITING:
        raise WrongStep()
    with audited(actor, "appeal.reassign", appeal, AUDITED):
        appeal.department, appeal.status = department, AppealStatus.SUBMITTED
        appeal.due_at = due_at(department, utcnow())
        db.session.add(AppealEvent(appeal_id=appeal.id, kind=EventKind.REASSIGNED, actor_id=actor.id, body=reason,
                                   public=False, params={"from": before, "to": department.id}))
        db.session.flush()
    tell_followers(appeal, "appeal_reassigned")
    notify(department_officials(department.id), "appeal_received", appeal_id=appeal.id, title=appeal.title)
    return appeal


def add_note(appeal: Appeal, *, actor: User, body: str) -> AppealEvent:
    """An internal note, for the officials handling the appeal only."""
    if not may_handle(actor, appeal):
        raise NotHandler()
    note = AppealEvent(appeal_id=appeal.id, kind=EventKind.NOTE, actor_id=actor.id,
                       body=text_field(body, "body", ANSWER_MAX, multiline=True), public=False)
    db.session.add(note)
    db.session.flush()
    return note
