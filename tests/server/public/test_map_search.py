"""A map of a search shows the newest matches, however it finds them. For a common word the matches are
remembered (core.search.newest): the map must still follow new appeals, changed texts, hidden appeals and other
filters at once. The sizes are made small here so a handful of appeals is "common"."""

import json

import pytest

from accounts.geography import set_outline
from core import search
from core.db import db
from server.web import maps
from tests.server.public.test_maps import SQUARE


@pytest.fixture
def small(monkeypatch):
    """Maps of two points, five matches remembered, every search common, no row counted as still being saved."""
    monkeypatch.setattr(maps, "POINTS_MAX", 2)
    monkeypatch.setattr(search, "RECENT", 5)
    monkeypatch.setattr(search, "DENSE", 1)
    monkeypatch.setattr(search, "IN_FLIGHT", 0)


@pytest.fixture
def village(make_region):
    village = make_region("village", parent=make_region("township", parent=make_region("county")))
    set_outline(village, actor=None, outline=json.dumps(SQUARE))
    db.session.commit()
    return village


def shown(client, address):
    data = client.get(address).get_json()
    return [f["properties"]["id"] for f in data["features"]], data["truncated"]


def test_a_common_words_map_follows_new_changed_and_hidden_appeals(client, small, make_appeal, village):
    wells = [make_appeal(village=village, body=f"Water {n}: the well is dry.") for n in range(7)]
    plain = make_appeal(village=village, body="The road to the market is broken.")
    assert shown(client, "/appeals/map.json?q=water") == ([wells[6].id, wells[5].id], True)

    # A new appeal with the word is on the map at once.
    new = make_appeal(village=village, body="No water in the school since Monday.")
    assert shown(client, "/appeals/map.json?q=water") == ([new.id, wells[6].id], True)

    # An appeal whose text now holds the word (an official wrote it down, corrected it) is too.
    plain.body = "The road to the water tower is broken."
    db.session.commit()
    assert shown(client, "/appeals/map.json?q=water") == ([new.id, plain.id], True)

    # An appeal made private leaves the map; the next match takes its place.
    new.public = False
    plain.body = "The road to the market is broken again."
    db.session.commit()
    assert shown(client, "/appeals/map.json?q=water") == ([wells[6].id, wells[5].id], True)

    # Other filters still hold, even when few of the newest matches pass them: the oldest one answered.
    wells[0].status = "answered"
    db.session.commit()
    assert shown(client, "/appeals/map.json?q=water&status=answered") == ([wells[0].id], False)
    assert shown(client, "/appeals/map.json?q=dry") == ([wells[6].id, wells[5].id], True)


def test_a_common_words_map_of_proposals_follows_an_edited_title(client, small, make_proposal, village):
    from proposals.services import edit_proposal

    bridges = [make_proposal(village=village, title=f"Mend bridge {n}", latitude=25.1, longitude=102.1)
               for n in range(6)]
    garden = make_proposal(village=village, title="A garden by the school", latitude=25.1, longitude=102.1)
    assert shown(client, "/proposals/map.json?q=bridge") == ([bridges[5].id, bridges[4].id], True)
    edit_proposal(garden, actor=garden.author, title="A garden by the bridge")
    db.session.commit()
    assert shown(client, "/proposals/map.json?q=bridge") == ([garden.id, bridges[5].id], True)
