"""The maps' data in the JSON API: the same GeoJSON as the site's maps (the same read rules and filters, regions
and categories by code), and a filter that names nothing is a 400 in the API's one error shape."""

import json
from datetime import date, timedelta

import pytest

from accounts.geography import set_outline
from core.db import db, utcnow
from projects.promotion import promote_to_project
from proposals.models import ProposalStatus

SQUARE = {"type": "Polygon", "coordinates": [[[102.0, 25.0], [102.2, 25.0], [102.2, 25.2], [102.0, 25.2],
                                               [102.0, 25.0]]]}


@pytest.fixture
def village(make_region):
    village = make_region("village", parent=make_region("township", parent=make_region("county")))
    set_outline(village, actor=None, outline=json.dumps(SQUARE))
    db.session.commit()
    return village


def ids(response):
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["type"] == "FeatureCollection" and body["truncated"] is False
    return {f["properties"]["id"] for f in body["features"]}


def test_the_appeals_map_shows_what_the_sites_map_shows_and_no_private_appeal(api, make_appeal, village):
    shown = make_appeal(village=village, latitude=25.05, longitude=102.05)
    at_centre = make_appeal(village=village)
    private = make_appeal(village=village, public=False, latitude=25.06, longitude=102.06)
    voice_only = make_appeal(village=village, latitude=25.07, longitude=102.07)
    voice_only.to_listen = True
    db.session.commit()
    english = {"Accept-Language": "en"}
    data = api.get("/api/v1/appeals/map", headers=english).get_json()
    assert data == api.get("/appeals/map.json", headers=english).get_json()
    assert {f["properties"]["id"] for f in data["features"]} == {shown.id, at_centre.id}
    assert private.id not in ids(api.get("/api/v1/appeals/map?q=well"))
    point = next(f for f in data["features"] if f["properties"]["id"] == shown.id)
    assert point["geometry"] == {"type": "Point", "coordinates": [102.05, 25.05]}
    assert point["properties"]["url"] == f"/appeals/{shown.id}" and point["properties"]["approximate"] is False
    assert point["properties"]["title"] == shown.title and point["properties"]["status_label"] == "Submitted"


def test_the_appeals_map_takes_the_boards_filters_by_code(api, make_appeal, make_category, make_department,
                                                          make_region, village):
    roads, water = make_category(code="roads"), make_category(code="water")
    make_department(region=village.path[0], categories=[roads, water])
    road = make_appeal(village=village, category=roads, body="Pothole by the school.")
    well = make_appeal(village=village, category=water, body="The well is dry.")
    other = make_region()
    set_outline(other, actor=None, outline=json.dumps(SQUARE))
    elsewhere = make_appeal(village=other, category=roads, body="Another pothole.")
    county = village.path[0]
    assert ids(api.get("/api/v1/appeals/map?category=roads")) == {road.id, elsewhere.id}
    assert ids(api.get(f"/api/v1/appeals/map?region={county.code}")) == {road.id, well.id}
    assert ids(api.get(f"/api/v1/appeals/map?region={county.code}&category=water")) == {well.id}
    assert ids(api.get("/api/v1/appeals/map?q=pothole")) == {road.id, elsewhere.id}
    assert ids(api.get("/api/v1/appeals/map?status=resolved")) == set()
    assert api.get(f"/api/v1/appeals/map?region={county.code}&category=roads").get_json() == \
        api.get(f"/appeals/map.json?region={county.id}&category={roads.id}").get_json()


def test_the_proposals_map_leaves_hidden_proposals_out_and_searches(api, make_proposal, village):
    bridge = make_proposal(village=village, title="Fix the bridge", latitude=25.1, longitude=102.1)
    trees = make_proposal(village=village, title="Plant trees")
    hidden = make_proposal(village=village, title="Fix the road")
    hidden.hidden_at = utcnow()
    db.session.commit()
    assert ids(api.get("/api/v1/proposals/map")) == {bridge.id, trees.id}
    assert ids(api.get("/api/v1/proposals/map?q=Fix")) == {bridge.id}
    assert ids(api.get(f"/api/v1/proposals/map?category={trees.category.code}&status=open")) == {trees.id}
    assert ids(api.get("/api/v1/proposals/map?status=qualified")) == set()


def test_the_projects_map_places_projects_at_their_regions_centre(api, make_proposal, make_user, make_department,
                                                                  village, make_region):
    proposal = make_proposal(village=village, title="Mend the well")
    proposal.status = ProposalStatus.QUALIFIED
    department = make_department(region=village.path[0], categories=[proposal.category])
    official = make_user("official", department=department)
    project = promote_to_project(actor=official, title="Well repair", description="Pump", department=department,
                                 lead=official, budget_public_minor=0, start_on=date.today(),
                                 target_on=date.today() + timedelta(30), proposals=[proposal])
    db.session.commit()
    features = api.get("/api/v1/projects/map").get_json()["features"]
    assert [f["properties"]["id"] for f in features] == [project.id]
    assert features[0]["geometry"]["coordinates"] == pytest.approx([102.1, 25.1])
    assert features[0]["properties"]["approximate"] is True
    assert ids(api.get(f"/api/v1/projects/map?region={village.path[0].code}&status={project.status}")) == {project.id}
    assert ids(api.get(f"/api/v1/projects/map?region={make_region('county').code}")) == set()
    assert ids(api.get("/api/v1/projects/map?status=completed")) == set()


def test_the_outlines_of_a_region_by_code_named_in_the_readers_language(api, village, make_region):
    county = village.path[0]
    data = api.get(f"/api/v1/regions/outlines?region={county.code}", headers={"Accept-Language": "zh-CN"}).get_json()
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 1
    feature = data["features"][0]
    assert feature["geometry"] == SQUARE
    assert feature["properties"] == {"id": village.id, "level": "village", "code": village.code,
                                     "name": village.name_zh}
    english = api.get("/api/v1/regions/outlines", headers={"Accept-Language": "en"}).get_json()
    assert [f["properties"]["name"] for f in english["features"]] == [village.name_en]
    assert api.get(f"/api/v1/regions/outlines?region={make_region('county').code}").get_json()["features"] == []


@pytest.mark.parametrize("path", ["/api/v1/appeals/map", "/api/v1/proposals/map", "/api/v1/projects/map",
                                  "/api/v1/regions/outlines"])
@pytest.mark.parametrize("query, field, words", [
    ("region=nowhere", "region", "No region has this code: nowhere"),
    ("region=" + "x" * 300, "region", "No region has this code"),
    ("category=nothing", "category", "No category has this code: nothing"),
    ("status=nonsense", "status", "Unknown status: nonsense"),
    ("q=" + "长" * 201, "q", "Search for at most 200 characters."),
])
def test_a_bad_filter_is_a_400_that_says_which(api, village, path, query, field, words):
    response = api.get(f"{path}?{query}", headers={"Accept-Language": "en"})
    if field == "category" and "projects" in path or field != "region" and "outlines" in path \
            or field == "q" and "projects" in path:
        assert response.status_code == 200  # a filter this map does not take is left alone, as anywhere in the API
        return
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "bad_request" and error["status"] == 400 and error["field"] == field
    assert words in error["message"]


def test_a_bad_filter_is_said_in_the_readers_language(api, village):
    error = api.get("/api/v1/appeals/map?region=nowhere", headers={"Accept-Language": "zh-CN"}).get_json()["error"]
    assert error["message"] != "No region has this code: nowhere" and "nowhere" in error["message"]


def test_the_openapi_document_describes_the_maps(api):
    paths = api.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/appeals/map", "/api/v1/proposals/map", "/api/v1/projects/map", "/api/v1/regions/outlines"):
        operation = paths[path]["get"]
        assert "400" in operation["responses"] and operation["responses"]["200"]["content"]["application/json"]
        assert "region" in {p["name"] for p in operation["parameters"]}
    statuses = next(p for p in paths["/api/v1/appeals/map"]["get"]["parameters"] if p["name"] == "status")
    assert "submitted" in statuses["schema"]["enum"]
