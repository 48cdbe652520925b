"""Use cases of residents (and of officials who record an appeal for one): submit, co-sign, rate, reopen,
and follow an appeal by its receipt code."""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from accounts.notifications import notify
from accounts.permissions import has_role, oversees
from accounts.regions import Category, Department, Region, RegionLevel
from accounts.users import Role, User
from appeals.errors import AlreadyCosigned, AppealClosed, UnknownReceipt, WrongStep
from appeals.models import (
    CLOSED,
    RECORDED,
    Appeal,
    AppealEvent,
    AppealImage,
    AppealStatus,
    Channel,
    Cosign,
    EventKind,
    Rating,
)
from appeals.queries import followers
from appeals.routing import due_at, responsible_department
from appeals.titles import appeal_title
from core.db import db, insert_unless_present, local_zone, utcnow
from core.errors import InvalidInput, NotAllowed
from core.fields import place_fields, text_field
from core.photos import decode, store_photo
from core.rules import rule
from core.validation import normalize_email, normalize_phone
from wire.protocol import normalize_receipt

NAME_MAX, COMMENT_MAX, REASON_MAX = 80, 1000, 2000


def submit_appeal(*, actor: User, body: str, category: Category | None, village: Region | None,
                  title: str | None = None, public: bool = True, language: str = "zh_Hans", channel: str = Channel.WEB,
                  latitude: float | None = None, longitude: float | None = None, address: str | None = None,
                  contact_name: str | None = None, contact_phone: str | None = None,
                  contact_email: str | None = None, phone_region: str = "CN",
                  department: Department | None = None, sms_ok: bool = True) -> Appeal:
    """A resident sends an appeal, or an official records one received by phone, letter or visit. ``department``
    overrides the routing (a follow-up goes to the department that answers for the project). With ``sms_ok`` False
    the answer is not sent by SMS to ``contact_phone``. Without a ``title`` the text's first sentence is one."""
    if channel == Channel.WEB:
        if not has_role(actor, Role.RESIDENT):
            raise NotAllowed(_l("Only residents can send appeals; officials record them as phone, letter or visit."))
    elif channel in RECORDED:
        if not has_role(actor, Role.OFFICIAL, Role.ADMIN) or not oversees(actor, village):
            raise NotAllowed(_l("Only officials of this area can record an appeal for a resident."))
    else:
        raise InvalidInput(_l("Choose how the appeal came in."), field="channel")
    if category is None or not category.active:
        raise InvalidInput(_l("Choose a category."), field="category")
    if village is None or village.level != RegionLevel.VILLAGE:
        raise InvalidInput(_l("Choose the village the appeal is about."), field="village")
    latitude, longitude, address = place_fields(latitude, longitude, address)
    contact_phone = contact_field(normalize_phone, contact_phone, "contact_phone", phone_region)
    contact_email = contact_field(normalize_email, contact_email, "contact_email")
    now = utcnow()
    department = department or responsible_department(category, village)
    body = text_field(body, "body", int(rule("MINYI_APPEAL_BODY_MAX")), multiline=True)
    appeal = Appeal(
        title=appeal_title(title, body), body=body,
        language="en" if language == "en" else "zh_Hans", category=category, region=village,
        author=actor if channel == Channel.WEB else None, recorded_by=actor if channel in RECORDED else None,
        channel=channel, public=bool(public), latitude=latitude, longitude=longitude, address=address,
        contact_name=text_field(contact_name, "contact_name", NAME_MAX, required=False),
        contact_phone=contact_phone, sms_ok=bool(sms_ok), contact_email=contact_email, department=department,
        created_at=now, month=month_of(now), due_at=due_at(department, now))
    return file_appeal(appeal, actor_id=actor.id)


def file_appeal(appeal: Appeal, *, actor_id: int | None) -> Appeal:
    """Store a checked new appeal with its first step, and tell its department's officials."""
    db.session.add(appeal)
    db.session.flush()
    db.session.add(AppealEvent(appeal_id=appeal.id, kind=EventKind.SUBMITTED, actor_id=actor_id,
                               params={"channel": appeal.channel}))
    if appeal.department_id is not None:
        notify(department_officials(appeal.department_id), "appeal_received", appeal_id=appeal.id,
               title=appeal.title)
    db.session.flush()
    return appeal


def add_photos(appeal: Appeal, files: list[bytes], storage) -> list[AppealImage]:
    """Photos sent with the appeal: all are checked before any is kept (one bad file refuses them all)."""
    most = int(rule("MINYI_IMAGES_PER_PROPOSAL"))
    if len(files) > most:
        raise InvalidInput(_l("Send at most %(n)d photos.", n=most), field="images")
    for data in files:
        decode(data)
    records = [AppealImage(appeal_id=appeal.id, **store_photo(data, storage)) for data in files]
    db.session.add_all(records)
    db.session.flush()
    return records


def month_of(moment) -> str:
    """"2026-11": the month of ``moment`` where the residents live."""
    return moment.astimezone(local_zone()).strftime("%Y-%m")


def contact_field(normalize, value, field, *args):
    """An optional phone number or email address, checked, with the error on the appeal form's field."""
    if not (value or "").strip():
        return None
    try:
        return normalize(value, *args)
    except InvalidInput as error:
        raise InvalidInput(error.message, field=field) from None


def department_officials(department_id: int) -> list[int]:
    return list(db.session.scalars(select(User.id).where(User.department_id == department_id,
                                                         User.role == Role.OFFICIAL, User.active.is_(True))))


def find_by_receipt(code: str) -> Appeal:
    """The appeal with this receipt code: its holder may see its status and answers, public or not."""
    normalized = normalize_receipt(code)
    appeal = normalized and db.session.scalar(select(Appeal).where(Appeal.receipt_code == normalized))
    if not appeal:
        raise UnknownReceipt(field="code")
    return appeal


def cosign(appeal: Appeal, *, actor: User) -> Appeal:
    """"This is my problem too": the resident joins the appeal, is told of its answer and may rate it."""
    if not has_role(actor, Role.RESIDENT):
        raise NotAllowed(_l("Only residents can join an appeal."))
    if not appeal.public or appeal.author_id == actor.id:
        raise NotAllowed(_l("You cannot join this appeal."))
    if appeal.status in CLOSED:
        raise AppealClosed()
    if not insert_unless_present(Cosign, appeal_id=appeal.id, user_id=actor.id):
        raise AlreadyCosigned()
    appeal.cosigns_count = db.session.execute(
        update(Appeal).where(Appeal.id == appeal.id).values(cosigns_count=Appeal.cosigns_count + 1)
        .returning(Appeal.cosigns_count).execution_options(synchronize_session=False)).scalar_one()
    db.session.flush()
    return appeal


def rate_answer(appeal: Appeal, *, actor: User, score, comment: str | None = None) -> Rating:
    """The author or a co-signer rates the answer from 1 to 5; rating again replaces the earlier rating."""
    if actor is None or actor.id not in followers(appeal):
        raise NotAllowed(_l("Only the resident who sent the appeal and those who joined it can rate the answer."))
    if appeal.answered_at is None or appeal.status not in (AppealStatus.ANSWERED, AppealStatus.RESOLVED,
                                                           AppealStatus.REJECTED):
        raise WrongStep(_l("The appeal has no answer to rate yet."))
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise InvalidInput(_l("Choose from 1 to 5 stars."), field="score")
    comment = text_field(comment, "comment", COMMENT_MAX, required=False, multiline=True)
    rating = db.session.scalar(select(Rating).where(Rating.appeal_id == appeal.id, Rating.user_id == actor.id))
    if rating is None:
        rating = Rating(appeal_id=appeal.id, user_id=actor.id)
        db.session.add(rating)
    rating.score, rating.comment, rating.created_at = score, comment, utcnow()
    db.session.flush()
    return rating


def reopen(appeal: Appeal, *, actor: User, reason: str) -> Appeal:
    """The problem is not solved: the appeal goes back to the department with a new deadline, and the
    department's figures count it (it is no longer resolved)."""
    if actor is None or actor.id not in followers(appeal):
        raise NotAllowed(_l("Only the resident who sent the appeal and those who joined it can reopen it."))
    if appeal.status not in (AppealStatus.ANSWERED, AppealStatus.RESOLVED, AppealStatus.REJECTED):
        raise WrongStep(_l("Only an answered, resolved or rejected appeal can be reopened."))
    last_word = db.session.scalar(select(func.max(AppealEvent.created_at)).where(
        AppealEvent.appeal_id == appeal.id, AppealEvent.public.is_(True),
        AppealEvent.kind.in_((EventKind.ANSWERED, EventKind.RESOLVED, EventKind.REJECTED)))) \
        or appeal.closed_at or appeal.answered_at or appeal.created_at  # the department's latest word
    days = int(rule("MINYI_APPEAL_REOPEN_DAYS"))
    now = utcnow()
    if now - last_word > timedelta(days=days):
        raise WrongStep(_l("An appeal can be reopened within %(n)d days of its answer; please send a new one.",
                           n=days))
    reason = text_field(reason, "reason", REASON_MAX, multiline=True)
    appeal.status, appeal.closed_at, appeal.closing_reason = AppealStatus.ACCEPTED, None, None
    appeal.reopened_count += 1
    appeal.due_at = due_at(appeal.department, now)
    db.session.add(AppealEvent(appeal_id=appeal.id, kind=EventKind.REOPENED, actor_id=actor.id, body=reason))
    if appeal.department_id is not None:
        notify(department_officials(appeal.department_id), "appeal_reopened", appeal_id=appeal.id,
               title=appeal.title)
    db.session.flush()
    return appeal
