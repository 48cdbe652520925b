"""The home page: what is happening in the visitor's region (proposals closing soon and gaining support, appeals
just answered, projects under way with their progress, this month's answer rate as the dashboard counts it),
and the cards' photos and bars on the home page and the lists."""

import io
import re
from datetime import date, timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from appeals import workflow
from appeals.services import month_of
from core.db import db, utcnow
from core.photos import photo_files, thumbnail_name
from core.storage import uploads
from projects.progress import complete_milestone
from projects.promotion import promote_to_project
from proposals.images import ProposalImage
from tests.helpers import WebClient, jpeg_with_gps
from voting.supports import cast_support

TODAY = date.today()


@pytest.fixture
def place(make_region):
    """A county with two townships of one village each."""
    county = make_region("county")
    here = make_region("village", parent=make_region("township", parent=county))
    there = make_region("village", parent=make_region("township", parent=county))
    return {"county": county, "here": here, "there": there}


def answered_appeal(make_appeal, make_user, village, body, public=True):
    appeal = make_appeal(village=village, body=body, public=public)
    official = make_user("official", department=appeal.department)
    workflow.answer_appeal(appeal, actor=official, body="The team comes on Monday.")
    db.session.commit()
    return appeal, official


def test_home_shows_what_closes_soon_and_gains_support_in_the_county(client, place, make_proposal, make_user):
    make_proposal(village=place["here"], title="Repair the well", goal_minor=500_000,
                  deadline=utcnow() + timedelta(days=3))
    popular = make_proposal(village=place["there"], title="Lights on the lane")
    for _ in range(3):
        cast_support(popular, actor=make_user("resident", region=place["there"], verified=True))
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    soon = html[html.index('id="closing-heading"'):html.index('id="trending-heading"')]
    rising = html[html.index('id="trending-heading"'):html.index('id="answered-heading"')]
    assert "Repair the well" in soon and "pledges close" in soon and "Lights on the lane" not in soon
    assert "Lights on the lane" in rising and "3 supports" in rising and "7 more needed" in rising
    assert 'max="10" value="3"' in rising  # the bar says it too, not only its colour
    assert "0% of" in soon and "pledged" in soon


def test_the_region_chooser_narrows_the_page_without_javascript(client, place, make_proposal):
    make_proposal(village=place["here"], title="Repair the well")
    make_proposal(village=place["there"], title="Lights on the lane")
    page = client.get("/").get_data(as_text=True)
    assert f'<option value="{place["here"].parent_id}"' in page  # townships to choose from, in a GET form
    chosen = client.get(f"/?region={place['there'].parent_id}").get_data(as_text=True)
    assert "Lights on the lane" in chosen and "Repair the well" not in chosen
    assert client.get("/?region=nonsense").status_code == 200
    assert client.get("/?region=99999999").status_code == 200


def test_a_signed_in_resident_sees_their_own_township_first(client, place, make_proposal, make_user):
    make_proposal(village=place["here"], title="Repair the well")
    make_proposal(village=place["there"], title="Lights on the lane")
    client.login(make_user("resident", region=place["here"], verified=True))
    html = client.get("/").get_data(as_text=True)
    assert "Repair the well" in html and "Lights on the lane" not in html
    assert "Send an appeal" in html and "Put forward a proposal" in html


def test_home_shows_public_appeals_answered_recently_and_never_private_ones(client, place, make_appeal,
                                                                           make_user):
    answered_appeal(make_appeal, make_user, place["here"], "The well by the school is dry.")
    answered_appeal(make_appeal, make_user, place["here"], "My pension was not paid.", public=False)
    make_appeal(village=place["here"], body="Nobody answered this yet.")
    html = client.get("/").get_data(as_text=True)
    section = html[html.index('id="answered-heading"'):html.index('id="projects-heading"')]
    assert "The well by the school is dry" in section and "answered" in section
    assert "pension" not in html and "Nobody answered" not in section


def test_home_shows_projects_in_progress_with_their_percent(client, place, make_appeal, make_user):
    appeal, official = answered_appeal(make_appeal, make_user, place["here"], "The road floods.")
    project = promote_to_project(actor=official, title="Drain the road", description="Ditches.",
                                 department=appeal.department, lead=official, budget_public_minor=0,
                                 start_on=TODAY, target_on=TODAY + timedelta(days=60), appeals=[appeal],
                                 milestones=[("Dig", TODAY + timedelta(days=10), 1),
                                             ("Pipe", TODAY + timedelta(days=30), 3)])
    complete_milestone(project.milestones[0], actor=official)
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    section = html[html.index('id="projects-heading"'):]
    assert "Drain the road" in section and "25% done" in section
    assert f'id="progress-{project.id}" max="100" value="25"' in section


def test_this_months_answer_rate_is_the_dashboards(make_app, make_appeal, make_user, place):
    app = make_app(MINYI_DASHBOARD_MIN_APPEALS=3)
    visitor = WebClient(app.test_client())
    for n in range(3):
        answered_appeal(make_appeal, make_user, place["here"], f"Answered {n}.")
    for n in range(2):
        make_appeal(village=place["there"], body=f"Waiting {n}.")
    month = visitor.get("/dashboard.json").get_json()["month"]
    shown = next(row for row in month if row["key"] == month_of(utcnow()))
    assert shown["response_rate"] == 0.6
    html = visitor.get("/").get_data(as_text=True)
    rate = html[html.index('id="rate-heading"'):html.index('id="closing-heading"')]
    assert "60%" in rate and "of 5 appeals answered" in rate
    township = visitor.get(f"/?region={place['here'].parent_id}").get_data(as_text=True)
    assert "100%" in township[township.index('id="rate-heading"'):township.index('id="closing-heading"')]
    few = visitor.get(f"/?region={place['there'].parent_id}").get_data(as_text=True)
    assert "too few for a fair rate" in few


def add_photo(client, proposal, size=(1200, 900), alt=""):
    client.login(proposal.author)
    response = client.post(f"/proposals/{proposal.id}/photos",
                           {"images": [(io.BytesIO(jpeg_with_gps(size)), "p.jpg")], "alt_text": alt},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    client.logout()
    return db.session.scalar(select(ProposalImage).where(ProposalImage.proposal_id == proposal.id))


@pytest.mark.parametrize("address", ["/", "/proposals"])
def test_cards_show_the_first_photo_as_lazy_thumbnails_with_alt_text(client, make_proposal, address):
    described = make_proposal(title="Repair the well")
    record = add_photo(client, described, alt="The dry well")
    untitled = add_photo(client, make_proposal(title="Lights on the lane"), size=(300, 200))
    html = client.get(address).get_data(as_text=True)
    card = re.search(r'<img class="card-photo"[^>]*alt="The dry well"[^>]*>', html, re.S).group(0)
    small, large = thumbnail_name(record.filename, 320), thumbnail_name(record.filename, 640)
    assert f'src="/proposals/photos/{small}"' in card and 'loading="lazy"' in card
    assert f"/proposals/photos/{small} 320w" in card and f"/proposals/photos/{large} 640w" in card
    assert 'width="320" height="240"' in card
    assert 'alt="Lights on the lane"' in html  # no description: the title
    assert f"/proposals/photos/{thumbnail_name(untitled.filename, 320)} 300w" in html
    served = client.get(f"/proposals/photos/{large}")
    assert served.status_code == 200 and served.mimetype == "image/webp"
    assert Image.open(io.BytesIO(served.data)).size == (640, 480)


def test_a_photo_from_before_thumbnails_still_shows_on_its_card(client, make_proposal):
    record = add_photo(client, make_proposal(title="Repair the well"))
    for name in photo_files(record.filename)[1:]:
        uploads().delete(name)
    served = client.get(f"/proposals/photos/{thumbnail_name(record.filename, 320)}")
    assert served.status_code == 200 and Image.open(io.BytesIO(served.data)).size == (320, 240)
    assert client.get(f"/proposals/photos/{record.filename[:32]}-999.webp").status_code == 404


def test_a_removed_photo_takes_its_thumbnails_with_it(client, make_proposal):
    proposal = make_proposal()
    record = add_photo(client, proposal)
    ident, name = record.id, record.filename
    assert all(uploads().exists(stored) for stored in photo_files(name))
    client.login(proposal.author)
    client.post(f"/proposals/photos/{ident}/remove")
    assert not any(uploads().exists(stored) for stored in photo_files(name))
    assert client.get(f"/proposals/photos/{thumbnail_name(name, 320)}").status_code == 404


def test_appeal_cards_show_photos_of_public_appeals_only(client, make_appeal, place):
    from appeals.models import AppealImage
    from appeals.queries import first_photos
    from appeals.services import add_photos

    shown = make_appeal(village=place["here"], body="The bridge rail is broken.")
    hidden = make_appeal(village=place["here"], body="A private matter.", public=False)
    for appeal in (shown, hidden):
        add_photos(appeal, [jpeg_with_gps((800, 600))], uploads())
    db.session.commit()
    photos = {p.appeal_id: p for p in db.session.scalars(select(AppealImage))}
    html = client.get("/appeals").get_data(as_text=True)
    assert f'src="/appeals/photos/{thumbnail_name(photos[shown.id].filename, 320)}"' in html
    assert 'alt="The bridge rail is broken"' in html  # its title
    assert set(first_photos([shown.id, hidden.id])) == {shown.id}  # never a private appeal's photo
    assert client.get(f"/appeals/photos/{thumbnail_name(photos[hidden.id].filename, 320)}").status_code == 404
