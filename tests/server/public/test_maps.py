"""The maps' data: GeoJSON that shows what the lists show (the same read rules and filters), nothing more."""

import json
from datetime import timedelta

import pytest

from accounts.geography import set_outline
from core.db import db, utcnow

SQUARE = {"type": "Polygon", "coordinates": [[[102.0, 25.0], [102.2, 25.0], [102.2, 25.2], [102.0, 25.2],
                                               [102.0, 25.0]]]}


@pytest.fixture
def village(make_region):
    county = make_region("county")
    village = make_region("village", parent=make_region("township", parent=county))
    set_outline(village, actor=None, outline=json.dumps(SQUARE))
    db.session.commit()
    return village


def ids(response):
    assert response.status_code == 200 and response.mimetype == "application/json"
    return {f["properties"]["id"] for f in response.get_json()["features"]}


def test_the_appeals_map_shows_public_written_appeals_only(client, make_appeal, village):
    shown = make_appeal(village=village, latitude=25.05, longitude=102.05)
    private = make_appeal(village=village, public=False, latitude=25.06, longitude=102.06)
    voice_only = make_appeal(village=village, latitude=25.07, longitude=102.07)
    voice_only.to_listen = True
    db.session.commit()
    data = client.get("/appeals/map.json").get_json()
    assert {f["properties"]["id"] for f in data["features"]} == {shown.id}
    assert private.id not in ids(client.get("/appeals/map.json"))
    point = data["features"][0]
    assert point["geometry"]["coordinates"] == [102.05, 25.05]
    assert point["properties"]["url"] == f"/appeals/{shown.id}" and not point["properties"]["approximate"]


def test_an_appeal_without_a_place_is_shown_at_its_villages_centre(client, make_appeal, make_region, village):
    at_centre = make_appeal(village=village)
    nowhere = make_appeal(village=make_region())  # its village has no centre: it cannot be placed
    features = client.get("/appeals/map.json").get_json()["features"]
    assert [f["properties"]["id"] for f in features] == [at_centre.id] and nowhere.id
    assert features[0]["properties"]["approximate"] is True
    assert features[0]["geometry"]["coordinates"] == pytest.approx([102.1, 25.1])


def test_the_appeals_map_takes_the_lists_filters(client, make_appeal, make_category, make_department, village,
                                                 make_region):
    roads, water = make_category(), make_category()
    make_department(region=village.path[0], categories=[roads, water])
    road = make_appeal(village=village, category=roads)
    well = make_appeal(village=village, category=water)
    other = make_region()
    set_outline(other, actor=None, outline=json.dumps(SQUARE))
    elsewhere = make_appeal(village=other, category=roads)
    assert ids(client.get(f"/appeals/map.json?category={roads.id}")) == {road.id, elsewhere.id}
    assert ids(client.get(f"/appeals/map.json?region={village.path[0].id}")) == {road.id, well.id}
    assert ids(client.get("/appeals/map.json?status=resolved")) == set()
    assert ids(client.get("/appeals/map.json?status=submitted")) == {road.id, well.id, elsewhere.id}


@pytest.mark.parametrize("path", ["/appeals/map.json", "/proposals/map.json", "/projects/map.json",
                                  "/regions/outlines.json"])
@pytest.mark.parametrize("query, words", [
    ("region=abc", "No region"), ("region=999999", "No region"), ("region=99999999999999999999", "No region"),
    ("category=-1", "No category"), ("status=nonsense", "Unknown status"),
])
def test_a_bad_filter_is_a_400_with_a_message_in_json(client, path, query, words):
    if path == "/regions/outlines.json" and query.startswith("status"):
        query = "region=x"
        words = "No region"
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400 and words in response.get_json()["error"]


@pytest.mark.parametrize("path", ["/appeals/map.json", "/proposals/map.json"])
def test_a_search_longer_than_the_search_field_takes_is_a_400_that_says_so(client, path):
    response = client.get(path, query_string={"q": "长" * 201})
    assert response.status_code == 400 and "at most 200 characters" in response.get_json()["error"]
    assert client.get(path, query_string={"q": "长" * 200}).status_code == 200


def test_a_bad_filter_on_a_map_page_is_said_on_the_page(client):
    response = client.get("/appeals/map?region=abc")
    assert response.status_code == 400 and "No region has this id" in response.get_data(as_text=True)


def test_the_proposals_map_hides_hidden_proposals_and_searches(client, make_proposal, village):
    bridge = make_proposal(village=village, title="Fix the bridge", latitude=25.1, longitude=102.1)
    make_proposal(village=village, title="Plant trees")
    hidden = make_proposal(village=village, title="Fix the road")
    hidden.hidden_at = utcnow()
    db.session.commit()
    assert ids(client.get("/proposals/map.json?q=Fix")) == {bridge.id}
    assert len(ids(client.get("/proposals/map.json"))) == 2


def test_the_outlines_are_public_geojson_of_a_region_and_what_lies_in_it(client, village, make_region):
    county = village.path[0]
    data = client.get(f"/regions/outlines.json?region={county.id}").get_json()
    assert [f["properties"]["id"] for f in data["features"]] == [village.id]
    assert data["features"][0]["geometry"] == SQUARE
    assert client.get(f"/regions/outlines.json?region={make_region('county').id}").get_json()["features"] == []


def test_the_officials_map_marks_each_waiting_appeal_by_time_left(client, make_appeal, make_user, village):
    late, soon, fine = (make_appeal(village=village) for _ in range(3))
    department = late.department
    late.due_at, soon.due_at, fine.due_at = utcnow() - timedelta(hours=1), utcnow() + timedelta(hours=20), \
        utcnow() + timedelta(days=10)
    for appeal in (soon, fine):
        appeal.department = department
    private = make_appeal(village=village, public=False)
    private.department = department
    db.session.commit()
    client.login(make_user("official", department=department))
    features = client.get("/officials/appeals/map.json").get_json()["features"]
    states = {f["properties"]["id"]: f["properties"]["deadline"] for f in features}
    assert states[late.id] == "overdue" and states[soon.id] == "soon" and states[fine.id] == "fine"
    assert private.id in states  # the officials handling it see it; the public map never does
    assert features[0]["properties"]["url"].startswith("/officials/appeals/")


def test_the_officials_map_holds_only_their_own_departments_appeals(client, make_appeal, make_user, village):
    appeal = make_appeal(village=village)
    client.login(make_user("official", region=village.path[0]))  # another department
    assert appeal.id not in ids(client.get("/officials/appeals/map.json"))


def test_each_list_links_to_its_map_with_its_filters(client, village):
    html = client.get(f"/appeals?region={village.id}&after=5").get_data(as_text=True)
    assert f'href="/appeals/map?region={village.id}"' in html
    page = client.get(f"/appeals/map?region={village.id}").get_data(as_text=True)
    assert f'data-points="/appeals/map.json?region={village.id}"' in page
    assert f'href="/appeals?region={village.id}"' in page
    assert 'href="/proposals/map"' in client.get("/proposals").get_data(as_text=True)
    assert 'href="/projects/map"' in client.get("/projects").get_data(as_text=True)


def test_the_tile_source_is_a_setting_and_allowed_by_the_content_security_policy(make_app):
    app = make_app(MINYI_MAP_TILES="https://{s}.tiles.example.org/{z}/{x}/{y}.png",
                   MINYI_MAP_ATTRIBUTION="© Example")
    response = app.test_client().get("/appeals/map")
    html = response.get_data(as_text=True)
    assert 'data-tiles="https://{s}.tiles.example.org/{z}/{x}/{y}.png"' in html and "© Example" in html
    assert "https://*.tiles.example.org" in response.headers["Content-Security-Policy"]


def test_tianditu_needs_only_its_key(make_app):
    app = make_app(MINYI_TIANDITU_KEY="k123")
    response = app.test_client().get("/proposals/map")
    html = response.get_data(as_text=True)
    assert "tianditu.gov.cn/vec_w/wmts" in html and "tk=k123" in html and "cva_w" in html
    assert "https://*.tianditu.gov.cn" in response.headers["Content-Security-Policy"]


def test_without_a_tile_source_the_map_asks_for_no_tiles(client):
    html = client.get("/projects/map").get_data(as_text=True)
    assert 'data-tiles=""' in html


def test_an_admin_pastes_an_outline_and_a_bad_one_is_refused_with_a_reason(client, make_user, make_region):
    village = make_region()
    client.login(make_user("admin"))
    url = f"/admin/regions/{village.id}/outline"
    refused = client.post(url, {"outline": '{"type": "Point", "coordinates": [102, 25]}'})
    assert refused.status_code == 422 and "Polygon or MultiPolygon" in refused.get_data(as_text=True)
    assert client.post(url, {"outline": json.dumps(SQUARE)}).status_code == 302
    db.session.expire_all()
    assert village.centre_latitude == pytest.approx(25.1)
    page = client.get(url).get_data(as_text=True)
    assert 'id="centre_latitude"' in page and 'value="25.1' not in page  # its own centre: left empty to follow
    client.post(url, {"outline": json.dumps(SQUARE), "centre_latitude": "25.05", "centre_longitude": "102.05"})
    assert 'value="25.05"' in client.get(url).get_data(as_text=True)


def test_outlines_can_be_imported_from_the_command_line(app, make_region, tmp_path):
    from server.commands.regions import import_outlines_command

    village = make_region()
    path = tmp_path / "outlines.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": village.code}, "geometry": SQUARE}]}))
    result = app.test_cli_runner().invoke(import_outlines_command, [str(path)])
    assert result.exit_code == 0 and "1 regions" in result.output
    path.write_text("{}")
    result = app.test_cli_runner().invoke(import_outlines_command, [str(path)])
    assert result.exit_code != 0 and "FeatureCollection" in result.output
