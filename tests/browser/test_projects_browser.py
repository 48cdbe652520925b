"""A project end to end in Chromium: an official makes a project of a qualified proposal, reports progress and
a payment and finishes it; a resident of the village follows the timeline and the money trail and rates it."""

from datetime import date, timedelta

from playwright.sync_api import expect

from core.db import db
from proposals.models import ProposalStatus

TODAY = date.today()


def log_in(page, url, user):
    page.goto(url + "/login")
    page.get_by_label("Phone number or email").fill(user.login_name)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(url + "/")


def test_from_proposal_to_a_rated_project(page, browser, live_server, make_proposal, make_user, make_department):
    proposal = make_proposal(title="Mend the well")
    proposal.status = ProposalStatus.QUALIFIED
    department = make_department(region=proposal.region.path[0], categories=[proposal.category])  # it decides
    official = make_user("official", department=department, email="official@example.org")
    neighbour = make_user("resident", region=proposal.region, verified=True, email="neighbour@example.org")
    db.session.commit()

    log_in(page, live_server.url, official)
    page.goto(live_server.url + "/officials/proposals")
    page.get_by_role("link", name="Make it a project").click()
    page.get_by_label("Title").fill("Well repair")
    page.get_by_label("What will be done").fill("A new pump and lining.")
    page.get_by_label("Public funds, in yuan").fill("3000")
    page.get_by_label("Start", exact=True).fill(TODAY.isoformat())
    page.get_by_label("Target date", exact=True).fill((TODAY + timedelta(30)).isoformat())
    page.get_by_label("Milestone 1", exact=True).fill("Install the pump")
    page.get_by_label("Milestone 1 target date").fill((TODAY + timedelta(10)).isoformat())
    page.get_by_role("button", name="Make the project public").click()
    expect(page.get_by_role("heading", name="Well repair", exact=True)).to_be_visible()

    page.get_by_label("Progress report (public)").fill("The pump is installed.")
    page.get_by_role("button", name="Publish").click()
    page.get_by_label("Amount in yuan").fill("1200")
    page.get_by_label("Paid on").fill(TODAY.isoformat())
    page.get_by_label("Paid to").fill("Pump Co.")
    page.get_by_label("For what").fill("Pump")
    page.get_by_role("button", name="Record").click()
    page.get_by_role("button", name="Mark done").click()
    page.get_by_role("button", name="Mark the project finished").click()
    expect(page.get_by_text("The project is finished.")).to_be_visible()
    url = page.url.split("#")[0]

    resident = browser.new_context(locale="en-US").new_page()
    log_in(resident, live_server.url, neighbour)
    resident.goto(url)
    expect(resident.get_by_text("The pump is installed.")).to_be_visible()
    expect(resident.locator("table.money tfoot")).to_contain_text("1,800.00")  # 3,000 - 1,200 left
    expect(resident.get_by_text("Pump Co.")).to_be_visible()
    resident.get_by_label("How well was it done?").select_option("4")
    resident.get_by_role("button", name="Rate the project").click()
    expect(resident.get_by_text("4.0 of 5 stars from 1 rating")).to_be_visible()
    resident.context.close()
