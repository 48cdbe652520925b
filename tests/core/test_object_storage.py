"""Uploads in S3-compatible object storage (MINYI_STORAGE_URL), so several app servers share them: photos,
kiosk recordings and speech models are written to the bucket and served back; when the storage is away, the
resident is told and nothing is half-saved. The object store here is moto's S3 server, spoken to over HTTP."""

import io
import secrets
import uuid

import pytest
import requests
from sqlalchemy import func, select

from core.db import db
from tests.helpers import MODEL_LAYOUT, WebClient, encoded, enroll, jpeg_with_gps, say, send, tiny_archive


@pytest.fixture(scope="session")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, monkeypatch):
    import boto3

    for name, value in (("AWS_ACCESS_KEY_ID", "minyi-test"), ("AWS_SECRET_ACCESS_KEY", "minyi-test-secret"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    name = f"minyi-{secrets.token_hex(4)}"
    client.create_bucket(Bucket=name)
    return client, name


@pytest.fixture
def s3_app(make_app, s3_endpoint, bucket):
    return make_app(MINYI_STORAGE_URL=f"s3://{bucket[1]}/site", MINYI_S3_ENDPOINT_URL=s3_endpoint)


def objects(bucket, prefix="site/"):
    client, name = bucket
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=name, Prefix=prefix).get("Contents", []))


def test_a_photo_goes_to_the_bucket_and_comes_back(s3_app, bucket, make_proposal):
    from proposals.images import ProposalImage

    proposal = make_proposal()
    client = WebClient(s3_app.test_client())
    client.login(proposal.author)
    response = client.post(f"/proposals/{proposal.id}/photos", {"images": [(io.BytesIO(jpeg_with_gps()), "a.jpg")]},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    record = db.session.scalar(select(ProposalImage))
    stem = record.filename.rsplit(".", 1)[0]  # the photo and its two thumbnails
    assert sorted(objects(bucket)) == sorted([f"site/{record.filename}", f"site/{stem}-320.webp",
                                              f"site/{stem}-640.webp"])
    served = client.get(f"/proposals/photos/{record.filename}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg" and served.data[:2] == b"\xff\xd8"
    assert client.post(f"/proposals/photos/{record.id}/remove").status_code == 302
    assert objects(bucket) == []


def test_a_kiosk_recording_goes_to_the_bucket_and_officials_play_it(s3_app, bucket, make_kiosk, make_user):
    from appeals.models import Appeal

    kiosk, code = make_kiosk()
    api = s3_app.test_client()
    headers, _body = enroll(api, code)
    recording = encoded(say("물이 안 나와요", pause=0.3))
    response = send(api, headers, recording, uuid=str(uuid.uuid4()), receipt_code=kiosk.receipt_prefix + "23456")
    assert response.status_code == 201, response.get_json()
    appeal = db.session.scalar(select(Appeal))
    assert objects(bucket) == [f"site/audio/{appeal.audio_file}"]
    official = WebClient(s3_app.test_client())
    official.login(make_user("official", department=appeal.department))
    played = official.get(f"/officials/appeals/{appeal.id}/recording")
    assert played.status_code == 200 and played.data == recording and "no-store" in played.headers["Cache-Control"]


def test_kiosks_download_a_model_from_the_bucket_in_parts(s3_app, bucket, make_kiosk, tmp_path):
    from core.storage import uploads
    from kiosk_fleet.speech_models import add_model

    archive = tiny_archive(tmp_path / "m.zip", {**MODEL_LAYOUT, "m/notes.txt": b"0123456789" * 1000})
    with s3_app.app_context():
        model = add_model(actor=None, archive=archive, storage=uploads().area("models"), language="zh_Hans")
        db.session.commit()
    assert objects(bucket) == [f"site/models/{model.filename}"]
    kiosk, code = make_kiosk()
    api = s3_app.test_client()

    headers, _body = enroll(api, code)
    link = api.get(f"/api/v1/kiosk/model/{model.sha256}.zip", headers=headers)
    assert link.status_code == 302  # a short-lived link to the object: the bytes do not pass through the app
    whole = requests.get(link.headers["Location"], timeout=10)
    assert whole.content == archive.read_bytes()
    rest = requests.get(link.headers["Location"], headers={"Range": "bytes=100-"}, timeout=10)
    assert rest.status_code == 206 and rest.content == archive.read_bytes()[100:]


def test_storage_away_tells_the_resident_and_saves_nothing(make_app, bucket, make_proposal):
    from proposals.images import ProposalImage

    away = make_app(MINYI_STORAGE_URL="s3://minyi-away/site", MINYI_S3_ENDPOINT_URL="http://127.0.0.1:9")
    proposal = make_proposal()
    client = WebClient(away.test_client())
    client.login(proposal.author)
    response = client.post(f"/proposals/{proposal.id}/photos", {"images": [(io.BytesIO(jpeg_with_gps()), "a.jpg")]},
                           content_type="multipart/form-data")
    assert response.status_code >= 400 and "Nothing was saved; please try again" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ProposalImage)) == 0
