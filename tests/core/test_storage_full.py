"""The upload folder fills up while a photo or a kiosk recording is saved: the person gets a clear error, and
the database row and the file are both written or both not (no row without its file, no half-written file).

The folder is a real, tiny filesystem (tmpfs) mounted for the test, so the disk really is full; mounting needs
root, as CI has."""

import io
import os
import random
import subprocess
import uuid

import pytest
from PIL import Image
from sqlalchemy import func, select

from core.db import db
from tests.helpers import WebClient, enroll


@pytest.fixture
def small_disk(tmp_path):
    """A 256 KB filesystem, nearly full, for uploads."""
    if os.geteuid() != 0:
        if os.environ.get("CI") == "true":
            pytest.fail("mounting a tiny filesystem needs root, as CI has")
        pytest.skip("mounting a tiny filesystem needs root")
    mount = tmp_path / "uploads"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], check=True)
    try:
        filler = mount / "filler.bin"
        with open(filler, "wb", buffering=0) as out:  # fill it up...
            try:
                while True:
                    out.write(b"\1" * 4096)
            except OSError:
                pass
        os.truncate(filler, filler.stat().st_size - 8192)  # ... but for 8 KB
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def noisy_jpeg(size=(400, 300)) -> bytes:
    rng = random.Random(3)
    image = Image.frombytes("RGB", size, bytes(rng.randrange(256) for _ in range(size[0] * size[1] * 3)))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=95)
    return out.getvalue()


def leftovers(folder):
    return sorted(p.name for p in folder.rglob("*") if p.is_file() and p.name != "filler.bin")


def test_a_photo_on_a_full_disk_is_refused_whole(make_app, make_proposal, small_disk):
    from proposals.images import ProposalImage

    app = make_app(MINYI_UPLOAD_PATH=str(small_disk))
    proposal = make_proposal()
    author = WebClient(app.test_client())
    author.login(proposal.author)
    response = author.post(f"/proposals/{proposal.id}/photos",
                           {"images": [(io.BytesIO(noisy_jpeg()), "bridge.jpg")], "alt_text": "The bridge"},
                           content_type="multipart/form-data")
    assert response.status_code == 422  # the proposal's page again, the message by the photo form
    assert "Nothing was saved; please try again in a few minutes." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ProposalImage)) == 0
    assert leftovers(small_disk) == []  # no half-written photo either


def test_a_kiosk_recording_on_a_full_disk_leaves_the_appeal_with_the_kiosk(make_app, make_kiosk, small_disk,
                                                                          recording):  # noqa: F811
    from appeals.models import Appeal

    app = make_app(MINYI_UPLOAD_PATH=str(small_disk))
    api = app.test_client()
    kiosk, code = make_kiosk()
    headers, _body = enroll(api, code)
    big = recording * (8192 // len(recording) + 2)  # more than the disk has left
    response = api.post("/api/v1/kiosk/appeals", headers=headers, content_type="multipart/form-data",
                        data={"uuid": str(uuid.uuid4()), "transcript": "물이 안 나와요",
                              "receipt_code": f"{kiosk.receipt_prefix}23456",
                              "audio": (io.BytesIO(big), "appeal.ogg")})
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "unavailable"
    assert db.session.scalar(select(func.count()).select_from(Appeal)) == 0  # the kiosk keeps it and retries
    assert leftovers(small_disk) == []
