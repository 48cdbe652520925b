"""Photos people attach (to proposals, project updates): checked by their bytes, re-encoded (which drops EXIF
such as GPS) and stored under a random name."""

import io
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
    return {"filename": name, "content_type": content_type, "size": out.tell(), "width": image.width,
            "height": image.height}
