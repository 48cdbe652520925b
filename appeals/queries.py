"""Who may see which appeal, and which of its events: the one place these privacy rules are written. Every
interface (web pages, the JSON API, the kiosk API, Open311, the board, project pages, a person's data export)
reads appeals through these functions, so none can show what another would hide.

- A public appeal anyone may read; a private one only its author, its co-signers and the officials handling it.
- Its public events anyone who may read the appeal sees; internal events (notes, reassignments between
  departments) only the officials handling it.
- Lists for the public (the board, Open311, the API's list) hold public appeals only, and of those only the ones
  whose words are known: a voice-only appeal waits for an official to listen and write it down."""

from collections.abc import Iterable

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, true

from accounts.permissions import has_role
from accounts.regions import Category, Region, subtree_id_list
from accounts.users import Role, User
from appeals.models import WAITING, Appeal, AppealEvent, AppealImage, AppealStatus, Cosign
from core import search
from core.db import db, utcnow


def may_handle(user: User | None, appeal: Appeal) -> bool:
    """Admins, and the officials of the department the appeal is with."""
    if has_role(user, Role.ADMIN):
        return True
    return has_role(user, Role.OFFICIAL) and appeal.department_id is not None \
        and user.department_id == appeal.department_id


def handled_by(user: User | None) -> ColumnElement[bool]:
    """The condition on Appeal rows that ``user`` handles (``may_handle`` as SQL)."""
    if has_role(user, Role.ADMIN):
        return true()
    if has_role(user, Role.OFFICIAL) and user.department_id is not None:
        return Appeal.department_id == user.department_id
    return false()


def followers(appeal: Appeal) -> list[int]:
    """The author and the co-signers: they read the appeal, public or not, and are told of its public steps."""
    cosigners = db.session.scalars(select(Cosign.user_id).where(Cosign.appeal_id == appeal.id)).all()
    return [uid for uid in [appeal.author_id, *cosigners] if uid is not None]


def follows(user: User | None, appeal: Appeal) -> bool:
    """Whether ``user`` is the appeal's author or one of its co-signers."""
    return user is not None and getattr(user, "is_authenticated", False) and user.id in followers(appeal)


def may_read(user: User | None, appeal: Appeal) -> bool:
    """Public appeals to anyone; private ones to their author, co-signers and the officials handling them."""
    return (appeal.public and not appeal.to_listen) or may_handle(user, appeal) or follows(user, appeal)


def visible_appeal(user: User | None, appeal_id: int | None) -> Appeal | None:
    """The appeal with this id if ``user`` may read it; None otherwise, as if it did not exist."""
    appeal = db.session.get(Appeal, appeal_id) if appeal_id is not None else None
    return appeal if appeal is not None and may_read(user, appeal) else None


#: The condition on Appeal rows whose words are known (not a voice-only appeal still to be listened to).
WRITTEN = Appeal.to_listen.is_(False)
#: The condition on Appeal rows anyone may read.
PUBLIC = and_(Appeal.public.is_(True), WRITTEN)


def public_appeals() -> Select:
    """The appeals anyone may read, for public lists (the board, Open311, the API, suggestions)."""
    return select(Appeal).where(PUBLIC)


#: Orders of the public board: name → (key columns, newest/largest first?); the last column is unique, for keyset
#: paging. "answered" lists answered appeals only, the latest first answer first.
#: What the board's search reads: a change to it forgets the matches remembered for maps (core.search.newest).
search.watch(Appeal.title, Appeal.body)

BOARD_SORTS = {
    "newest": ((Appeal.id,), True),
    "oldest": ((Appeal.id,), False),
    "cosigned": ((Appeal.cosigns_count, Appeal.id), True),
    "answered": ((Appeal.answered_at, Appeal.id), True),
}


def board(*, region: Region | None = None, category: Category | None = None, status: str | None = None,
          q: str = "", sort: str = "newest") -> tuple[Select, list, bool]:
    """The public appeals with these filters, searched for every word of ``q`` in the title or text; returns
    (query, key columns, descending) for keyset paging. The web board and the API list read it."""
    query = public_appeals()
    if region is not None:
        query = query.where(Appeal.region_id.in_(subtree_id_list(region)))
    if category is not None:
        query = query.where(Appeal.category_id == category.id)
    if status in set(AppealStatus):
        query = query.where(Appeal.status == status)
    sort = sort if sort in BOARD_SORTS else "newest"
    if sort == "answered":
        query = query.where(Appeal.answered_at.is_not(None))
    if q.strip():
        query = search.matching(query, Appeal.id, [term[:50] for term in q.split()[:5]],
                                [([Appeal.title, Appeal.body], search.grams_of(Appeal.title, Appeal.body))],
                                among=[PUBLIC])
    columns, descending = BOARD_SORTS[sort]
    return query, list(columns), descending


def recently_answered(region_ids: list[int] | None, *, limit: int = 4) -> list[Appeal]:
    """Public appeals most recently answered, in these regions (None: everywhere)."""
    query = public_appeals().where(Appeal.answered_at.is_not(None))
    if region_ids is not None:
        query = query.where(Appeal.region_id.in_(region_ids))
    return list(db.session.scalars(query.order_by(Appeal.answered_at.desc(), Appeal.id.desc()).limit(limit)))


def first_photos(appeal_ids) -> dict[int, AppealImage]:
    """The first photo of each of these appeals that anyone may read (for its card), by appeal id: a private
    appeal's photos never reach a public list."""
    ids = list(appeal_ids)
    if not ids:
        return {}
    first = select(func.min(AppealImage.id)).join(Appeal, Appeal.id == AppealImage.appeal_id) \
        .where(AppealImage.appeal_id.in_(ids), PUBLIC).group_by(AppealImage.appeal_id)
    return {p.appeal_id: p for p in db.session.scalars(select(AppealImage).where(AppealImage.id.in_(first)))}


def visible_events(user: User | None, appeals: Appeal | Iterable[int]) -> Select:
    """The events of one appeal (or of the appeals with these ids) that ``user`` sees, oldest first: the public
    ones, and the internal ones of appeals ``user`` handles. Callers make sure ``user`` may read the appeals
    (``visible_appeal``, ``public_appeals``), or pass ``None`` for the public's view."""
    if isinstance(appeals, Appeal):
        query = select(AppealEvent).where(AppealEvent.appeal_id == appeals.id)
        if not may_handle(user, appeals):
            query = query.where(AppealEvent.public.is_(True))
    else:
        ids = list(appeals)
        handled = select(Appeal.id).where(Appeal.id.in_(ids), handled_by(user))
        query = select(AppealEvent).where(AppealEvent.appeal_id.in_(ids),
                                          or_(AppealEvent.public.is_(True), AppealEvent.appeal_id.in_(handled)))
    return query.order_by(AppealEvent.appeal_id, AppealEvent.id)


#: Orders of the officials' inbox: name → (key columns, newest/largest first?); the last column is unique, for
#: keyset paging.
INBOX_SORTS = {
    "newest": ((Appeal.id,), True),
    "oldest": ((Appeal.id,), False),
    "due": ((Appeal.due_at, Appeal.id), False),
    "cosigns": ((Appeal.cosigns_count, Appeal.id), True),
}


def inbox(official: User, *, status: str = "waiting", category: Category | None = None,
          region: Region | None = None, least_cosigns: int | None = None) -> Select:
    """The appeals ``official`` handles (every appeal for admins): ``status`` is one of AppealStatus, "waiting"
    (not yet closed), "overdue" (waiting past the deadline), "to_listen" (voice-only, not yet written down) or
    anything else for all; narrowed to a category, a
    region and its villages, and appeals with at least ``least_cosigns`` co-signers."""
    query = select(Appeal).where(handled_by(official))
    if status == "waiting":
        query = query.where(Appeal.status.in_(WAITING))
    elif status == "overdue":
        query = query.where(Appeal.status.in_(WAITING), Appeal.due_at < utcnow())
    elif status == "to_listen":
        query = query.where(Appeal.to_listen.is_(True))
    elif status in set(AppealStatus):
        query = query.where(Appeal.status == status)
    if category is not None:
        query = query.where(Appeal.category_id == category.id)
    if region is not None:
        query = query.where(Appeal.region_id.in_(subtree_id_list(region)))
    if least_cosigns:
        query = query.where(Appeal.cosigns_count >= least_cosigns)
    return query
