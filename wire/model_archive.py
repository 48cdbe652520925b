"""Speech model archives (Vosk's .zip files): checked before anything is unpacked, and unpacked safely.

Both sides use this: the server checks an archive when an admin adds it, and every kiosk checks it again
before unpacking what it downloaded. Plain Python (zipfile), no server code: the kiosk imports nothing else."""

import hashlib
import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

#: Unpacked, a model may be at most this large (the large Mandarin model is about 1.3 GB unpacked) ...
MAX_UNPACKED_BYTES = 4 * 2**30
#: ... and no member may expand more than this many times (zip bombs expand thousands of times).
MAX_RATIO = 200
MAX_MEMBERS = 10_000


class BadArchive(Exception):
    """Not a usable, safe model archive; the message says why."""


@dataclass
class ModelArchive:
    root: str  # the folder inside the archive that holds the model ("" when it lies at the top)
    members: int
    unpacked_bytes: int


def sha256_of(path: Path, block: int = 2**20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        while chunk := source.read(block):
            digest.update(chunk)
    return digest.hexdigest()


def inspect_model(path: Path, max_unpacked: int = MAX_UNPACKED_BYTES) -> ModelArchive:
    """Check a model archive without unpacking it: a zip, no absolute or climbing paths, no links or devices,
    within the size limits, and laid out as a Vosk model."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise BadArchive(f"not a zip archive ({error})") from None
    if not infos or len(infos) > MAX_MEMBERS:
        raise BadArchive(f"an archive with {len(infos)} entries is not a model")
    total, names = 0, []
    for info in infos:
        name = PurePosixPath(info.filename)
        if info.filename.startswith(("/", "\\")) or ".." in name.parts or ":" in info.filename or "\\" in info.filename:
            raise BadArchive(f"unsafe path in the archive: {info.filename!r}")
        kind = stat.S_IFMT(info.external_attr >> 16)  # 0 when the archive says nothing (plain files)
        if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
            raise BadArchive(f"links and special files are not allowed: {info.filename!r}")
        if info.file_size > max(info.compress_size, 1) * MAX_RATIO and info.file_size > 2**20:
            raise BadArchive(f"{info.filename!r} expands suspiciously far (a zip bomb?)")
        total += info.file_size
        names.append(name)
    if total > max_unpacked:
        raise BadArchive(f"unpacked it would take {total} bytes, more than the {max_unpacked} allowed")
    # Vosk's archives hold one folder named after the model; its contents are what is installed.
    firsts = {n.parts[0] for n in names}
    top_files = [info for info, n in zip(infos, names, strict=True) if not info.is_dir() and len(n.parts) == 1]
    root = next(iter(firsts)) if len(firsts) == 1 and not top_files else ""
    inside = {PurePosixPath(*n.parts[1:]).as_posix() if root else n.as_posix() for n in names}
    if not any(p in inside for p in ("am/final.mdl", "final.mdl")) or not any(p.startswith("conf/") for p in inside):
        raise BadArchive("this is not a Vosk model (no am/final.mdl and conf/)")
    return ModelArchive(root, len(infos), total)


def unpack_model(path: Path, destination: Path, max_unpacked: int = MAX_UNPACKED_BYTES) -> ModelArchive:
    """Unpack the model (its own folder's contents) into ``destination``, which must not exist yet. Counts the
    bytes really written, so an archive that lies about its sizes is stopped too."""
    checked = inspect_model(path, max_unpacked)
    destination.mkdir(parents=True)
    written = 0
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                parts = PurePosixPath(info.filename).parts[1 if checked.root else 0:]
                if not parts:
                    continue
                target = destination.joinpath(*parts)
                if not target.resolve().is_relative_to(destination.resolve()):
                    raise BadArchive(f"unsafe path in the archive: {info.filename!r}")
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as source, open(target, "wb") as out:
                    while chunk := source.read(2**20):
                        written += len(chunk)
                        if written > max_unpacked:
                            raise BadArchive("the archive unpacks to more than it said (a zip bomb?)")
                        out.write(chunk)
    except BaseException:
        shutil.rmtree(destination, ignore_errors=True)
        raise
    return checked
