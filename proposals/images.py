"""Photos attached to proposals: the author adds and removes them (core.photos checks and stores the bytes)."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import db
from core.errors import InvalidInput, NotAllowed
from core.photos import StoredPhoto, store_photo
from core.rules import rule
from proposals.errors import NotOpen
from proposals.models import Proposal


class ProposalImage(StoredPhoto, db.Model):
    __tablename__ = "proposal_images"

    #: Primary key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The proposal it illustrates.
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    #: Short description for people who cannot see the photo.
    alt_text: Mapped[str] = mapped_column(String(200), default="")

    proposal: Mapped[Proposal] = relationship()


def add_image(proposal: Proposal, *, actor, data: bytes, storage, alt_text: str = "") -> ProposalImage:
    """The author adds a photo."""
    if actor is None or actor.id != proposal.author_id:
        raise NotAllowed(_l("Only the author can add photos."))
    if not proposal.is_active:
        raise NotOpen()
    count = db.session.scalar(select(func.count()).select_from(ProposalImage)
                              .where(ProposalImage.proposal_id == proposal.id))
    if count >= int(rule("MINYI_IMAGES_PER_PROPOSAL")):
        raise InvalidInput(_l("A proposal can have at most %(n)d photos.", n=int(rule("MINYI_IMAGES_PER_PROPOSAL"))),
                           field="images")
    record = ProposalImage(proposal=proposal, alt_text=(alt_text or "").strip()[:200], **store_photo(data, storage))
    db.session.add(record)
    db.session.flush()
    return record


def remove_image(record: ProposalImage, *, actor) -> None:
    """Delete the record; the caller removes the file once the deletion is committed."""
    if actor is None or actor.id != record.proposal.author_id:
        raise NotAllowed(_l("Only the author can remove photos."))
    db.session.delete(record)
    db.session.flush()
