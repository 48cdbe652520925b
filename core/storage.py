"""Where uploaded files live: a folder (MINYI_UPLOAD_PATH, the default) or S3-compatible object storage
(MINYI_STORAGE_URL=s3://bucket/prefix, for several app servers). Photos, kiosk recordings (``audio/…``) and
speech models (``models/…``) are written whole or not at all, under names the app chose (never a user's).

It lives here, beside ``db``, so the domain packages store files without importing the web layer."""

import logging
import os
import shutil
import tempfile
from pathlib import Path

from flask import current_app

from core.errors import Unavailable

log = logging.getLogger(__name__)


class StorageError(Unavailable):
    """The file could not be written or read (storage unreachable or full): nothing is saved, the resident is
    told to try again."""


class LocalStorage:
    """Files in a folder on this machine."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def area(self, name: str) -> "LocalStorage":
        """The files under ``name/`` (recordings, models)."""
        return LocalStorage(self.root / name)

    def path(self, name: str) -> Path:
        """Where the file ``name`` is; never outside the folder (a name with "..", or absolute, is refused)."""
        found = (self.root / name).resolve()
        if not found.is_relative_to(self.root.resolve()):
            raise StorageError(f"{name!r} is outside the upload folder")
        return found

    def write(self, name: str, data: bytes) -> None:
        """Write the file whole or not at all (a file of that name is replaced atomically)."""
        self._replace(name, lambda out: out.write(data))

    def write_from(self, name: str, source: Path) -> None:
        with open(source, "rb") as handle:
            self._replace(name, lambda out: shutil.copyfileobj(handle, out, 1024 * 1024))

    def _replace(self, name, fill) -> None:
        target, temporary = self.path(name), None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
            with os.fdopen(handle, "wb") as out:
                fill(out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except OSError as error:
            log.warning("upload folder: %s", error)
            raise StorageError() from error
        finally:
            if temporary:
                Path(temporary).unlink(missing_ok=True)

    def read(self, name: str) -> bytes:
        try:
            return self.path(name).read_bytes()
        except FileNotFoundError:
            raise
        except OSError as error:
            raise StorageError() from error

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    def delete(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)

    def names(self):
        """Every file's name, for a backup (not the half-written ones)."""
        if self.root.is_dir():
            for path in sorted(self.root.rglob("*")):
                if path.is_file() and not path.name.startswith(".upload-"):
                    yield path.relative_to(self.root).as_posix()

    def copy_to(self, name: str, target: Path) -> None:
        try:
            shutil.copyfile(self.path(name), target)
        except OSError as error:
            raise StorageError() from error


class S3Storage:
    """Objects in an S3-compatible bucket (AWS S3, MinIO, Ceph…); credentials come from the usual AWS_*
    environment variables or the machine's role."""

    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None, region: str | None = None):
        import boto3
        from botocore.config import Config

        self.bucket, self.prefix = bucket, prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = boto3.client("s3", endpoint_url=endpoint_url, region_name=region,
                                   config=Config(retries={"max_attempts": 3, "mode": "standard"},
                                                 connect_timeout=5, read_timeout=30))

    def area(self, name: str) -> "S3Storage":
        """The objects under ``name/`` (recordings, models), sharing this client."""
        found = object.__new__(S3Storage)
        found.bucket, found.prefix, found.client = self.bucket, f"{self.prefix}{name}/", self.client
        return found

    def _key(self, name: str) -> str:
        return self.prefix + name

    def write(self, name: str, data: bytes) -> None:
        """One PUT: the object appears whole or not at all."""
        self._call(self.client.put_object, Bucket=self.bucket, Key=self._key(name), Body=data)

    def write_from(self, name: str, source: Path) -> None:
        """Large files in parts; the object appears only once every part is there."""
        self._call(self.client.upload_file, str(source), self.bucket, self._key(name))

    def read(self, name: str) -> bytes:
        """The object's bytes; FileNotFoundError when there is none."""
        from botocore.exceptions import ClientError

        try:
            return self._call(lambda: self.client.get_object(Bucket=self.bucket, Key=self._key(name))["Body"].read())
        except StorageError as error:
            if isinstance(error.__cause__, ClientError) and \
                    error.__cause__.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise FileNotFoundError(name) from None
            raise

    def exists(self, name: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(name))
        except ClientError:
            return False
        return True

    def delete(self, name: str) -> None:
        self._call(self.client.delete_object, Bucket=self.bucket, Key=self._key(name))

    def names(self):
        """Every object's name under this prefix, for a backup."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        try:
            for page in pages:
                for found in page.get("Contents", []):
                    yield found["Key"][len(self.prefix):]
        except Exception as error:  # noqa: BLE001 - botocore's errors, raised while paging
            log.warning("object storage: %s", error)
            raise StorageError() from error

    def copy_to(self, name: str, target: Path) -> None:
        """Downloaded in parts: speech models are large."""
        self._call(self.client.download_file, self.bucket, self._key(name), str(target))

    def url(self, name: str, seconds: int = 3600) -> str:
        """A link that fetches the object for ``seconds`` without credentials (large downloads, with ranges)."""
        return self.client.generate_presigned_url("get_object", Params={"Bucket": self.bucket, "Key": self._key(name)},
                                                  ExpiresIn=seconds)

    @staticmethod
    def _call(method, *args, **kwargs):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return method(*args, **kwargs)
        except (BotoCoreError, ClientError) as error:
            log.warning("object storage: %s", error)
            raise StorageError() from error


def uploads() -> LocalStorage | S3Storage:
    """The app's storage for uploaded files (made once per app)."""
    found = current_app.extensions.get("minyi_storage")
    if found is None:
        found = current_app.extensions["minyi_storage"] = storage_from(current_app.config, current_app.instance_path)
    return found


def storage_from(config, instance_path: str):
    url = config.get("MINYI_STORAGE_URL")
    if url:
        bucket, _slash, prefix = url.removeprefix("s3://").partition("/")
        return S3Storage(bucket, prefix, endpoint_url=config.get("MINYI_S3_ENDPOINT_URL"),
                         region=config.get("MINYI_S3_REGION"))
    # Absolute: Flask serves files relative to the app's package, not to where the server was started.
    return LocalStorage(Path(config.get("MINYI_UPLOAD_PATH") or Path(instance_path) / "uploads").resolve())
