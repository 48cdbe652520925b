"""`minyi backup` and `minyi restore`: a round trip gives back every row of every table and every uploaded file,
byte for byte (on the database under test: SQLite's online backup, or pg_dump and pg_restore); a damaged
backup or a database holding data is refused before anything changes."""

import hashlib
import json
import tarfile

import pytest
from sqlalchemy import inspect, select

from core.db import db
from server.commands.data import audit_verify_command, backup_command, restore_command


def run(app, command, args=()):
    """The command on ``app`` (the test's own app context would otherwise be the one it acts on)."""
    with app.app_context():
        result = app.test_cli_runner().invoke(command, list(args))
        db.session.remove()
    return result


def everything(app):
    """Every row of every table, and every uploaded file."""
    from core.storage import uploads

    with app.app_context():
        present = set(inspect(db.engine).get_table_names())
        rows = {table.name: [tuple(row) for row in db.session.execute(
                    select(table).order_by(*table.primary_key.columns))]
                for table in db.metadata.sorted_tables if table.name in present}
        store = uploads()
        files = {name: store.read(name) for name in store.names()}
        db.session.remove()
    return rows, files


@pytest.fixture
def filled(make_app, make_proposal, make_appeal, make_user, tmp_path):
    """A little of everything, with an official's steps in the audit log and files in its own upload folder."""
    from appeals import workflow
    from core.storage import uploads

    app = make_app(MINYI_UPLOAD_PATH=str(tmp_path / "uploads"))

    make_proposal(title="修桥 Fix the bridge")
    appeal = make_appeal(body="村口的水井干了 The well is dry")
    official = make_user("official", department=appeal.department)
    workflow.accept_appeal(appeal, actor=official)
    workflow.answer_appeal(appeal, actor=official, body="The pump is being repaired.")
    db.session.commit()
    with app.app_context():
        store = uploads()
        store.write("photos/bridge.jpg", bytes(range(256)) * 40)
        store.write("audio/2026/appeal-1.ogg", b"OggS" + b"\x00" * 5000)
    return app


@pytest.fixture
def elsewhere(make_app, scratch_database_url, tmp_path):
    """Another installation: an empty database and an empty upload folder."""
    return make_app(SQLALCHEMY_DATABASE_URI=scratch_database_url, MINYI_UPLOAD_PATH=str(tmp_path / "restored"))


def test_a_backup_restored_elsewhere_holds_everything(filled, elsewhere, tmp_path):
    archive = tmp_path / "minyi.tar.gz"
    made = run(filled, backup_command, [str(archive)])
    assert made.exit_code == 0, made.output
    assert "2 files" in made.output
    restored = run(elsewhere, restore_command, [str(archive)])
    assert restored.exit_code == 0, restored.output
    before, after = everything(filled), everything(elsewhere)
    assert before[1] == after[1] and len(after[1]) == 2
    assert before[0] == after[0] and after[0]["appeals"] and after[0]["audit_log"]
    assert run(elsewhere, audit_verify_command).exit_code == 0  # the chain came along


def test_restore_refuses_a_database_holding_data_unless_told(filled, tmp_path, make_proposal):
    archive = tmp_path / "minyi.tar.gz"
    assert run(filled, backup_command, [str(archive)]).exit_code == 0
    make_proposal(title="Made after the backup")
    db.session.commit()
    refused = run(filled, restore_command, [str(archive)])
    assert refused.exit_code == 1 and "already holds data" in refused.output
    assert "Made after the backup" in str(everything(filled)[0]["proposals"])  # nothing changed
    replaced = run(filled, restore_command, [str(archive), "--replace"])
    assert replaced.exit_code == 0, replaced.output
    assert "Made after the backup" not in str(everything(filled)[0]["proposals"])


@pytest.mark.parametrize("damage", ["truncated", "file changed", "database changed", "not a backup",
                                    "path outside", "name outside"])
def test_a_damaged_backup_is_refused_before_anything_changes(filled, elsewhere, tmp_path, damage):
    archive = tmp_path / "minyi.tar.gz"
    assert run(filled, backup_command, [str(archive)]).exit_code == 0
    if damage == "truncated":
        archive.write_bytes(archive.read_bytes()[:-2000])
    elif damage == "not a backup":
        archive.write_bytes(b"<html>this is a web page saved by mistake</html>")
    else:
        unpacked = tmp_path / "unpacked"
        with tarfile.open(archive) as opened:
            opened.extractall(unpacked, filter="data")
        if damage == "file changed":
            (unpacked / "files" / "photos" / "bridge.jpg").write_bytes(b"someone else's picture")
        if damage == "database changed":
            dump = next(p for p in unpacked.iterdir() if p.name.startswith("database"))
            dump.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])
        if damage == "name outside":  # a file the manifest names so that it lands beside the upload folder
            manifest = json.loads((unpacked / "manifest.json").read_text())
            evil = unpacked / "evil.txt"
            evil.write_text("overwritten")
            manifest["files"]["../evil.txt"] = hashlib.sha256(evil.read_bytes()).hexdigest()
            (unpacked / "manifest.json").write_text(json.dumps(manifest))
            (unpacked / "files" / "evil.txt").write_text("overwritten")
        with tarfile.open(archive, "w:gz") as rebuilt:
            for part in sorted(unpacked.iterdir()):
                rebuilt.add(part, part.name)
            if damage == "path outside":
                evil = tmp_path / "evil-source.txt"
                evil.write_text("overwritten")
                rebuilt.add(evil, "../../evil-outside.txt")
    before = everything(elsewhere)
    result = run(elsewhere, restore_command, [str(archive)])
    assert result.exit_code == 1 and "Nothing was changed" in result.output
    assert everything(elsewhere) == before
    assert not (tmp_path / "evil.txt").exists()  # beside the upload folder (tmp_path / "restored")

