"""Appeals in a real browser: similar appeals suggested while typing, joining one in place (htmx), sending
a new one, an official answering it, and the resident reading and rating the answer."""

from playwright.sync_api import expect
from sqlalchemy import select

from appeals.models import Appeal, Cosign
from core.db import db
from tests.helpers import log_in


def test_an_appeal_from_suggestion_to_rated_answer(page, live_server, make_user, make_appeal, make_region,
                                                  make_category, make_department):
    village, category = make_region("village", name_en="Stone Village"), make_category(name_en="Water supply")
    official = make_user("official", department=make_department(region=village.path[0], categories=[category]))
    earlier = make_appeal(village=village, category=category, body="The tap water in group three stopped three days ago")
    resident = make_user("resident", region=village, verified=True)
    log_in(page, live_server, resident)

    page.goto(live_server.url + "/appeals/new")
    page.get_by_label("Category").select_option(label="Water supply")
    page.get_by_label("What is the problem?").fill("No tap water in group three since Monday")
    suggestions = page.locator("#similar")
    expect(suggestions.get_by_role("link", name="The tap water in group three stopped")).to_be_visible()
    suggestions.get_by_role("button", name="This is my problem too").click()
    expect(suggestions.get_by_text("You joined this appeal")).to_be_visible()  # in place; the text stays typed
    expect(page.get_by_label("What is the problem?")).to_have_value("No tap water in group three since Monday")
    assert db.session.get(Cosign, (earlier.id, resident.id)) is not None

    page.get_by_label("What is the problem?").fill("The pipe by the bridge leaks onto the road")
    page.get_by_role("button", name="Send appeal").click()
    expect(page.get_by_text("Your appeal is sent")).to_be_visible()
    appeal = db.session.scalars(select(Appeal).order_by(Appeal.id.desc())).first()
    expect(page.get_by_text(appeal.receipt_code).first).to_be_visible()

    official_page = page.context.browser.new_context(locale="en-US").new_page()
    log_in(official_page, live_server, official)
    official_page.goto(live_server.url + "/officials/appeals")
    official_page.get_by_role("link", name=f"#{appeal.id}").click()
    official_page.get_by_label("Public answer").fill("A plumber comes tomorrow morning.")
    official_page.get_by_role("button", name="Publish answer").click()
    expect(official_page.get_by_text("Saved.")).to_be_visible()

    page.goto(live_server.url + f"/appeals/{appeal.id}")
    expect(page.get_by_text("A plumber comes tomorrow morning.")).to_be_visible()
    page.get_by_label("How good was the answer?").select_option("5")
    page.get_by_role("button", name="Rate").click()
    expect(page.get_by_text("Your rating: 5 of 5.")).to_be_visible()


def test_the_dashboard_draws_its_chart_under_the_sites_content_policy(demo_county, page, live_server, app):

    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(live_server.url + "/dashboard")
    expect(page.get_by_role("table", name="Appeals by the month they came in")).to_be_visible()
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('trend-chart'))")
    assert page.evaluate("Chart.getChart(document.getElementById('trend-chart')).data.labels.length") >= 1
    assert problems == []
