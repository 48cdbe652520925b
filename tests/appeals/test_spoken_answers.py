"""Answers in the official's own voice: sent with the answer form (a file, as a browser without JavaScript sends it),
kept as Ogg, offered on the appeal's page beside the written answer, served only to those who may read that answer,
and given to the kiosk where its receipt code is typed. Bad recordings are refused with a message, nothing saved."""

import io

import pytest
import soundfile
from sqlalchemy import func, select

from appeals.models import AppealEvent, AppealStatus, EventKind
from appeals.webm import NotWebmOpus, webm_to_ogg
from core.db import db
from core.storage import uploads
from tests.helpers import WebClient, encoded, enroll, say

ANSWER = "The pipe is mended: there is water again from tomorrow morning."


@pytest.fixture(scope="module")
def spoken():
    """An official saying the answer (espeak-ng's English voice), as Ogg/Opus."""
    return encoded(say(ANSWER, voice="en", pause=0.2))


@pytest.fixture
def world(app, make_appeal, make_user):
    appeal = make_appeal(public=True)
    official = make_user("official", department=appeal.department)
    return appeal, official


def _answer(app, official, appeal, audio, name="answer.ogg", body=ANSWER):
    client = WebClient(app.test_client())
    client.raw.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.login(official)
    client.get(f"/officials/appeals/{appeal.id}")  # (the session's CSRF token)
    data = {"body": body}
    if audio is not None:
        data["audio"] = (io.BytesIO(audio), name)
    return client.post(f"/officials/appeals/{appeal.id}/answer", data, content_type="multipart/form-data")


def _spoken_answers():
    return db.session.scalars(select(AppealEvent).where(AppealEvent.audio_file.is_not(None))).all()


def test_a_spoken_answer_is_kept_as_ogg_and_offered_beside_its_words(app, world, spoken):
    appeal, official = world
    response = _answer(app, official, appeal, spoken)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert appeal.status == AppealStatus.ANSWERED
    (event,) = _spoken_answers()
    assert event.kind == EventKind.ANSWERED and event.body == ANSWER and 3 < event.audio_seconds < 10
    stored = uploads().area("audio").read(event.audio_file)
    assert soundfile.info(io.BytesIO(stored)).format == "OGG"

    anyone = app.test_client()
    page = anyone.get(f"/appeals/{appeal.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    src = f"/appeals/{appeal.id}/answers/{event.id}/audio"
    assert f'src="{src}"' in page and f'id="step-{event.id}-words"' in page  # the words: the audio's transcript
    assert f'aria-labelledby="step-{event.id}-voice"' in page and "official's own voice (" in page
    served = anyone.get(src)
    assert served.status_code == 200 and served.mimetype == "audio/ogg" and served.data == stored
    assert "private" in served.headers["Cache-Control"] and "max-age=3600" in served.headers["Cache-Control"]
    assert served.headers.get("ETag")
    part = anyone.get(src, headers={"Range": "bytes=0-99"})  # a player seeks
    assert part.status_code == 206 and len(part.data) == 100

    detail = anyone.get(f"/api/v1/appeals/{appeal.id}").get_json()
    answer = next(e for e in detail["events"] if e["kind"] == "answered")
    assert answer["audio"].endswith(src) and answer["audio_seconds"] == event.audio_seconds


def test_a_wav_or_browser_webm_recording_is_kept_as_ogg_opus(app, world):
    appeal, official = world
    assert _answer(app, official, appeal, encoded(say("Yes", voice="en"), kind="wav"), "answer.wav").status_code == 302
    (event,) = _spoken_answers()
    with soundfile.SoundFile(io.BytesIO(uploads().area("audio").read(event.audio_file))) as sound:
        assert (sound.format, sound.subtype) == ("OGG", "OPUS")


def test_webm_that_is_not_opus_audio_is_refused():
    for data in (b"\x1a\x45\xdf\xa3" + b"\x80", b"\x1a\x45\xdf\xa3\x84abcd"):
        with pytest.raises(NotWebmOpus):
            webm_to_ogg(data)


@pytest.mark.parametrize("audio, name, words", [
    (b"Dear resident, we will come.", "answer.ogg", "can be played"),
    (b"", "answer.ogg", "empty"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 200, "photo.png", "can be played"),
    (b"\x1a\x45\xdf\xa3" + b"\x42\x86\x81\x01" * 10, "answer.webm", "can be played"),  # WebM with no audio in it
    ("long", "answer.ogg", "too long"),
], ids=["text", "empty", "png", "webm without audio", "too long"])
def test_a_bad_recording_is_refused_with_a_message_and_nothing_saved(make_app, make_appeal, make_user, audio, name,
                                                                     words):
    app = make_app(MINYI_ANSWER_AUDIO_MAX_SECONDS=2)
    with app.app_context():
        appeal = make_appeal(public=True)
        official = make_user("official", department=appeal.department)
        if audio == "long":
            audio = encoded(say("We will mend the pipe tomorrow morning, and the road next week.", voice="en"))
        before = set(uploads().area("audio").names())
        response = _answer(app, official, appeal, audio, name)
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert words in page and 'id="audio-error"' in page and ANSWER in page  # the typed answer stays
        db.session.expire_all()
        assert appeal.status != AppealStatus.ANSWERED and appeal.answered_at is None
        assert db.session.scalar(select(func.count()).select_from(AppealEvent).where(
            AppealEvent.kind == EventKind.ANSWERED)) == 0
        assert set(uploads().area("audio").names()) == before


def test_the_written_answer_stays_required_beside_a_recording(app, world, spoken):
    appeal, official = world
    response = _answer(app, official, appeal, spoken, body="")
    assert response.status_code == 422 and "This field is required." in response.get_data(as_text=True)
    assert _spoken_answers() == []


def test_a_private_appeals_spoken_answer_is_not_shown_to_outsiders(app, make_appeal, make_user, spoken):
    appeal = make_appeal(public=False)
    official = make_user("official", department=appeal.department)
    assert _answer(app, official, appeal, spoken).status_code == 302
    (event,) = _spoken_answers()
    src = f"/appeals/{appeal.id}/answers/{event.id}/audio"
    assert app.test_client().get(src).status_code == 404
    outsider = WebClient(app.test_client())
    outsider.login(make_user("resident"))
    assert outsider.get(src).status_code == 404
    assert outsider.get(f"/api/v1/appeals/{appeal.id}").status_code == 404
    author = WebClient(app.test_client())
    author.login(appeal.author)
    assert author.get(src).status_code == 200
    # An event of another appeal, asked through this one, is not found either.
    other = make_appeal(public=True)
    assert author.get(f"/appeals/{other.id}/answers/{event.id}/audio").status_code == 404


def test_the_kiosk_gets_the_spoken_answer_of_a_receipt_code(app, world, spoken, make_kiosk):
    appeal, official = world
    assert _answer(app, official, appeal, spoken).status_code == 302
    (event,) = _spoken_answers()
    api = app.test_client()
    _kiosk, code = make_kiosk()
    headers, _body = enroll(api, code)
    status = api.get(f"/api/v1/kiosk/appeals/{appeal.receipt_code}", headers=headers).get_json()
    (answer,) = status["answers"]
    assert answer["body"] == ANSWER and answer["audio_seconds"] == event.audio_seconds
    assert answer["audio"] == f"/api/v1/kiosk/appeals/{appeal.receipt_code}/answers/{event.id}/audio"
    fetched = api.get(answer["audio"], headers=headers)
    assert fetched.status_code == 200 and fetched.mimetype == "audio/ogg"
    assert fetched.data == uploads().area("audio").read(event.audio_file)
    assert "no-store" in fetched.headers["Cache-Control"]
    assert api.get(answer["audio"]).status_code == 401  # without the device token
    other = "2345-6789" if appeal.receipt_code != "2345-6789" else "3456-789A"  # no appeal has it
    assert api.get(f"/api/v1/kiosk/appeals/{other}/answers/{event.id}/audio", headers=headers).status_code == 404
