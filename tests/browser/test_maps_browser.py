"""Maps in a real browser: the pin sets the place of a new appeal; the public map clusters its points over tiles
the test serves itself, and without any tile source still draws the region outlines and the points. Every
request the page makes is watched: nothing may go anywhere but the app and the test's own tile server."""

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from accounts.geography import set_outline
from appeals.models import Appeal
from core.db import db
from tests.helpers import axe_violations, log_in

VILLAGE = {"type": "Polygon", "coordinates": [[[102.70, 25.00], [102.74, 25.00], [102.74, 25.04], [102.70, 25.04],
                                                [102.70, 25.00]]]}


class TileServer:
    """A tile server on loopback: every tile is the same small PNG; every path asked for is recorded."""

    def __init__(self):
        buffer = io.BytesIO()
        Image.new("RGB", (256, 256), (220, 235, 220)).save(buffer, "PNG")
        tile, asked = buffer.getvalue(), []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                asked.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(tile)))
                self.end_headers()
                self.wfile.write(tile)

            def log_message(self, *args):
                pass

        self.asked = asked
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def tiles():
    server = TileServer()
    yield server
    server.close()


@pytest.fixture
def serve(app, make_app):
    """serve(**config): the app over HTTP with this configuration (e.g. a tile source); returns its address."""
    servers = []

    def start(**config):
        server = make_server("127.0.0.1", 0, make_app(**config), threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def watched(page, *allowed):
    """Refuse, and remember, every request to anywhere but ``allowed``: nothing may reach the internet."""
    elsewhere = []

    def check(route):
        if route.request.url.startswith(allowed):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()
    page.route("**/*", check)
    return elsewhere


@pytest.fixture
def village(make_region):
    county = make_region("county", name_en="Stone County")
    village = make_region("village", parent=make_region("township", parent=county), name_en="Stone Village")
    set_outline(village, actor=None, outline=json.dumps(VILLAGE))
    db.session.commit()
    return village


def test_the_pin_sets_the_place_of_a_new_appeal(page, live_server, make_user, make_category, make_department,
                                               village):
    category = make_category(name_en="Roads")
    make_department(region=village.path[0], categories=[category])
    resident = make_user("resident", region=village, verified=True)
    elsewhere = watched(page, live_server.url)
    log_in(page, live_server, resident)
    page.goto(live_server.url + "/appeals/new")
    page.get_by_label("What is the problem?").fill("A pothole the size of a bathtub on the school road")
    page.get_by_label("Category").select_option(label="Roads")
    picker = page.locator("[data-map-box]")
    expect(picker).to_have_attribute("data-ready", "true")  # centred on the resident's village
    box = picker.bounding_box()
    picker.click(position={"x": box["width"] * 0.55, "y": box["height"] * 0.4})  # off the centre, inside the village
    latitude, longitude = page.get_by_label("Latitude (optional)"), page.get_by_label("Longitude (optional)")
    expect(latitude).not_to_have_value("")
    chosen = float(latitude.input_value()), float(longitude.input_value())
    assert 25.0 < chosen[0] < 25.04 and 102.70 < chosen[1] < 102.74  # inside the village the map showed
    expect(page.get_by_role("status").filter(has_text="Pin placed at")).to_be_visible()
    page.get_by_role("button", name="Send appeal").click()
    expect(page.get_by_text("Your appeal is sent")).to_be_visible()
    db.session.expire_all()
    appeal = db.session.scalars(select(Appeal).order_by(Appeal.id.desc())).first()
    assert (appeal.latitude, appeal.longitude) == pytest.approx(chosen, abs=1e-6)
    assert elsewhere == []


def test_typed_coordinates_move_the_pin_and_the_pin_can_be_removed(page, live_server, make_user, village):
    log_in(page, live_server, make_user("resident", region=village, verified=True))
    page.goto(live_server.url + "/appeals/new")
    expect(page.locator("[data-map-box]")).to_have_attribute("data-ready", "true")
    page.get_by_label("Latitude (optional)").fill("25.02")
    page.get_by_label("Longitude (optional)").fill("102.72")
    page.get_by_label("Longitude (optional)").press("Tab")
    expect(page.locator(".map-pin-chosen")).to_have_count(1)
    page.get_by_role("button", name="Remove the place").click()
    expect(page.locator(".map-pin-chosen")).to_have_count(0)
    expect(page.get_by_label("Latitude (optional)")).to_have_value("")


def spread_appeals(make_appeal, village, count):
    """``count`` public appeals close together in ``village`` (a cluster), and one on its own far away."""
    author = None
    for n in range(count):
        appeal = make_appeal(author=author, village=village, latitude=25.02 + 0.0003 * (n % 5),
                             longitude=102.72 + 0.0003 * (n // 5), body=f"Street light {n} is out")
        author = appeal.author
    return make_appeal(author=author, village=village, latitude=25.001, longitude=102.739,
                       body="The bridge railing is broken")


def test_the_map_clusters_points_over_tiles_the_test_serves(page, serve, tiles, make_appeal, village):
    spread_appeals(make_appeal, village, 12)
    url = serve(MINYI_MAP_TILES=tiles.url + "/{z}/{x}/{y}.png", MINYI_MAP_ATTRIBUTION="Test tiles")
    elsewhere = watched(page, url, tiles.url)
    page.goto(url + "/appeals/map")
    expect(page.locator("#map")).to_have_attribute("data-ready", "true")
    cluster = page.locator(".map-cluster")
    expect(cluster).to_have_count(1)
    expect(cluster).to_have_text("12")
    expect(page.locator(".map-pin")).to_have_count(1)  # the one far away stands alone
    expect(page.get_by_role("status")).to_have_text("Points on the map: 13")
    expect(page.locator("img.leaflet-tile-loaded").first).to_be_visible()
    assert tiles.asked and all(path.endswith(".png") for path in tiles.asked)
    expect(page.get_by_text("Test tiles")).to_be_visible()
    page.locator(".map-pin").click()
    expect(page.get_by_role("link", name="The bridge railing is broken")).to_be_visible()
    assert elsewhere == []


def test_without_a_tile_source_the_map_shows_outlines_and_points(page, live_server, make_appeal, village):
    spread_appeals(make_appeal, village, 6)
    elsewhere = watched(page, live_server.url)
    page.goto(live_server.url + "/appeals/map")
    expect(page.locator("#map")).to_have_attribute("data-ready", "true")
    expect(page.locator("#map.map-plain")).to_have_count(1)
    expect(page.locator("path.region-outline")).to_have_count(1)
    expect(page.locator(".map-cluster")).to_have_count(1)
    expect(page.locator(".map-pin")).to_have_count(1)
    expect(page.locator("img.leaflet-tile")).to_have_count(0)
    assert elsewhere == []


def test_when_the_tile_server_is_away_the_map_still_shows_outlines_and_points(page, serve, make_appeal, village):
    spread_appeals(make_appeal, village, 3)
    url = serve(MINYI_MAP_TILES="http://127.0.0.1:9/{z}/{x}/{y}.png")  # nothing listens on the discard port
    page.goto(url + "/appeals/map")
    expect(page.locator("#map")).to_have_attribute("data-ready", "true")
    expect(page.locator("path.region-outline")).to_have_count(1)
    expect(page.locator(".map-cluster")).to_have_count(1)
    expect(page.get_by_role("status")).to_have_text("Points on the map: 4")


@pytest.mark.parametrize("language", ["en-US", "zh-CN"])
def test_the_map_and_the_pin_picker_pass_axe(browser, live_server, make_appeal, make_user, village, language):
    spread_appeals(make_appeal, village, 4)
    context = browser.new_context(locale=language, bypass_csp=True)  # axe is injected as a script
    page = context.new_page()
    try:
        page.goto(live_server.url + "/appeals/map")
        expect(page.locator("#map")).to_have_attribute("data-ready", "true")
        assert axe_violations(page) == []
        if language == "en-US":  # (the log-in helper reads the English form)
            log_in(page, live_server, make_user("resident", region=village, verified=True))
            page.goto(live_server.url + "/appeals/new")
            expect(page.locator("[data-map-box]")).to_have_attribute("data-ready", "true")
            page.locator("[data-map-box]").click()
            assert axe_violations(page) == []
    finally:
        context.close()


def test_the_officials_map_marks_overdue_appeals_in_words_glyphs_and_colour(page, live_server, make_appeal,
                                                                             make_user, village):
    from core.db import utcnow

    late = make_appeal(village=village, latitude=25.01, longitude=102.71)
    in_time = make_appeal(author=late.author, village=village, latitude=25.03, longitude=102.73)
    late.due_at = utcnow().replace(year=2020)
    in_time.department = late.department
    db.session.commit()
    log_in(page, live_server, make_user("official", department=late.department))
    page.goto(live_server.url + "/officials/appeals")
    page.get_by_role("link", name="Map").click()
    expect(page.locator("#map")).to_have_attribute("data-ready", "true")
    legend = page.get_by_role("list", name="Legend")
    expect(legend).to_contain_text("Overdue")
    expect(legend).to_contain_text("In time")
    expect(page.locator(".map-pin.deadline-overdue")).to_have_text("!!")
    expect(page.locator(".map-pin.deadline-fine")).to_have_text("✓")
