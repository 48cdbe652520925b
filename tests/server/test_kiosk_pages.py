"""The admin's list of kiosks (create, enrolment code, online/offline, revoke) and the officials' side of a
spoken appeal (the recording plays; the transcript can be corrected, the machine's stays)."""

import io
import re
import uuid
from datetime import timedelta

from sqlalchemy import select

from appeals.models import Appeal
from core.audit import AuditEntry
from core.db import db, utcnow
from kiosk_fleet import kiosks
from kiosk_fleet.kiosks import Kiosk
from tests.helpers import encoded, say


def test_the_admin_creates_a_kiosk_and_sees_which_are_offline(client, app, make_user, make_region, make_category):
    village, category = make_region("village", name_en="Shangba"), make_category()
    client.login(make_user("admin"))
    page = client.post("/admin/kiosks", {"name": "Shangba office", "village": str(village.id),
                                         "category": str(category.id), "language": "zh_Hans"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "minyi-kiosk enroll --server http://localhost --code" in html
    code = re.search(r'id="enrolment-code">([0-9-]+)<', html).group(1)
    kiosk = db.session.scalar(select(Kiosk))
    assert kiosk.state == "new" and code not in repr(vars(kiosk))  # only its digest is kept

    kiosks.enroll(code)
    kiosks.heartbeat(kiosk, version="0.1.0", queue_length=2, model="vosk-model-small-cn-0.22")
    quiet = kiosks.create_kiosk(actor=make_user("admin"), name="Xiaba shop", village=village, category=category)[0]
    kiosks.enroll(kiosks.new_enrolment_code(quiet, actor=make_user("admin")))
    quiet.last_seen_at = utcnow() - timedelta(hours=3)
    db.session.commit()
    listing = client.get("/admin/kiosks").get_data(as_text=True)
    assert listing.index("Xiaba shop") < listing.index("Shangba office")  # the offline one first
    assert "Offline" in listing and "Online" in listing and "vosk-model-small-cn-0.22" in listing
    offline = client.get("/admin/kiosks?state=offline").get_data(as_text=True)
    assert "Xiaba shop" in offline and "Shangba office" not in offline

    revoked = client.post(f"/admin/kiosks/{kiosk.id}/revoke", {}, follow_redirects=True).get_data(as_text=True)
    assert "Shangba office is out of service" in revoked
    db.session.refresh(kiosk)
    assert kiosk.state == "revoked"
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "kiosk.revoke"))


def test_a_kiosk_form_with_missing_fields_shows_errors_and_saves_nothing(client, make_user, make_category):
    make_category()
    client.login(make_user("admin"))
    response = client.post("/admin/kiosks", {"name": "", "village": "", "category": "", "language": "zh_Hans"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="name-error"' in html and 'id="village-error"' in html
    assert db.session.scalar(select(Kiosk)) is None


def test_officials_play_a_spoken_appeal_and_correct_its_transcript(client, app, make_kiosk, make_user):
    kiosk, code = make_kiosk()
    token = kiosks.enroll(code)[1]
    recording = encoded(say("물이 안 나와요"))
    sent = app.test_client().post(
        "/api/v1/kiosk/appeals", headers={"Authorization": f"Bearer {token}"}, content_type="multipart/form-data",
        data={"uuid": str(uuid.uuid4()), "receipt_code": kiosk.receipt_prefix + "ABCDE", "transcript": "물이 안 나와요",
              "words": '[{"word": "물이", "conf": 0.4}, {"word": "안", "conf": 1}, {"word": "나와요", "conf": 0.9}]',
              "audio": (io.BytesIO(recording), "a.ogg")})
    appeal = db.session.get(Appeal, sent.get_json()["id"])
    official = make_user("official", department=appeal.department)
    client.login(official)
    page = client.get(f"/officials/appeals/{appeal.id}").get_data(as_text=True)
    assert f'src="/officials/appeals/{appeal.id}/recording"' in page and '<mark title="unsure">물이</mark>' in page
    played = client.get(f"/officials/appeals/{appeal.id}/recording")
    assert played.status_code == 200 and played.mimetype == "audio/ogg" and played.data == recording

    corrected = client.post(f"/officials/appeals/{appeal.id}/transcript", {"body": "물이 안 나와요. 사흘째입니다."})
    assert corrected.status_code == 302
    db.session.refresh(appeal)
    assert appeal.body == "물이 안 나와요. 사흘째입니다." and appeal.machine_transcript == "물이 안 나와요"
    empty = client.post(f"/officials/appeals/{appeal.id}/transcript", {"body": " "})
    assert empty.status_code == 422 and "This field is required" in empty.get_data(as_text=True)

    outsider = make_user("official")  # another department's official
    client.login(outsider)
    assert client.get(f"/officials/appeals/{appeal.id}/recording").status_code in (403, 404)


def test_the_admin_adds_a_speech_model_and_chooses_the_current_one(client, make_user, tmp_path):
    import zipfile

    from kiosk_fleet.speech_models import SpeechModel

    def archive(name):
        path = tmp_path / f"{name}.zip"
        with zipfile.ZipFile(path, "w") as z:
            z.writestr(f"{name}/am/final.mdl", name)
            z.writestr(f"{name}/conf/model.conf", "--sample-frequency=16000")
        return path

    client.login(make_user("admin"))
    for name in ("vosk-model-small-cn-0.22", "vosk-model-cn-0.22"):
        with archive(name).open("rb") as upload:
            response = client.post("/admin/kiosks/models", {"archive": (upload, f"{name}.zip"), "language": "zh_Hans"},
                                   content_type="multipart/form-data")
        assert response.status_code == 302
    models = {m.name: m for m in db.session.scalars(select(SpeechModel))}
    assert models["vosk-model-cn-0.22"].current and not models["vosk-model-small-cn-0.22"].current  # the newest
    client.post(f"/admin/kiosks/models/{models['vosk-model-small-cn-0.22'].id}/current", {})
    db.session.expire_all()
    assert db.session.get(SpeechModel, models["vosk-model-small-cn-0.22"].id).current
    assert not db.session.get(SpeechModel, models["vosk-model-cn-0.22"].id).current
    page = client.get("/admin/kiosks/models").get_data(as_text=True)
    assert "vosk-model-small-cn-0.22" in page and "current" in page

    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"not a zip")
    with bad.open("rb") as upload:
        refused = client.post("/admin/kiosks/models", {"archive": (upload, "bad.zip"), "language": "zh_Hans"},
                              content_type="multipart/form-data")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="archive-error"' in html and "not a zip archive" in html
