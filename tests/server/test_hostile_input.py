"""A corpus of hostile input against every form and every endpoint (issue 8).

Every route of the access matrix is tried by someone allowed to use it, on a fresh little world (tests/server/
conftest.py): each field of its form (found on the page that shows the form, as a browser would) or each property
of its API body (from the OpenAPI document) in turn gets each value of a corpus (markup and script, SQL, template
syntax, broken and invisible characters, a 100,000-character text, impossible numbers and dates, addresses that
leave the site) while the other fields stay sensible; whole bodies are sent broken too (invalid UTF-8, the wrong
content type, 10 MB). Every answer must be either a success or a clear refusal (an inline error or a page that
says what is wrong; a JSON error with a message), never a 500; a refusal must leave the database exactly as it
was; no answer may carry the markup back unescaped or send the browser to another site. Then every text a person
can write is set to a hostile value at once and every page, export and API answer is read by every role: nothing
runs, and no spreadsheet cell starts a formula."""

import csv
import functools
import io
import json
import re
import struct
import zlib
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote, urlencode, urljoin, urlsplit

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from core.db import db
from tests.helpers import WebClient, app_without_data, encoded, enroll, say, send, url_of
from tests.server.access_matrix import MATRIX, ROLES

SERVER = Path(__file__).resolve().parents[2] / "server"
SCRIPT = '<script>alert("minyi")</script>'
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
#: What must never come back as markup.
RAW = ("<script>alert(", "<img src=x onerror")
OFF_SITE = ("https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)",
            "/\r\nSet-Cookie: x=1")
TEXTS = [SCRIPT, ATTRIBUTE, OFF_SITE[0], "{{ 7*7 }}{% if %}${7*7}", "' OR '1'='1' --", "1); DROP TABLE users; --",
         "100%_\\", "\ufffd\ufeff\U0010ffff", "Bob\u202eevil\u200b", "a\x00b", "   ", "长" * 100_000]
NUMBERS = ["-1", "0", "-0", "1.5", "1e309", "NaN", "-Infinity", "2147483648", "9223372036854775808", "1" + "0" * 40,
           "１２", "0x10"]
DATES = ["0001-01-01", "1900-01-01", "9999-12-31", "10000-01-01", "2026-02-30", "-2026-01-01", "2026-13-45T25:61"]
FOR_KIND = {"number": NUMBERS + TEXTS[:2], "date": DATES + TEXTS[:2], "datetime-local": DATES + TEXTS[:2],
            "select": TEXTS[:2] + NUMBERS[:1] + NUMBERS[7:10], "checkbox": TEXTS[:2] + NUMBERS[:1],
            "radio": TEXTS[:2] + NUMBERS[:1], "file": []}

#: Columns a refused request may still change: the count of wrong passwords is the point of a refused login.
MAY_CHANGE = {("users", "failed_logins"), ("users", "locked_until")}


def snapshot() -> dict:
    """Every row of every table (small: the little world), less what a refusal may legitimately change."""
    db.session.rollback()
    state = {}
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if (table.name, c.name) not in MAY_CHANGE]
        rows = db.session.execute(sa.select(*columns)).all()
        state[table.name] = sorted(map(repr, rows))
    db.session.rollback()
    return state


def changes(before: dict, after: dict) -> list[str]:
    return [name for name in after if before.get(name) != after[name]]


def benign(kind: str) -> str:
    return {"number": "1", "date": (date.today() + timedelta(days=40)).isoformat(),
            "datetime-local": (date.today() + timedelta(days=40)).isoformat() + "T10:00",
            "email": "someone@example.org", "tel": "13912345678", "password": "correct horse battery",
            "url": "https://example.org/", "textarea": "The road by the school floods after rain."
            }.get(kind, "A quiet road")


def forms_on(html: str, page: str) -> dict[str, dict]:
    """The POST forms of a page as a browser sees them: action → {name: (kind, value it would send)}."""
    found = {}
    for form in BeautifulSoup(html, "html.parser").find_all("form"):
        if (form.get("method") or "get").lower() != "post" and not form.get("hx-post"):
            continue
        action = urlsplit(urljoin(page, form.get("hx-post") or form.get("action") or page)).path
        fields = {}
        for element in form.find_all(["input", "textarea", "select", "button"]):
            name = element.get("name")
            kind = element.name if element.name in ("textarea", "select") else (element.get("type") or "text")
            if not name or name == "csrf_token" or kind in ("reset", "image") or name in fields:
                continue
            if element.name == "button" or kind == "submit":
                fields[name] = ("submit", element.get("value", ""))
            elif kind in ("checkbox", "radio"):
                if element.has_attr("checked") or kind == "radio":
                    fields[name] = (kind, element.get("value", "on"))
            elif kind == "select":
                options = element.find_all("option")
                chosen = [o for o in options if o.has_attr("selected")] or [o for o in options if o.get("value")]
                fields[name] = (kind, chosen[0].get("value", "") if chosen else "")
            elif kind == "file":
                fields[name] = (kind, None)
            elif element.name == "textarea":
                fields[name] = (kind, element.get_text() or benign(kind))
            else:
                fields[name] = (kind, element.get("value") or (benign(kind) if kind != "hidden" else ""))
        if len(fields) >= len(found.get(action, {})):
            found[action] = fields
    return found


def place_of_form(client, url: str) -> dict | None:
    """The form that posts to ``url``, looked for on the address itself and then on each one above it (for an
    official's action, on the public page of the thing too)."""
    for start in dict.fromkeys([url, url.removeprefix("/officials")]):
        path = start
        while True:
            response = client.get(path)
            if response.status_code == 200 and response.mimetype == "text/html":
                form = forms_on(response.get_data(as_text=True), path).get(url)
                if form is not None:
                    return form
            if path == "/":
                break
            path = path.rstrip("/").rsplit("/", 1)[0] or "/"
    return None


def allowed(route: str, roles: tuple) -> list[str]:
    return [role for role in roles if MATRIX[route][ROLES.index(role)] == "+"]


def first_allowed(route: str, roles: tuple) -> str | None:
    """The least privileged role let in; for a route about something the little world lacks (a 404 for
    all), the first role not kept out."""
    signs = MATRIX[route]
    return next((role for sign in "+h" for role in roles if signs[ROLES.index(role)] == sign), None)


def assert_safe(response, route):
    body = response.get_data(as_text=True)
    assert response.status_code < 500, (route, response.status_code, body[:300])
    if response.mimetype in ("text/html", "text/plain"):
        assert not any(raw in body for raw in RAW), (route, "markup came back unescaped")
    location = response.headers.get("Location", "")
    assert urlsplit(location).netloc in ("", "localhost") and not location.lower().startswith("javascript"), (
        route, location)
    assert not location.startswith(("//", "/\\")), (route, location)


def assert_clear_refusal(response, route):
    if response.is_json:
        error = response.get_json()["error"]
        assert error["message"].strip(), route
    elif response.mimetype == "text/html":  # the field's error, the form's, a warning, or an error page
        html = response.get_data(as_text=True)
        assert re.search(r'class="(error|form-errors[^"]*|flash flash-warning|error-page)"', html), (
            route, response.status_code, html[html.find("<main"):][:600])


WEB_WRITES = sorted(r for r in MATRIX if not r.startswith(("GET ", "POST /api/", "PUT /api/", "DELETE /api/"))
                    and "/open311/" not in r)
WEB_ROLES = ("anonymous", "resident", "verified resident", "other official", "official", "moderator", "admin")


def signed_in(world_, role):
    app, users, _ids, _tokens = world_
    client = WebClient(app.test_client())
    if role in users:
        client.post("/login", {"identifier": users[role].login_name, "password": "correct horse battery"},
                    csrf=False)
    return client


@pytest.mark.parametrize("route", WEB_WRITES)
def test_every_form_field_takes_hostile_input(route, world):
    app, users, ids, _tokens = world
    ids = {**ids, "proposal_id": ids["open_proposal_id"]}  # one that still takes support, pledges, comments
    method, rule = route.split(" ", 1)
    url = url_of(rule, ids)
    with app.app_context():
        form = None
        for role in allowed(route, WEB_ROLES):  # the first let in who is shown the form (the author, say)
            client = signed_in(world, role)
            form = place_of_form(client, url)
            if form is not None:
                break
        else:
            client = signed_in(world, first_allowed(route, WEB_ROLES))
        session = client.raw.get_cookie("session")
        if form is None:  # a form not on any page above it: every field name the app knows, at once
            sensible, files = {}, []
            attempts = [({name: value for name in KNOWN_NAMES}, "every name", value) for value in TEXTS + NUMBERS]
        else:
            sensible = {name: value for name, (kind, value) in form.items() if value is not None}
            files = [name for name, (kind, _value) in form.items() if kind == "file"]
            attempts = [({name: value}, name, value) for name, (kind, _value) in form.items() if kind != "submit"
                        for value in FOR_KIND.get(kind, [*OFF_SITE, *TEXTS] if kind == "hidden" else TEXTS)]
            attempts += [({name: upload}, name, upload) for name in files for upload in (NOT_A_PHOTO, IMAGE_BOMB)]
        before = snapshot()
        for hostile, name, value in attempts:
            if session is not None:  # each try as the same person (one may have signed them out)
                client.raw.set_cookie("session", session.value)
            data = {**sensible, **hostile}
            if value is NOT_A_PHOTO:  # a "photo" that says PNG and is not
                data[name] = (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\0" * 100), "photo.jpg")
            elif value is IMAGE_BOMB:
                data[name] = (io.BytesIO(image_bomb()), "photo.png")
            files_before = stored_files(app)
            response = client.raw.open(url, method=method, data=data, content_type="multipart/form-data"
                                       if files else "application/x-www-form-urlencoded")
            what = (route, name, str(value)[:40])
            assert_safe(response, what)
            after = snapshot()
            if response.status_code >= 400:
                assert_clear_refusal(response, what)
                assert changes(before, after) == [], (what, response.status_code)
                assert stored_files(app) == files_before, (what, "a file was left behind")
            elif response.status_code in (301, 302, 303) and urlsplit(response.location).netloc in ("", "localhost"):
                assert_safe(client.get(response.location), what)
            before = after
        # The whole body broken: bytes that are no UTF-8, and 10 MB in one field.
        for body in (b"&".join(quote(n).encode() + b"=%FF%FE%C0%AF" for n in sensible or KNOWN_NAMES),
                     urlencode({**sensible, next(iter(sensible), "x"): "x" * 10_500_000}).encode()):
            if session is not None:
                client.raw.set_cookie("session", session.value)
            response = client.raw.open(url, method=method, data=body,
                                       content_type="application/x-www-form-urlencoded")
            assert_safe(response, (route, "whole body"))
            after = snapshot()
            if response.status_code >= 400:
                assert_clear_refusal(response, route)
                assert changes(before, after) == [], (route, "whole body", response.status_code)
            before = after


def _known_names() -> list[str]:
    """Every form field name the app's templates and forms use (for buttons whose form is not on a page)."""
    names = set()
    for template in (SERVER / "templates").rglob("*.html"):
        names.update(re.findall(r'name="([a-z_]+)"', template.read_text()))
    return sorted(names - {"csrf_token"})


KNOWN_NAMES = _known_names()
NOT_A_PHOTO, IMAGE_BOMB = object(), object()


@functools.cache
def image_bomb() -> bytes:
    """A real PNG of 10,000 × 10,000 pixels, all white: 20 KB sent, 100 MB and more once decoded."""
    width = height = 10_000
    row = b"\0" + b"\xff" * (width // 8)  # each row: no filter, 1 bit per pixel
    packer = zlib.compressobj(9)
    pixels = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", pixels) + chunk(b"IEND", b""))


def stored_files(app) -> list[str]:
    from pathlib import Path

    root = Path(app.config["MINYI_UPLOAD_PATH"] or Path(app.instance_path) / "uploads")
    return sorted(str(p) for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- The API, property by property, from its OpenAPI document ----------------------------------------------------

def api_routes() -> list[str]:
    return sorted(r for r in MATRIX if r.startswith(("POST /api/", "PUT /api/", "DELETE /api/")))


def sensible_bodies(ids: dict) -> dict:
    """A body each operation would accept, so that one property at a time can be made hostile."""
    from accounts.regions import Category, Region
    from appeals.models import Appeal

    appeal = db.session.get(Appeal, ids["appeal_id"])
    village = db.session.get(Region, appeal.region_id).code
    category = db.session.get(Category, ids["category_id"]).code
    soon = (date.today() + timedelta(days=40)).isoformat()
    return {
        "ProposalIn": {"title": "A bench by the pond", "body": "Old people need somewhere to sit.",
                       "category": category, "village": village, "scope": "village", "language": "en",
                       "goal_minor": 100_000, "deadline": soon + "T00:00:00Z", "latitude": 30.5,
                       "longitude": 114.3},
        "CommentIn": {"body": "I agree.", "stance": "for"},
        "RecommendationIn": {"note": "Our buses cannot reach a clinic."},
        "PledgeIn": {"kind": "money", "amount_minor": 1_000, "hours": 2, "quantity": 3, "unit": "bags",
                     "description": "Cement", "estimated_value_minor": 100},
        "AppealIn": {"body": "The street light is out.", "category": category, "village": village,
                     "contact_phone": "13912345678", "latitude": 30.5, "longitude": 114.3},
        "RatingIn": {"score": 4, "comment": "Quick."},
        "AnswerIn": {"body": "We will fix it this week.", "resolve": False},
        "UpdateIn": {"body": "Work started."},
        "MilestoneIn": {"title": "Dig", "target_on": soon, "weight": 1},
        "ExpenditureIn": {"amount_minor": 500, "spent_on": date.today().isoformat(), "payee": "Shop",
                          "purpose": "Cement", "source": "public", "receipt_number": "R-1"},
        "ProjectRatingIn": {"score": 5, "comment": "Good."},
        "EnrollIn": {"code": "ABCD-EFGH", "version": "1.0"},
        "HeartbeatIn": {"version": "1.0", "queue_length": 0, "refused": 0, "free_disk_bytes": 10**9},
        "KioskBallotIn": {"uuid": "0b7c6d1e-0000-4000-8000-000000000001", "cycle_id": ids["cycle_id"],
                          "code": "1234 5678", "cast_at": "2026-12-01T10:00:00+00:00",
                          "parts": [{"part_id": ids["part_id"], "projects": []}]},
    }


def hostile_for(schema: dict) -> list:
    """JSON values to try in a property of this type (raw JSON text, so NaN and 1e999 can be sent too)."""
    kind, fmt = schema.get("type"), schema.get("format")
    wrong_types = ["null", "[]", "{}", "true"]
    if kind in ("integer", "number"):
        return ["-1", "0", "2147483648", "9223372036854775808", "1" + "0" * 40, "1.5", "1e999", "NaN",
                "-Infinity", '"12"'] + wrong_types
    if kind == "boolean":
        return ['"yes"', "2"] + wrong_types
    texts = [json.dumps(t) for t in TEXTS]
    if fmt in ("date", "date-time"):
        texts = [json.dumps(d) for d in DATES] + texts[:2]
    return texts + ["12"] + wrong_types


@pytest.mark.parametrize("route", api_routes())
def test_every_api_property_takes_hostile_input(route, world, api_schemas):
    app, _users, ids, tokens = world
    ids = {**ids, "proposal_id": ids["open_proposal_id"]}  # one that still takes support, pledges, comments
    method, rule = route.split(" ", 1)
    url = url_of(rule, ids)
    operation = api_schemas["paths"][re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)][method.lower()]
    content = operation.get("requestBody", {}).get("content", {})
    api = app.test_client()
    with app.app_context():
        headers = who_may(api, method, url, content, ids, tokens, MATRIX[route])
        attempts = []
        if "application/json" in content:
            name = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
            properties = api_schemas["components"]["schemas"][name]["properties"]
            sensible = sensible_bodies(ids)[name]
            for prop, schema in properties.items():
                for value in hostile_for(schema):
                    rest = json.dumps({k: v for k, v in sensible.items() if k != prop})
                    attempts.append((prop, "application/json", rest[:-1] + (", " if len(rest) > 2 else "")
                                     + f'"{prop}": {value}}}'))
            attempts += [("whole body", "application/json", b'{"body": "\xff\xfe\xc0\xaf"}'),
                         ("whole body", "application/json", "[]"), ("whole body", "application/json", "null"),
                         ("whole body", "application/json", '"text"'),
                         ("whole body", "application/json", "[" * 100_000 + "]" * 100_000),
                         ("whole body", "application/json", json.dumps(
                             {k: ("x" * 10_500_000 if isinstance(v, str) else v) for k, v in sensible.items()})),
                         ("whole body", "text/plain", json.dumps(sensible)),
                         ("whole body", "application/x-www-form-urlencoded", urlencode(sensible)),
                         ("whole body", "application/json", json.dumps(sensible)[:-3])]
        else:  # bodiless operations and the kiosk's multipart upload: a body they do not expect
            attempts += [("whole body", "application/json", json.dumps({"x": SCRIPT})),
                         ("whole body", "application/x-www-form-urlencoded", "audio=%FF&uuid=" + quote(SCRIPT)),
                         ("whole body", "text/plain", "长" * 1_000_000)]
        before = snapshot()
        for prop, content_type, body in attempts:
            response = api.open(url, method=method, data=body, content_type=content_type, headers=headers)
            what = (route, prop, body[:80])
            assert response.status_code < 500, (what, response.get_data(as_text=True)[:300])
            assert response.is_json, what
            after = snapshot()
            if response.status_code >= 400:
                assert response.get_json()["error"]["message"].strip(), what
                assert changes(before, after) == [], (what, response.status_code)
            before = after


def who_may(api, method, url, content, ids, tokens, signs) -> dict:
    """The headers of the first role let in whose sensible request is done (the API checks bodies before it
    checks who sends them, so "let in" alone may mean "refused for the body"), so that hostile values reach as
    deep as a sensible one would."""
    roles = [role for role, sign in zip(ROLES, signs, strict=True) if sign == "+"]
    body = None
    if "application/json" in content:
        name = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        body = sensible_bodies(ids)[name]
    for role in roles:
        headers = {"Accept-Language": "en", **({"Authorization": f"Bearer {tokens[role]}"} if role in tokens else {})}
        if api.open(url, method=method, json=body, headers=headers).status_code < 300:
            return headers
    return {"Accept-Language": "en", **({"Authorization": f"Bearer {tokens[roles[0]]}"} if roles[0] in tokens
                                        else {})}


@pytest.fixture(scope="module")
def api_schemas():
    return app_without_data().test_client().get("/api/v1/openapi.json").get_json()


# --- Reading: hostile query strings and path parts on every page ------------------------------------------------

READS = sorted(r for r in MATRIX if r.startswith("GET "))
QUERY_VALUES = TEXTS[:10] + NUMBERS[::2] + DATES[::2] + list(OFF_SITE[1:])


def _query_names() -> list[str]:
    names = set()
    for source in [*SERVER.rglob("*.py"), *(SERVER / "templates").rglob("*.html")]:
        text = source.read_text()
        names.update(re.findall(r'request\.args\.(?:get|getlist)\(["\']([a-z_]+)', text))
        names.update(re.findall(r'_arg[a-z_]*\(["\']([a-z_]+)', text))
    return sorted(names | set(KNOWN_NAMES))


QUERY_NAMES = _query_names()


def test_every_page_takes_hostile_addresses(world):
    """Reading changes nothing, so one little world serves every page (each read as the first role let in)."""
    app, _users, ids, tokens = world
    clients = {}
    with app.app_context():
        for route in READS:
            role = first_allowed(route, WEB_ROLES + ("kiosk",))
            _method, rule = route.split(" ", 1)
            client = clients.get(role) or clients.setdefault(role, signed_in(world, role))
            headers = {"Authorization": f"Bearer {tokens[role]}"} if role in tokens and "/api/" in rule else {}
            free_parts = [key for key in ("code", "resource", "name", "sha256") if f"{key}>" in rule]
            for value in QUERY_VALUES:
                addresses = [url_of(rule, ids) + "?" + urlencode({name: value[:2000] for name in QUERY_NAMES})]
                if free_parts:  # the free-text parts of the address itself
                    addresses.append(url_of(rule, {**ids, **{k: quote(value[:200], safe="") for k in free_parts}}))
                for address in addresses:
                    assert_safe(client.raw.get(address, headers=headers), (route, value[:40]))
            response = client.raw.get(url_of(rule, ids) + "?q=%FF%FE&after=%C0%AF&region=%00", headers=headers)
            assert_safe(response, (route, "invalid UTF-8"))


# --- Everything people write, hostile at once, read back everywhere --------------------------------------------

#: Words anyone (a resident, an official, an admin, a kiosk's heartbeat) can put in the record.
WRITTEN = {
    "users": ["display_name"], "proposals": ["title", "body", "address", "closing_reason", "hidden_reason"],
    "comments": ["body", "hidden_reason"], "flags": ["reason"], "pledges": ["skill", "availability", "description",
                                                                            "unit"],
    "appeals": ["title", "body", "address", "contact_name", "machine_transcript", "closing_reason"],
    "appeal_events": ["body"], "appeal_ratings": ["comment"], "regions": ["name_zh", "name_en", "outline"],
    "categories": ["name_zh", "name_en"], "departments": ["name_zh", "name_en"], "projects": ["title", "description"],
    "project_updates": ["body"], "project_tasks": ["title"], "milestones": ["title"], "project_ratings": ["comment"],
    "expenditures": ["payee", "purpose"], "project_candidates": ["title"], "answer_templates": ["title", "body"],
    "kiosks": ["name", "version", "model"], "api_tokens": ["name"], "speech_models": ["name"],
    "budget_cycles": ["title"], "budget_projects": ["title", "description", "review_reason"],
}
POISON = f"=1+1 {SCRIPT} {ATTRIBUTE}\u202e"


def test_what_people_write_is_shown_as_text_everywhere(world):
    app, _users, ids, tokens = world
    with app.app_context():
        for table, columns in WRITTEN.items():
            table = db.metadata.tables[table]  # (as much of it as each column holds)
            db.session.execute(sa.update(table).values({c: POISON[:table.c[c].type.length] for c in columns}))
        db.session.commit()
        for route in READS:
            _method, rule = route.split(" ", 1)
            for role in WEB_ROLES + ("kiosk",):
                if MATRIX[route][ROLES.index(role)] != "+" or (role == "kiosk") != ("/kiosk/" in rule):
                    continue
                client = signed_in(world, role)
                headers = {"Authorization": f"Bearer {tokens[role]}"} if role in tokens else {}
                response = client.raw.get(url_of(rule, ids), headers=headers)
                assert_safe(response, (route, role))
                if response.mimetype == "text/csv":
                    for row in csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))):
                        formulas = [cell for cell in row if re.match(r"[=@\t\r]|[+-](?![0-9][0-9 .]*$)", cell)]
                        assert formulas == [], (route, role, formulas[:2])


# --- Recordings whose headers lie ---------------------------------------------------------------------------

def _wav_saying(wav: bytes, offset: int, fmt: str, value: int) -> bytes:
    return wav[:offset] + struct.pack(fmt, value) + wav[offset + struct.calcsize(fmt):]


@pytest.mark.parametrize("lie", ["rate of 2³¹ Hz", "rate of 1 Hz", "65,535 channels", "no rate", "OggS and noise",
                                 "Ogg damaged in the middle", "a WAV inside an Ogg name"])
def test_recordings_whose_headers_lie_are_refused_and_nothing_is_saved(app, make_kiosk, lie):
    wav = encoded(say("물이 안 나와요"), kind="wav")
    ogg = encoded(say("물이 안 나와요"))
    audio = {"rate of 2³¹ Hz": _wav_saying(wav, 24, "<I", 2**31 - 1),
             "rate of 1 Hz": _wav_saying(_wav_saying(wav, 24, "<I", 1), 28, "<I", 2),
             "65,535 channels": _wav_saying(wav, 22, "<H", 65535), "no rate": _wav_saying(wav, 24, "<I", 0),
             "OggS and noise": b"OggS" + bytes(range(256)) * 40,
             "Ogg damaged in the middle": ogg[:len(ogg) // 2] + bytes(b ^ 0x5A for b in ogg[len(ogg) // 2:][:64])
             + ogg[len(ogg) // 2 + 64:],
             "a WAV inside an Ogg name": wav[:44] + b"OggS" * 1000}[lie]
    api = app.test_client()
    kiosk, code = make_kiosk()
    headers, _body = enroll(api, code)
    before, files_before = snapshot(), stored_files(app)
    response = send(api, headers, audio, receipt_code=kiosk.receipt_prefix + "23456")
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["field"] == "audio" and error["message"], error
    assert changes(before, snapshot()) == [] and stored_files(app) == files_before
