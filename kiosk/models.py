"""Installing a speech model on the kiosk: download (resumable), check the SHA-256, unpack into a new folder
with the archive checks, then switch ``models/current`` to it in one step (a symlink replaced atomically). The
model in use is never touched: a power cut anywhere leaves the old one or the new one, never half of one."""

import os
import secrets
import shutil
from pathlib import Path

from wire.model_archive import BadArchive, sha256_of, unpack_model


class InstallError(Exception):
    """The model could not be installed; the message says why. The current model stays."""


def installed(models: Path) -> str | None:
    """The folder name ``models/current`` points to."""
    current = models / "current"
    return os.readlink(current) if current.is_symlink() else None


def folder_name(name: str, sha256: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-._" else "-" for ch in name)[:80] or "model"
    return f"{safe}-{sha256[:12]}"


def install_archive(archive: Path, models: Path, name: str, sha256: str | None = None) -> str:
    """Unpack a downloaded (or copied) archive and make it current; returns the new folder's name."""
    digest = sha256_of(archive)
    if sha256 is not None and digest != sha256:
        raise InstallError(f"the download is damaged (SHA-256 {digest}, expected {sha256}); it will be fetched again")
    target = folder_name(name, digest)
    if installed(models) == target and (models / target).is_dir():
        return target
    staging = models / f".staging-{digest[:12]}-{secrets.token_hex(4)}"
    try:
        unpack_model(archive, staging)
    except BadArchive as error:
        raise InstallError(f"the archive is not a usable model: {error}") from None
    if (models / target).exists():
        shutil.rmtree(models / target)
    previous = installed(models)
    os.replace(staging, models / target)
    switch(models, target)
    _prune(models, keep={target, previous})
    return target


def _prune(models: Path, keep: set) -> None:
    """Remove model folders other than the current and the previous one (kept to go back to)."""
    for folder in models.iterdir():
        if folder.is_dir() and not folder.is_symlink() and folder.name not in keep and not folder.name.startswith("."):
            shutil.rmtree(folder, ignore_errors=True)


def switch(models: Path, target: str) -> None:
    """Point ``models/current`` at ``target`` in one step."""
    link = models / f".current-{secrets.token_hex(4)}"
    os.symlink(target, link)
    os.replace(link, models / "current")
    directory = os.open(models, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def install_from_server(client, models: Path, progress=None) -> tuple[str, bool]:
    """(folder, whether anything changed) after making the server's current model this kiosk's current one."""
    wanted = client.model()
    if wanted is None:
        raise InstallError("the server has no speech model for this kiosk's language yet")
    target = folder_name(wanted["name"], wanted["sha256"])
    if installed(models) == target and (models / target).is_dir():
        return target, False
    models.mkdir(parents=True, exist_ok=True)
    part = models / f".download-{wanted['sha256']}.zip"
    client.download(wanted["download"], part, progress)
    try:
        return install_archive(part, models, wanted["name"], wanted["sha256"]), True
    except InstallError:
        part.unlink(missing_ok=True)  # a damaged or bad download starts again from nothing next time
        raise
    finally:
        if installed(models) == target:
            part.unlink(missing_ok=True)
