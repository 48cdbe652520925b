"""Census lists: an admin imports a village's residents (CSV); residents verify against it.

Only a keyed hash of each ID number is stored. The key comes from configuration, not
the database, so a stolen database alone does not let anyone test guessed ID numbers."""

import csv
import hashlib
import hmac
import io
import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from accounts.errors import CensusMismatch
from accounts.permissions import has_role
from accounts.regions import Region, RegionLevel
from accounts.users import CensusEntry, Role, User, VerificationMethod
from core.db import db, utcnow
from core.errors import InvalidInput, NotAllowed

_ID_PATTERN = re.compile(r"^[0-9A-Z]{6,32}$")
_CN_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CN_CHECK = "10X98765432"
MAX_IMPORT_BYTES = 20 * 1024 * 1024


def normalize_id_number(raw: str) -> str:
    """Uppercase, drop spaces and dashes; reject what cannot be an ID number."""
    value = re.sub(r"[\s-]", "", raw or "").upper()
    if not _ID_PATTERN.match(value):
        raise InvalidInput(_l("This is not a valid ID number."), field="id_number")
    # An 18-character mainland resident ID carries a check character (GB 11643).
    if len(value) == 18 and value[:17].isdigit():
        total = sum(int(d) * w for d, w in zip(value[:17], _CN_WEIGHTS, strict=False))
        if _CN_CHECK[total % 11] != value[17]:
            raise InvalidInput(_l("This ID number has a typing mistake (its check digit does not match)."),
                               field="id_number")
    return value


def id_hash(id_number: str, key: bytes) -> str:
    return hmac.new(key, normalize_id_number(id_number).encode(), hashlib.sha256).hexdigest()


@dataclass
class ImportResult:
    added: int = 0
    already_known: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def import_census(data: bytes, *, actor: User, key: bytes) -> ImportResult:
    """Add the lines of a CSV (columns ``id_number`` and ``village_code``) to the census.

    All or nothing: if any line is wrong, nothing is imported and every wrong line is reported."""
    if not has_role(actor, Role.ADMIN):
        raise NotAllowed()
    if len(data) > MAX_IMPORT_BYTES:
        raise InvalidInput(_l("The file is too large (at most 20 MB)."), field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(_l("The file must be a CSV saved as UTF-8."), field="file") from None
    reader = csv.DictReader(io.StringIO(text))
    columns = {c.strip() for c in (reader.fieldnames or [])}
    if not {"id_number", "village_code"} <= columns:
        raise InvalidInput(_l("The first line must name the columns id_number and village_code."), field="file")

    villages = {r.code: r for r in db.session.scalars(select(Region).where(Region.level == RegionLevel.VILLAGE))}
    result, hashes = ImportResult(), {}
    for line_no, row in enumerate(reader, start=2):
        # Extra cells (more values than columns) land under the key None: they are ignored.
        row = {k.strip(): (v or "").strip() for k, v in row.items() if isinstance(k, str) and isinstance(v, str)}
        village = villages.get(row.get("village_code", ""))
        if village is None:
            result.errors.append((line_no, str(_l("Unknown village code."))))
            continue
        try:
            digest = id_hash(row.get("id_number", ""), key)
        except InvalidInput as error:
            result.errors.append((line_no, str(error.message)))
            continue
        hashes[digest] = village
    if result.errors:
        return result

    known = set()
    digests = list(hashes)
    for start in range(0, len(digests), 500):
        chunk = digests[start:start + 500]
        known.update(db.session.scalars(select(CensusEntry.id_hash).where(CensusEntry.id_hash.in_(chunk))))
    now = utcnow()
    db.session.add_all(
        CensusEntry(id_hash=digest, region=village, imported_at=now)
        for digest, village in hashes.items() if digest not in known
    )
    result.added = len(hashes) - len(known)
    result.already_known = len(known)
    db.session.flush()
    return result


def verify_by_census(resident: User, id_number: str, *, actor: User, key: bytes) -> User:
    """A resident proves residency by an ID number on their village's census list."""
    if actor is None or actor.id != resident.id or resident.role != Role.RESIDENT:
        raise NotAllowed()
    if resident.is_verified:
        return resident
    entry = db.session.scalar(select(CensusEntry).where(CensusEntry.id_hash == id_hash(id_number, key)))
    if entry is None or entry.region_id != resident.region_id or entry.claimed_by_id is not None:
        raise CensusMismatch()
    entry.claimed_by = resident
    resident.verified_at = utcnow()
    resident.verification_method = VerificationMethod.CENSUS
    db.session.flush()
    return resident


def release_claim(resident: User) -> None:
    entry = db.session.scalar(select(CensusEntry).where(CensusEntry.claimed_by_id == resident.id))
    if entry is not None:
        entry.claimed_by = None
