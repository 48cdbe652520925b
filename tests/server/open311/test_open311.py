"""Open311 GeoReport v2: what a client of the spec sees, field by field, in JSON and in XML."""

import json
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from accounts.tokens import create_token
from appeals import workflow as appeal_workflow
from appeals.models import Appeal, AppealEvent
from core.db import db, utcnow

V2 = "/open311/v2"
SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
REQUEST_FIELDS = ["service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url",
                  "title"]  # an extension: the appeal's title


def as_json(response, status=200):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.data)


def as_xml(response, status=200):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert response.data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.data)


def json_error(response, status):
    body = as_json(response, status)
    assert isinstance(body, list) and body and all(set(e) == {"code", "description"} for e in body)
    assert body[0]["code"] == status and body[0]["description"]
    return " ".join(e["description"] for e in body)


def xml_error(response, status):
    root = as_xml(response, status)
    assert root.tag == "errors" and [e.tag for e in root] == ["error"] * len(root)
    assert [c.tag for c in root[0]] == ["code", "description"] and root[0].findtext("code") == str(status)
    return root[0].findtext("description")


def appeal_count():
    return db.session.scalar(select(func.count()).select_from(Appeal))


@pytest.fixture
def desk(make_region, make_category, make_department):
    """A village, the category "water" and the county department serving it."""
    village = make_region("village", code="530121-101-003", name_en="East Village")
    category = make_category(code="water", name_en="Water supply", name_zh="供水")
    department = make_department(region=village.path[0], categories=[category], name_en="Water bureau",
                                 name_zh="水务局")
    return village, category, department


@pytest.fixture
def resident_key(make_user, desk):
    """A resident of the desk's village and their personal API token."""
    user = make_user("resident", region=desk[0], verified=True)
    _record, text = create_token(user, actor=user, name="open311 app")
    db.session.commit()
    return user, text


# --- discovery, services, service definitions ----------------------------------------------------------


def test_discovery_names_the_georeport_v2_endpoint_in_both_formats(client):
    body = as_json(client.get("/open311/discovery.json"))
    assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
    assert body["endpoints"] == [{"specification": "http://wiki.open311.org/GeoReport_v2",
                                  "url": "http://localhost/open311/v2", "changeset": body["changeset"],
                                  "type": "production", "formats": ["text/xml", "application/json"]}]
    assert "/account" in body["key_service"]
    root = as_xml(client.get("/open311/discovery.xml"))
    assert root.tag == "discovery" and [c.tag for c in root] == ["changeset", "contact", "key_service", "endpoints"]
    endpoint = root.find("endpoints/endpoint")
    assert endpoint.findtext("url") == "http://localhost/open311/v2" and endpoint.findtext("type") == "production"
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]


def test_service_list_in_json_has_every_active_category(client, desk, make_category):
    make_category(code="retired", name_en="Retired").active = False
    db.session.commit()
    body = as_json(client.get(f"{V2}/services.json"))
    assert body == [{"service_code": "water", "service_name": "Water supply", "description": "Water bureau",
                     "metadata": True, "type": "realtime", "keywords": "", "group": ""}]
    assert list(body[0]) == SERVICE_FIELDS


def test_service_list_in_xml_follows_the_spec_element_names(client, desk, make_category):
    make_category(code="lights", name_en="Street lights")  # no department serves it yet
    root = as_xml(client.get(f"{V2}/services.xml"))
    assert root.tag == "services" and [s.tag for s in root] == ["service", "service"]
    lights, water = root
    assert [c.tag for c in water] == SERVICE_FIELDS
    assert water.findtext("service_code") == "water" and water.findtext("service_name") == "Water supply"
    assert water.findtext("description") == "Water bureau"
    assert water.findtext("metadata") == "true" and water.findtext("type") == "realtime"
    assert lights.findtext("service_code") == "lights" and (lights.findtext("description") or "") == ""


def test_service_names_follow_accept_language(client, desk):
    body = as_json(client.get(f"{V2}/services.json", headers={"Accept-Language": "zh-CN"}))
    assert (body[0]["service_name"], body[0]["description"]) == ("供水", "水务局")
    root = as_xml(client.get(f"{V2}/services.xml", headers={"Accept-Language": "zh-CN"}))
    assert root.findtext("service/service_name") == "供水"


ATTRIBUTE_FIELDS = ["variable", "code", "datatype", "required", "datatype_description", "order", "description"]


def test_the_service_definition_offers_a_title_for_the_request(client, desk):
    body = as_json(client.get(f"{V2}/services/water.json"))
    assert body["service_code"] == "water" and len(body["attributes"]) == 1
    title = body["attributes"][0]
    assert list(title) == ATTRIBUTE_FIELDS
    assert (title["variable"], title["code"], title["datatype"], title["required"], title["order"]) == (
        True, "title", "string", False, 1)
    assert "120 characters" in title["datatype_description"] and "first sentence" in title["description"]
    root = as_xml(client.get(f"{V2}/services/water.xml"))
    assert root.tag == "service_definition" and [c.tag for c in root] == ["service_code", "attributes"]
    attribute = root.find("attributes/attribute")
    assert [c.tag for c in attribute] == ATTRIBUTE_FIELDS and len(root.find("attributes")) == 1
    assert (attribute.findtext("code"), attribute.findtext("variable"), attribute.findtext("required")) == (
        "title", "true", "false")
    chinese = as_json(client.get(f"{V2}/services/water.json", headers={"Accept-Language": "zh-CN"}))
    assert chinese["attributes"][0]["description"] != title["description"]


def test_unknown_or_retired_service_code_is_a_404_in_the_open311_format(client, desk, make_category):
    make_category(code="retired").active = False
    db.session.commit()
    assert "nothing" in json_error(client.get(f"{V2}/services/nothing.json"), 404)
    assert "retired" in xml_error(client.get(f"{V2}/services/retired.xml"), 404)


@pytest.mark.parametrize("path", [f"{V2}/services.csv", f"{V2}/services", f"{V2}/services/water.html",
                                  f"{V2}/requests/1.txt", f"{V2}/no-such-thing.json", "/open311/discovery.yaml"])
def test_other_formats_and_unknown_resources_are_open311_404s_in_json(client, desk, path):
    json_error(client.get(path), 404)


def test_routing_errors_under_open311_use_the_requested_format(client, desk):
    xml_error(client.get(f"{V2}/no-such-thing.xml"), 404)
    xml_error(client.raw.delete(f"{V2}/services.xml"), 405)
    json_error(client.raw.put(f"{V2}/requests/1.json"), 405)


def test_an_unexpected_failure_is_a_500_in_the_open311_format(client, desk, monkeypatch):
    from server.open311 import endpoints as open311

    monkeypatch.setattr(open311, "_service", lambda category: 1 / 0)
    xml_error(client.get(f"{V2}/services.xml"), 500)


# --- POST Service Request --------------------------------------------------------------------------------


def post(client, fmt="json", **fields):
    """A form-encoded POST without any CSRF token, as an Open311 client sends it."""
    return client.raw.post(f"{V2}/requests.{fmt}", data=fields)


def test_a_resident_posts_a_request_with_their_api_key(client, desk, resident_key):
    village, category, department = desk
    user, key = resident_key
    body = as_json(post(client, api_key=key, service_code="water", lat="25.0431", long="102.7064",
                        address_string="Behind the school, East Village", description="The well is dry.",
                        email="Li@Example.org", phone="13800138000", first_name="Li", device_id="x1"))
    assert len(body) == 1 and list(body[0]) == ["service_request_id", "service_notice", "account_id"]
    assert body[0]["service_notice"] == "" and body[0]["account_id"] is None and "token" not in body[0]
    appeal = db.session.get(Appeal, int(body[0]["service_request_id"]))
    assert (appeal.author_id, appeal.category_id, appeal.region_id) == (user.id, category.id, village.id)
    assert appeal.department_id == department.id and appeal.due_at is not None  # routed, with a deadline
    assert (appeal.body, appeal.latitude, appeal.longitude) == ("The well is dry.", 25.0431, 102.7064)
    assert appeal.address == "Behind the school, East Village" and appeal.channel == "web" and appeal.public
    assert (appeal.contact_email, appeal.contact_phone) == ("li@example.org", "+8613800138000")
    assert db.session.scalar(select(AppealEvent.kind).where(AppealEvent.appeal_id == appeal.id)) == "submitted"


def test_post_in_xml_names_the_village_by_address_id(client, desk, resident_key, make_region):
    elsewhere = make_region("village", parent=desk[0].parent, code="530121-101-009")
    root = as_xml(post(client, "xml", api_key=resident_key[1], service_code="water", address_id="530121-101-009",
                       description="水井干了。"))
    assert root.tag == "service_requests" and [r.tag for r in root] == ["request"]
    assert [c.tag for c in root[0]] == ["service_request_id", "service_notice", "account_id"]
    appeal = db.session.get(Appeal, int(root.findtext("request/service_request_id")))
    assert appeal.region_id == elsewhere.id and appeal.body == "水井干了。" and appeal.latitude is None


@pytest.mark.parametrize("key", [None, "", "minyi_not-a-real-token", "xyz"])
def test_a_missing_or_unknown_api_key_is_a_403(client, desk, key):
    fields = {"service_code": "water", "lat": "25", "long": "102", "description": "dry"}
    if key is not None:
        fields["api_key"] = key
    assert "api_key" in json_error(post(client, **fields), 403)
    assert "api_key" in xml_error(post(client, "xml", **fields), 403)
    assert appeal_count() == 0


def test_an_officials_api_key_cannot_post_requests(client, desk, make_user):
    official = make_user("official", department=desk[2])
    _record, key = create_token(official, actor=official, name="bot")
    db.session.commit()
    json_error(post(client, api_key=key, service_code="water", lat="25", long="102", description="dry"), 403)
    assert appeal_count() == 0


def test_a_revoked_api_key_is_refused(client, desk, resident_key):
    from accounts.tokens import ApiToken, revoke_token

    user, key = resident_key
    revoke_token(db.session.scalar(select(ApiToken)), actor=user)
    db.session.commit()
    json_error(post(client, api_key=key, service_code="water", lat="25", long="102", description="dry"), 403)


@pytest.mark.parametrize("fields, status, expected", [
    ({"service_code": "sewage"}, 404, "service_code sewage was not found"),
    ({"service_code": "retired"}, 404, "service_code retired was not found"),
    ({"service_code": ""}, 400, "service_code was not provided"),
    ({"lat": "", "long": ""}, 400, "A location is needed"),
    ({"long": ""}, 400, "both lat and long"),
    ({"lat": "north", "long": "east"}, 400, "decimal degrees"),
    ({"lat": "95", "long": "102"}, 400, "lat: Latitude lies between -90 and 90"),
    ({"description": "   "}, 400, "description was not provided"),
    ({"address_id": "530121-101"}, 400, "address_id must be the code of a village"),
    ({"address_id": "nowhere"}, 400, "address_id must be the code of a village"),
    ({"email": "nobody"}, 400, "email: This is not a valid email address"),
    ({"phone": "12345"}, 400, "phone: This is not a valid mobile phone number"),
    ({"description": "x" * 20_000}, 400, "description: Use at most"),
    ({"description": "dry\x00"}, 400, "NUL byte"),
])
def test_bad_requests_get_a_clear_open311_error_and_nothing_is_saved(client, desk, resident_key, make_category,
                                                                      make_region, fields, status, expected):
    make_category(code="retired").active = False
    make_region("township", parent=desk[0].path[0], code="530121-101")
    db.session.commit()
    form = {"api_key": resident_key[1], "service_code": "water", "lat": "25.04", "long": "102.70",
            "description": "The well is dry.", **fields}
    assert expected in json_error(post(client, **form), status)
    assert expected in xml_error(post(client, "xml", **form), status)
    assert appeal_count() == 0


@pytest.mark.parametrize("parameter", ["attribute[title]", "title"])
def test_a_request_takes_its_title_from_the_title_attribute(client, desk, resident_key, parameter):
    body = as_json(post(client, api_key=resident_key[1], service_code="water", lat="25.04", long="102.70",
                        description="The well behind the school is dry. It has been so since Monday.",
                        **{parameter: "  Dry well behind the school  ", "attribute[colour]": "ignored"}))
    appeal = db.session.get(Appeal, int(body[0]["service_request_id"]))
    assert appeal.title == "Dry well behind the school"
    assert as_json(client.get(f"{V2}/requests/{appeal.id}.json"))[0]["title"] == "Dry well behind the school"
    root = as_xml(client.get(f"{V2}/requests/{appeal.id}.xml"))
    assert root.findtext("request/title") == "Dry well behind the school"


@pytest.mark.parametrize("title", [None, "", "   "])
def test_without_a_title_the_first_sentence_is_one(client, desk, resident_key, title):
    fields = {} if title is None else {"attribute[title]": title}
    body = as_json(post(client, api_key=resident_key[1], service_code="water", lat="25.04", long="102.70",
                        description="The well is dry. It has been so since Monday.", **fields))
    assert db.session.get(Appeal, int(body[0]["service_request_id"])).title == "The well is dry"


@pytest.mark.parametrize("fields, expected", [
    ({"attribute[title]": "x" * 121}, "attribute[title]: Use at most 120 characters."),
    ({"title": "长" * 121}, "title: Use at most 120 characters."),
    ({"attribute[title]": "Dry\u200bwell"}, "attribute[title]: Please use only visible letters"),
    ({"attribute[title]": "Dry well", "title": "Broken pump"}, "Send one title, in attribute[title]."),
])
def test_a_bad_title_is_an_open311_error_and_nothing_is_saved(client, desk, resident_key, fields, expected):
    form = {"api_key": resident_key[1], "service_code": "water", "lat": "25.04", "long": "102.70",
            "description": "The well is dry.", **fields}
    assert expected in json_error(post(client, **form), 400)
    assert expected in xml_error(post(client, "xml", **form), 400)
    assert appeal_count() == 0


def test_every_missing_required_argument_is_reported_at_once(client, desk, resident_key):
    body = as_json(post(client, api_key=resident_key[1]), 400)
    assert [e["code"] for e in body] == [400, 400, 400]
    assert ["service_code" in body[0]["description"], "location" in body[1]["description"],
            "description" in body[2]["description"]] == [True, True, True]


def test_a_resident_without_a_village_must_send_address_id(client, desk, resident_key):
    user, key = resident_key
    user.region = desk[0].parent  # e.g. an account whose home is only known to the township
    db.session.commit()
    form = {"api_key": key, "service_code": "water", "address_string": "By the well", "description": "Dry."}
    assert "address_id" in json_error(post(client, **form), 400)
    assert appeal_count() == 0
    assert as_json(post(client, **form, address_id=desk[0].code))[0]["service_request_id"]


# --- GET Service Request(s) and tokens ---------------------------------------------------------------------


@pytest.fixture
def appeal(make_appeal, make_user, desk):
    village, category, _department = desk
    author = make_user("resident", region=village, verified=True)
    return make_appeal(author=author, village=village, category=category, latitude=25.0431, longitude=102.7064,
                       address="Behind the school")


def test_one_request_in_json_field_by_field(client, desk, appeal):
    village, category, department = desk
    body = as_json(client.get(f"{V2}/requests/{appeal.id}.json"))
    assert len(body) == 1 and list(body[0]) == REQUEST_FIELDS
    request = body[0]
    assert request["service_request_id"] == str(appeal.id)
    assert (request["status"], request["status_notes"]) == ("open", "")
    assert (request["service_name"], request["service_code"]) == ("Water supply", "water")
    assert request["description"] == appeal.body and request["agency_responsible"] == "Water bureau"
    assert request["title"] == appeal.title
    assert (request["address"], request["address_id"]) == ("Behind the school", "530121-101-003")
    assert (request["lat"], request["long"]) == (25.0431, 102.7064)
    assert (request["service_notice"], request["zipcode"], request["media_url"]) == ("", "", "")
    for field, moment in [("requested_datetime", appeal.created_at), ("updated_datetime", appeal.created_at),
                          ("expected_datetime", appeal.due_at)]:
        assert request[field].endswith("+08:00")  # W3C, in the residents' time zone, with its offset
        assert datetime.fromisoformat(request[field]) == moment.replace(microsecond=0)


def test_one_request_in_xml(client, appeal):
    root = as_xml(client.get(f"{V2}/requests/{appeal.id}.xml"))
    assert root.tag == "service_requests" and [r.tag for r in root] == ["request"]
    assert [c.tag for c in root[0]] == REQUEST_FIELDS
    assert root.findtext("request/service_request_id") == str(appeal.id)
    assert root.findtext("request/status") == "open" and root.findtext("request/lat") == "25.0431"
    assert root.findtext("request/requested_datetime").endswith("+08:00")
    assert (root.findtext("request/status_notes") or "") == ""


def test_a_resolved_request_is_closed_with_the_answer_as_status_notes(client, appeal, make_user):
    official = make_user("official", department=appeal.department)
    appeal_workflow.add_note(appeal, actor=official, body="Internal: the pump is broken.")
    appeal_workflow.answer_appeal(appeal, actor=official, body="The pump was repaired today.", resolve=True)
    db.session.commit()
    request = as_json(client.get(f"{V2}/requests/{appeal.id}.json"))[0]
    assert (request["status"], request["status_notes"]) == ("closed", "The pump was repaired today.")
    assert datetime.fromisoformat(request["updated_datetime"]) >= datetime.fromisoformat(
        request["requested_datetime"])


def test_a_rejected_request_is_closed_with_the_public_reason(client, appeal, make_user):
    official = make_user("official", department=appeal.department)
    appeal_workflow.reject_appeal(appeal, actor=official, reason="The well is private property.")
    db.session.commit()
    request = as_json(client.get(f"{V2}/requests/{appeal.id}.json"))[0]
    assert (request["status"], request["status_notes"]) == ("closed", "The well is private property.")


def test_an_answered_but_unresolved_request_stays_open(client, appeal, make_user):
    official = make_user("official", department=appeal.department)
    appeal_workflow.answer_appeal(appeal, actor=official, body="We will come on Monday.")
    db.session.commit()
    request = as_json(client.get(f"{V2}/requests/{appeal.id}.json"))[0]
    assert (request["status"], request["status_notes"]) == ("open", "We will come on Monday.")


@pytest.mark.parametrize("ident", ["999999", "abc", "0", "99999999999"])
def test_an_unknown_request_is_a_404(client, appeal, ident):
    assert ident in json_error(client.get(f"{V2}/requests/{ident}.json"), 404)


def test_a_private_appeal_is_neither_listed_nor_shown(client, desk, appeal, make_appeal):
    private = make_appeal(author=appeal.author, village=desk[0], category=desk[1], public=False)
    listed = [r["service_request_id"] for r in as_json(client.get(f"{V2}/requests.json"))]
    assert listed == [str(appeal.id)]
    json_error(client.get(f"{V2}/requests/{private.id}.json"), 404)
    xml_error(client.get(f"{V2}/requests/{private.id}.xml"), 404)
    assert as_json(client.get(f"{V2}/requests.json?service_request_id={private.id}")) == []


def test_token_gives_the_service_request_id(client, appeal):
    body = as_json(client.get(f"{V2}/tokens/{appeal.receipt_code}.json"))
    assert body == [{"service_request_id": str(appeal.id), "token": appeal.receipt_code}]
    root = as_xml(client.get(f"{V2}/tokens/{appeal.receipt_code}.xml"))
    assert root.tag == "service_requests" and [c.tag for c in root.find("request")] == ["service_request_id", "token"]
    assert root.findtext("request/service_request_id") == str(appeal.id)
    assert "ZZZZ-ZZZZ" in json_error(client.get(f"{V2}/tokens/ZZZZ-ZZZZ.json"), 404)
    xml_error(client.get(f"{V2}/tokens/nothing.xml"), 404)


# --- GET Service Requests: filters -----------------------------------------------------------------------


@pytest.fixture
def history(desk, make_appeal, make_category, make_department, make_user):
    """Four public appeals: water 2 and 40 days old (the older one resolved), lights 10 days old, water 115
    days old. Returns them by name."""
    village, water, _department = desk
    lights = make_category(code="lights", name_en="Street lights")
    make_department(region=village.path[0], categories=[lights])
    author = make_user("resident", region=village, verified=True)
    made = {}
    for name, category, days in [("recent", water, 2), ("old_resolved", water, 40), ("lights", lights, 10),
                                 ("ancient", water, 115)]:
        appeal = make_appeal(author=author, village=village, category=category, body=f"Appeal {name}")
        appeal.created_at = utcnow() - timedelta(days=days)
        made[name] = appeal
    db.session.commit()
    official = make_user("official", department=made["old_resolved"].department)
    appeal_workflow.answer_appeal(made["old_resolved"], actor=official, body="Fixed.", resolve=True)
    db.session.commit()
    return made


def listed(client, query="", status=200):
    body = as_json(client.get(f"{V2}/requests.json{query}"), status)
    return [r["description"].removeprefix("Appeal ") for r in body]


def test_requests_default_to_the_last_90_days_newest_first(client, history):
    assert listed(client) == ["recent", "lights", "old_resolved"]
    root = as_xml(client.get(f"{V2}/requests.xml"))
    assert [r.findtext("description") for r in root.findall("request")] == \
        ["Appeal recent", "Appeal lights", "Appeal old_resolved"]


def test_requests_by_status(client, history):
    assert listed(client, "?status=closed") == ["old_resolved"]
    assert listed(client, "?status=open") == ["recent", "lights"]
    assert listed(client, "?status=open,closed") == ["recent", "lights", "old_resolved"]
    assert listed(client, "?status=open&status=closed") == ["recent", "lights", "old_resolved"]
    assert "status" in json_error(client.get(f"{V2}/requests.json?status=pending"), 400)


def test_requests_by_service_code(client, history):
    assert listed(client, "?service_code=lights") == ["lights"]
    assert listed(client, "?service_code=water,lights&status=open") == ["recent", "lights"]
    assert listed(client, "?service_code=nothing") == []


def test_empty_arguments_are_ignored(client, history):
    assert listed(client, "?service_code=&status=&start_date=&end_date=&jurisdiction_id=") == \
        ["recent", "lights", "old_resolved"]


def test_at_most_the_spec_limit_of_requests_newest_first(client, history, monkeypatch):
    from server.open311 import endpoints as open311

    monkeypatch.setattr(open311, "MOST", 2)
    assert listed(client) == ["recent", "lights"]


def test_requests_by_service_request_id_override_every_other_argument(client, history):
    ids = f"{history['ancient'].id},{history['recent'].id},nonsense,{history['lights'].id}"
    assert listed(client, f"?service_request_id={ids}&status=closed&service_code=water&start_date=bad") == \
        ["recent", "lights", "ancient"]


def w3c_arg(moment, offset="+08:00"):
    """A W3C datetime query argument, with its offset percent-encoded as a careful client sends it."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Asia/Shanghai") if offset == "+08:00" else ZoneInfo("UTC")
    text = moment.astimezone(zone).replace(microsecond=0).isoformat()
    return text.replace("+00:00", "Z").replace("+", "%2B")


def test_requests_between_start_and_end_date(client, history):
    now = utcnow()
    start, end = w3c_arg(now - timedelta(days=50)), w3c_arg(now - timedelta(days=5), "Z")
    assert listed(client, f"?start_date={start}&end_date={end}") == ["lights", "old_resolved"]
    # Only a start: the 90 days from it; only an end: the 90 days up to it.
    assert listed(client, f"?start_date={w3c_arg(now - timedelta(days=125))}") == ["old_resolved", "ancient"]
    # (each window edge is days away from every appeal: the seconds the test takes never move one across)
    assert listed(client, f"?end_date={w3c_arg(now - timedelta(days=30))}") == ["old_resolved", "ancient"]


def test_an_unencoded_plus_in_a_date_still_reads_as_an_offset(client, history):
    start = (utcnow() - timedelta(days=15)).strftime("%Y-%m-%dT%H:%M:%S") + "+00:00"
    assert listed(client, f"?start_date={start}") == ["recent", "lights"]  # "+" arrives as a space


@pytest.mark.parametrize("query, expected", [
    ("?start_date=yesterday", "start_date must be a W3C datetime"),
    ("?end_date=2026-11-27T10:00:00", "end_date must be a W3C datetime"),  # no time zone
    ("?start_date=2026-02-30T00:00:00Z", "start_date must be a W3C datetime"),
    ("?start_date=2026-11-27T00:00:00Z&end_date=2026-11-01T00:00:00Z", "start_date must not be after end_date"),
    ("?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", "may not span more than 90 days"),
])
def test_a_malformed_or_too_wide_date_range_is_a_400(client, history, query, expected):
    assert expected in json_error(client.get(f"{V2}/requests.json{query}"), 400)
    assert expected in xml_error(client.get(f"{V2}/requests.xml{query}"), 400)


def test_a_posted_request_can_be_read_back_by_a_client(client, desk, resident_key):
    posted = as_json(post(client, api_key=resident_key[1], service_code="water", address_string="By the well",
                          description="Dry again."))[0]["service_request_id"]
    request = as_json(client.get(f"{V2}/requests/{posted}.json"))[0]
    assert (request["service_code"], request["description"], request["address"]) == ("water", "Dry again.",
                                                                                      "By the well")
    assert request["address_id"] == desk[0].code and request["status"] == "open"
    assert [r["service_request_id"] for r in as_json(client.get(f"{V2}/requests.json"))] == [posted]


@pytest.mark.parametrize("dates", [{"start_date": "9999-12-31"}, {"end_date": "0001-01-01T00:00:00Z"},
                                   {"start_date": "0001-01-01T00:00:00+08:00"}])
def test_dates_out_of_any_calendar_range_are_a_400(client, dates):
    response = client.get("/open311/v2/requests.json", query_string=dates)
    assert response.status_code == 400 and "W3C datetime" in response.get_json()[0]["description"]
