"""Speech models for the kiosks: an admin adds a Vosk model archive (web page or ``minyi kiosk-model add``); it
is checked (wire.model_archive) and kept by its SHA-256; kiosks of that language install the current one with
``minyi-kiosk model install``."""

from datetime import datetime
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from accounts.permissions import has_role
from accounts.users import Role, User
from core.audit import audited
from core.db import UTCDateTime, db, utcnow
from core.errors import InvalidInput, NotAllowed
from wire.model_archive import BadArchive, inspect_model, sha256_of

LANGUAGES = ("zh_Hans", "en")


class SpeechModel(db.Model):
    __tablename__ = "speech_models"

    #: Primary key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. "vosk-model-small-cn-0.22".
    name: Mapped[str] = mapped_column(String(120))
    #: Kiosks speaking this language install it.
    language: Mapped[str] = mapped_column(String(10))
    #: SHA-256 of the archive (hex); also its file name in the upload folder.
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    #: Size of the archive, in bytes.
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    #: Size of its files once unpacked, in bytes.
    unpacked_bytes: Mapped[int] = mapped_column(BigInteger)
    #: The one kiosks of its language should have (one per language).
    current: Mapped[bool] = mapped_column(default=False)
    #: The admin who added it; None when added on the command line.
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: When it was added.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def filename(self) -> str:
        return f"{self.sha256}.zip"


def add_model(*, actor: User | None, archive: Path, storage, name: str | None = None, language: str = "zh_Hans",
              current: bool = True) -> SpeechModel:
    """Check ``archive`` and keep a copy in ``storage`` (``actor`` None: the command line, run by the operator)."""
    if actor is not None and not has_role(actor, Role.ADMIN):
        raise NotAllowed()
    if language not in LANGUAGES:
        raise InvalidInput(_l("Choose the kiosk's language."), field="language")
    try:
        checked = inspect_model(archive)
    except BadArchive as error:
        raise InvalidInput(_l("This is not a usable speech model: %(why)s", why=str(error)), field="archive") from None
    name = (name or checked.root or Path(archive).stem).strip()[:120]
    digest = sha256_of(archive)
    model = db.session.scalar(select(SpeechModel).where(SpeechModel.sha256 == digest))
    if model is None:
        storage.write_from(f"{digest}.zip", Path(archive))
        model = SpeechModel(name=name, language=language, sha256=digest, size_bytes=Path(archive).stat().st_size,
                            unpacked_bytes=checked.unpacked_bytes, added_by_id=getattr(actor, "id", None))
        db.session.add(model)
        db.session.flush()
    if current:
        make_current(model, actor=actor)
    return model


def make_current(model: SpeechModel, *, actor: User | None) -> SpeechModel:
    if actor is not None and not has_role(actor, Role.ADMIN):
        raise NotAllowed()
    with audited(actor, "speech_model.current", model, ("current",)):
        db.session.execute(update(SpeechModel).where(SpeechModel.language == model.language, SpeechModel.id != model.id)
                           .values(current=False))
        model.current = True
        db.session.flush()
    return model


def current_model(language: str) -> SpeechModel | None:
    return db.session.scalar(select(SpeechModel).where(SpeechModel.language == language, SpeechModel.current.is_(True)))
