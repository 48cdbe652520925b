"""A backup of everything Minyi keeps, in one file: the database and the uploaded files (photos, kiosk
recordings, speech models), with a manifest of how many rows each table had and each file's SHA-256.

``minyi backup FILE`` takes the database first, as one consistent moment (SQLite's online backup; PostgreSQL's
``pg_dump`` on a snapshot the row counts are read in too), then the files: every file a saved row names was
written before its row, so it is in the backup. ``minyi restore FILE`` checks the whole backup before it
touches anything, refuses a database that holds data unless told to replace it, then restores the database and
the files and checks the row counts against the manifest."""

import hashlib
import json
import os
import sqlite3
import subprocess
import tarfile
import tempfile
from contextlib import closing
from pathlib import Path, PurePosixPath

from sqlalchemy import func, inspect, select, text

from core.db import db, utcnow
from core.storage import StorageError, uploads

FORMAT = 1
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}


class BackupError(Exception):
    """What went wrong, for the operator; nothing was changed unless the message says so."""


def backup(target: Path) -> dict:
    """Write the backup to ``target`` (whole or not at all) and return its manifest."""
    target = Path(target).resolve()
    engine = db.engine
    kind = engine.dialect.name
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".minyi-backup-") as work:
        work = Path(work)
        dump = work / DATABASE_FILES[kind]
        if kind == "sqlite":
            with closing(sqlite3.connect(engine.url.database)) as source, closing(sqlite3.connect(dump)) as copy:
                source.backup(copy)  # SQLite's online backup: one consistent moment, writers carry on
            counts = _counts(f"sqlite:///{dump}")
        else:
            with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
                snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar()
                _postgres_tool(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                                f"--snapshot={snapshot}", "--file", str(dump)], engine.url)
                counts = _table_counts(connection)
        files, store = {}, uploads()
        try:
            for name in store.names():
                copy = work / "files" / name
                copy.parent.mkdir(parents=True, exist_ok=True)
                try:
                    store.copy_to(name, copy)
                except (FileNotFoundError, StorageError):
                    if store.exists(name):  # deleted meanwhile (a photo removed): not part of the backup
                        raise
                    continue
                files[name] = _sha256(copy)
        except StorageError as error:
            raise BackupError(f"The uploaded files could not be read ({error}). No backup was written.") \
                from error
        manifest = {"format": FORMAT, "made_at": utcnow().isoformat(), "database": kind,
                    "revision": _revision(), "tables": counts, "files": files, "database_sha256": _sha256(dump)}
        (work / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False, sort_keys=True))
        partial = target.with_name(f".{target.name}.partial")
        try:
            with tarfile.open(partial, "w:gz") as archive:
                archive.add(work / "manifest.json", "manifest.json")
                archive.add(dump, dump.name)
                if files:
                    archive.add(work / "files", "files")
            os.replace(partial, target)
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise BackupError(f"Could not write {target}: {error}") from error
    return manifest


def restore(source: Path, *, replace: bool = False) -> dict:
    """Restore the backup in ``source`` into the configured database and upload storage."""
    engine = db.engine
    kind = engine.dialect.name
    with tempfile.TemporaryDirectory(prefix=".minyi-restore-") as work:
        work = Path(work)
        manifest = _unpack(Path(source), work)
        if manifest["database"] != kind:
            raise BackupError(f"This backup holds a {manifest['database']} database; this server uses {kind}. "
                              "Nothing was changed.")
        if not replace and _holds_data(engine):
            raise BackupError("The database already holds data. Nothing was changed; restore with --replace "
                              "to replace it with the backup.")
        db.session.remove()
        engine.dispose()
        dump = work / DATABASE_FILES[kind]
        if kind == "sqlite":
            with closing(sqlite3.connect(dump)) as saved, closing(sqlite3.connect(engine.url.database)) as database:
                saved.backup(database)
        else:
            _postgres_tool(["pg_restore", "--list", str(dump)], engine.url)  # readable, before anything goes
            with engine.begin() as connection:  # an empty schema, so what is restored is exactly the backup
                connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
            try:
                _postgres_tool(["pg_restore", "--no-owner", "--no-privileges", "--single-transaction",
                                "--exit-on-error", str(dump)], engine.url, database=True)
            except BackupError as error:
                raise BackupError(f"{error} THE DATABASE IS NOW EMPTY: restore this backup again, or another "
                                  "one, before starting the server.") from error
        store = uploads()
        try:
            for name in manifest["files"]:
                store.write_from(name, work / "files" / name)
        except StorageError as error:
            raise BackupError(f"The database is restored, but the files could not all be written ({error}): "
                              "free some space or fix the storage, then restore again with --replace.") from error
    with engine.connect() as connection:
        counts = _table_counts(connection)
    if counts != manifest["tables"]:
        differ = sorted(name for name in set(counts) | set(manifest["tables"])
                        if counts.get(name) != manifest["tables"].get(name))
        raise BackupError(f"Restored, but these tables do not hold what the backup says: {', '.join(differ)}")
    return manifest


def _unpack(source: Path, work: Path) -> dict:
    """Unpack and check every part of the backup before anything is changed."""
    try:
        with tarfile.open(source, "r:gz") as archive:
            archive.extractall(work, filter="data")  # no paths outside ``work``, no links, no devices
        manifest = json.loads((work / "manifest.json").read_text())
        if manifest.get("format") != FORMAT or manifest.get("database") not in DATABASE_FILES:
            raise ValueError("unknown format")
        dump = work / DATABASE_FILES[manifest["database"]]
        if not dump.is_file() or _sha256(dump) != manifest["database_sha256"]:
            raise ValueError("the database is missing or damaged")
        for name, digest in manifest["files"].items():
            if not _safe_name(name):
                raise ValueError(f"the file name {name!r} points outside the upload folder")
            if _sha256(work / "files" / name) != digest:
                raise ValueError(f"the file {name} is damaged")
    except (OSError, EOFError, tarfile.TarError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise BackupError(f"{source} is not a Minyi backup, or it is damaged ({error}). Nothing was changed.") \
            from error
    return manifest


def _safe_name(name: str) -> bool:
    """A relative path that stays where it is put (no "..", not absolute, nothing odd)."""
    parts = PurePosixPath(name).parts
    return bool(parts) and not PurePosixPath(name).is_absolute() and ".." not in parts and "\\" not in name \
        and all(part not in ("", ".") for part in parts)


def _postgres_tool(command: list[str], url, *, database: bool = False) -> None:
    """Run pg_dump or pg_restore against ``url``, the password in the environment, not on the command line."""
    environment = {**os.environ, "PGHOST": url.host or "", "PGPORT": str(url.port or 5432),
                   "PGUSER": url.username or "", "PGDATABASE": url.database or ""}
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    if url.query.get("sslmode"):
        environment["PGSSLMODE"] = url.query["sslmode"]
    if database:
        command = [*command[:-1], f"--dbname={url.database}", command[-1]]
    try:
        subprocess.run(command, env=environment, check=True, capture_output=True, text=True)
    except FileNotFoundError as error:
        raise BackupError(f"{command[0]} is not installed (Debian: apt install postgresql-client).") from error
    except subprocess.CalledProcessError as error:
        raise BackupError(f"{command[0]} failed: {error.stderr.strip()[-2000:]}") from error


def _counts(url: str) -> dict:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return _table_counts(connection)
    finally:
        engine.dispose()


def _table_counts(connection) -> dict:
    present = set(inspect(connection).get_table_names())
    return {table.name: connection.execute(select(func.count()).select_from(table)).scalar()
            for table in db.metadata.sorted_tables if table.name in present}


def _holds_data(engine) -> bool:
    with engine.connect() as connection:
        return any(count for count in _table_counts(connection).values())


def _revision() -> str | None:
    with db.engine.connect() as connection:
        if "alembic_version" not in inspect(connection).get_table_names():
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()
