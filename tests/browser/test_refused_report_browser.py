"""A report that is refused keeps its reason, in Chromium (issue 18): a resident reports a comment with a reason
longer than the limit; the page comes back at the report form, open, with the reason as typed, the message next to
it and the summary focused; the address can be opened again; shortened, the report goes through. With JavaScript
(the counter counts) and without it (the address's #fragment brings the summary into view and focus)."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from core.db import db
from proposals.comments import Flag
from proposals.discussion import post_comment
from tests.helpers import PASSWORD

REASON = "He writes my neighbour's phone number and calls her names, in every comment under this proposal. " * 3


def flags() -> int:
    return db.session.scalar(select(func.count()).select_from(Flag))


@pytest.fixture
def reported(make_proposal, make_user):
    """A proposal with a rude comment, and a verified resident of its village."""
    proposal = make_proposal(title="A bench by the pond")
    comment = post_comment(proposal, actor=make_user("resident", region=proposal.region), body="Rude words")
    db.session.commit()
    return proposal, comment, make_user("resident", region=proposal.region, verified=True)


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_long_report_comes_back_open_with_its_reason(browser, live_server, reported, javascript):
    proposal, comment, reporter = reported
    context = browser.new_context(locale="en-US", java_script_enabled=javascript)
    page = context.new_page()
    page.goto(live_server.url + "/login")
    page.get_by_label("Phone number or email", exact=True).fill(reporter.login_name)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(live_server.url + f"/proposals/{proposal.id}")

    report = page.locator(f"#flag-comment-{comment.id}")
    report.locator("summary").click()
    reason = report.get_by_label("What is wrong with it?")
    reason.fill(REASON)
    if javascript:  # (without it, the note under the field says the limit)
        expect(report.locator(".char-count")).to_have_text(f"{len(REASON.strip()) - 200} characters too many")
    report.get_by_role("button", name="Report").click()

    expect(page).to_have_url(f"{live_server.url}/flags?next=/proposals/{proposal.id}%23comment-{comment.id}"
                             "#refused-form")
    report = page.locator(f"#flag-comment-{comment.id}")
    expect(report).to_have_attribute("open", "")
    reason = report.get_by_label("What is wrong with it?")
    expect(reason).to_have_value(REASON)  # all of it, as typed
    expect(report.locator(".field .error")).to_have_text(
        f"Use at most 200 characters; this has {len(REASON.strip())}.")
    summary = report.locator("#refused-form")
    expect(summary).to_be_focused()  # and so in view, and read out
    expect(summary).to_be_in_viewport()
    assert flags() == 0

    page.goto(page.url.split("#")[0])  # the refused report's address opened again: the proposal's page, not a 405
    expect(page).to_have_url(f"{live_server.url}/proposals/{proposal.id}#comment-{comment.id}")
    expect(page.get_by_role("heading", name="A bench by the pond")).to_be_visible()

    report = page.locator(f"#flag-comment-{comment.id}")
    report.locator("summary").click()
    report.get_by_label("What is wrong with it?").fill("My neighbour's phone number, and insults.")
    report.get_by_role("button", name="Report").click()
    expect(page.get_by_text("Thank you. A moderator will look at it.")).to_be_visible()
    assert page.url.endswith(f"/proposals/{proposal.id}#comment-{comment.id}")
    assert flags() == 1
    context.close()
