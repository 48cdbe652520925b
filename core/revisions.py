"""Revision tokens: one row per kind of data that processes keep or remember (the region tree, a search's
remembered matches), given a new random token in the same transaction as every change to that data, so any
process can tell in one small query whether what it keeps is still current."""

import secrets

from sqlalchemy import String, insert, select, update
from sqlalchemy.orm import Mapped, mapped_column

from core.db import db


class Revision(db.Model):
    """The current token of one kind of data ("regions", "search:appeals", ...)."""
    __tablename__ = "revisions"

    #: What kind of data the token is for.
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    #: Random hex, replaced in the transaction of every change to that data.
    token: Mapped[str] = mapped_column(String(32))


def current(name: str) -> str | None:
    """The token of ``name`` now (None until it first changes)."""
    return db.session.scalar(select(Revision.token).where(Revision.name == name))


def renew(connection, name: str) -> None:
    """A new token for ``name``, on ``connection`` (in the transaction of the change)."""
    token = secrets.token_hex(16)
    if connection.execute(update(Revision).where(Revision.name == name).values(token=token)).rowcount == 0:
        connection.execute(insert(Revision).values(name=name, token=token))
