"""Photos people attach (to proposals, project updates): checked by their bytes, re-encoded (which drops EXIF
such as GPS) and stored under a random name, with smaller copies (thumbnails) for the lists' cards next to it.

Thumbnails are WebP files named after the photo (``<name>-320.webp``): made at upload, and made on the first
request for a photo stored before thumbnails existed (``thumbnail``), so old photos show on cards too."""

import io
import re
import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UTCDateTime, utcnow
from core.errors import InvalidInput
from core.rules import rule

#: What we accept, by what the bytes are (never by the file name or the browser's word).
FORMATS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"), "WEBP": ("image/webp", ".webp")}
MAX_SIDE = 2048
#: Widths of the thumbnails made of every photo; a card's ``srcset`` offers them all (never wider than the photo).
THUMBNAIL_WIDTHS = (320, 640)
#: A thumbnail's name: the photo's random name without its suffix, and the width.
THUMBNAIL_NAME = re.compile(r"^([0-9a-f]{32})-([0-9]{3})\.webp$")


class StoredPhoto:
    """The columns describing a file written by ``store_photo``."""

    #: Random file name in the upload folder.
    filename: Mapped[str] = mapped_column(String(64), unique=True)
    #: MIME type, from what the bytes are: image/jpeg, image/png or image/webp.
    content_type: Mapped[str] = mapped_column(String(20))
    #: Size of the stored (re-encoded) file in bytes.
    size: Mapped[int] = mapped_column()
    #: Width of the stored photo, in pixels (at most MAX_SIDE).
    width: Mapped[int] = mapped_column()
    #: Height of the stored photo, in pixels (at most MAX_SIDE).
    height: Mapped[int] = mapped_column()
    #: When it was uploaded.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def decode(data: bytes) -> tuple[Image.Image, str]:
    if len(data) > int(rule("MINYI_IMAGE_MAX_BYTES")):
        raise InvalidInput(_l("A photo may be at most %(mb)d MB.", mb=int(rule("MINYI_IMAGE_MAX_BYTES")) // 2**20),
                           field="images")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            if probe.width * probe.height > 40_000_000:  # decompression bombs: tiny file, huge picture
                raise ValueError("too many pixels")
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise InvalidInput(_l("This file is not a photo we can use (JPEG, PNG or WebP)."), field="images") from None
    if kind not in FORMATS:
        raise InvalidInput(_l("This file is not a photo we can use (JPEG, PNG or WebP)."), field="images")
    return image, kind


def store_photo(data: bytes, storage) -> dict:
    """Check the bytes are a photo, re-encode them (so no hidden data such as the location or the camera is
    published) and write them under a random name; returns the columns of the record describing the file."""
    image, kind = decode(data)
    image = ImageOps.exif_transpose(image)  # keep the orientation the camera meant, then drop EXIF
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    if kind == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    content_type, suffix = FORMATS[kind]
    name = secrets.token_hex(16) + suffix
    out = io.BytesIO()
    image.save(out, format=kind, **({"quality": 85} if kind in ("JPEG", "WEBP") else {}))
    storage.write(name, out.getvalue())
    try:
        for width in THUMBNAIL_WIDTHS:
            storage.write(thumbnail_name(name, width), _thumbnail_bytes(image, width))
    except Exception:
        for written in photo_files(name):  # whole or not at all, as the photo itself
            storage.delete(written)
        raise
    return {"filename": name, "content_type": content_type, "size": out.tell(), "width": image.width,
            "height": image.height}


def thumbnail_name(filename: str, width: int) -> str:
    """The name of the photo's thumbnail of this width (beside the photo, in the same storage)."""
    return f"{filename.rsplit('.', 1)[0]}-{width}.webp"


def photo_files(filename: str) -> list[str]:
    """Every file stored for the photo: itself and its thumbnails (to remove them together)."""
    return [filename, *(thumbnail_name(filename, width) for width in THUMBNAIL_WIDTHS)]


def thumbnail_of(name: str) -> tuple[list[str], int] | None:
    """For a thumbnail's name: the names its photo may have and the width; None for any other name."""
    found = THUMBNAIL_NAME.match(name or "")
    if found is None or int(found.group(2)) not in THUMBNAIL_WIDTHS:
        return None
    return [found.group(1) + suffix for _type, suffix in FORMATS.values()], int(found.group(2))


def thumbnail_size(width: int, height: int, wanted: int) -> tuple[int, int]:
    """The size of the thumbnail ``wanted`` wide of a photo this big (never enlarged)."""
    shown = min(wanted, width)
    return shown, max(1, round(height * shown / width))


def thumbnail_set(photo) -> list[tuple[str, int, int]]:
    """(name, width, height) of each thumbnail of a stored photo, smallest first, one per distinct width."""
    found = {}
    for wanted in THUMBNAIL_WIDTHS:
        width, height = thumbnail_size(photo.width, photo.height, wanted)
        found.setdefault(width, (thumbnail_name(photo.filename, wanted), width, height))
    return list(found.values())


def thumbnail(storage, filename: str, width: int) -> str:
    """The name of the photo's thumbnail of this width, made now if the photo was stored without one."""
    name = thumbnail_name(filename, width)
    if not storage.exists(name):
        with Image.open(io.BytesIO(storage.read(filename))) as image:  # our own re-encoded file: no EXIF left
            image.load()
            storage.write(name, _thumbnail_bytes(image, width))
    return name


def _thumbnail_bytes(image: Image.Image, width: int) -> bytes:
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB")
    small = image.resize(thumbnail_size(image.width, image.height, width), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    small.save(out, format="WEBP", quality=80, method=4)  # no exif= given: the copy carries none
    return out.getvalue()
