"""Photos on proposals (checked by content, stripped of hidden data) and proposals expiring unsupported."""

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from core.db import db, utcnow
from proposals.images import ProposalImage
from proposals.models import Proposal
from proposals.services import expire_stale
from tests.helpers import jpeg_with_gps


def upload(client, proposal, data, name="photo.jpg"):
    return client.post(f"/proposals/{proposal.id}/photos", {"images": [(io.BytesIO(data), name)], "alt_text": "Bridge"},
                       content_type="multipart/form-data")


def test_author_adds_a_photo_and_its_location_is_removed(app, client, make_proposal):
    proposal = make_proposal()
    client.login(proposal.author)
    assert upload(client, proposal, jpeg_with_gps()).status_code == 302
    record = db.session.scalar(select(ProposalImage))
    served = client.get(f"/proposals/photos/{record.filename}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    stored = Image.open(io.BytesIO(served.data))
    assert stored.size == (64, 48)
    assert not stored.getexif(), "EXIF (GPS, camera) must not be published"
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert f'src="/proposals/photos/{record.filename}"' in page and 'alt="Bridge"' in page


@pytest.mark.parametrize("data, name", [
    (b"<?php system($_GET['c']); ?>", "shell.jpg"),
    (b"GIF89a" + b"\x00" * 50, "anim.gif"),
    (b"%PDF-1.4 not a photo", "doc.png"),
])
def test_files_that_are_not_photos_are_refused_whatever_their_name(client, make_proposal, data, name):
    proposal = make_proposal()
    client.login(proposal.author)
    response = upload(client, proposal, data, name)
    assert response.status_code == 422
    assert "not a photo we can use" in response.get_data(as_text=True)
    assert db.session.scalar(select(ProposalImage)) is None


def test_oversized_photos_are_refused(app, client, make_proposal):
    app.config["MINYI_IMAGE_MAX_BYTES"] = 1000
    proposal = make_proposal()
    client.login(proposal.author)
    response = upload(client, proposal, jpeg_with_gps((400, 400)) + b"\x00" * 2000)
    assert response.status_code == 422 and "at most" in response.get_data(as_text=True)


def test_only_the_author_adds_or_removes_photos(client, make_proposal, make_user):
    proposal = make_proposal()
    client.login(proposal.author)
    upload(client, proposal, jpeg_with_gps())
    record = db.session.scalar(select(ProposalImage))
    client.logout()
    client.login(make_user("resident", region=proposal.region))
    refused = upload(client, proposal, jpeg_with_gps())
    assert refused.status_code == 422 and "Only the author can add photos" in refused.get_data(as_text=True)
    assert client.post(f"/proposals/photos/{record.id}/remove").status_code == 403
    client.logout()
    client.login(proposal.author)
    client.post(f"/proposals/photos/{record.id}/remove")
    assert db.session.scalar(select(ProposalImage)) is None


def test_unsupported_proposals_expire_after_their_lifetime(app, make_proposal):
    app.config["MINYI_PROPOSAL_LIFETIME_DAYS"] = 30
    old, fresh = make_proposal(title="Old"), make_proposal(title="Fresh")
    old.created_at = utcnow() - timedelta(days=31)
    db.session.commit()
    assert expire_stale() == [old.id]
    assert (db.session.get(Proposal, old.id).status, db.session.get(Proposal, fresh.id).status) == ("expired", "open")
    assert expire_stale() == []


def test_photos_of_hidden_proposals_are_hidden_too(client, make_proposal, make_user):
    proposal = make_proposal()
    client.login(proposal.author)
    upload(client, proposal, jpeg_with_gps())
    record = db.session.scalar(select(ProposalImage))
    client.logout()
    assert "private" in client.get(f"/proposals/photos/{record.filename}").headers["Cache-Control"]
    from proposals import discussion

    discussion.hide("proposal", proposal.id, actor=make_user("admin"), reason="Personal data")
    db.session.commit()
    assert client.get(f"/proposals/photos/{record.filename}").status_code == 404


def test_a_failed_upload_leaves_no_file_behind(app, client, make_proposal):
    from pathlib import Path

    proposal = make_proposal()
    client.login(proposal.author)
    folder = Path(app.instance_path) / "uploads"
    before = set(folder.glob("*")) if folder.exists() else set()
    response = client.post(f"/proposals/{proposal.id}/photos",
                           {"images": [(io.BytesIO(jpeg_with_gps()), "a.jpg"), (io.BytesIO(b"junk"), "b.jpg")]},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert (set(folder.glob("*")) if folder.exists() else set()) == before
