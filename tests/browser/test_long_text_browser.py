"""No silent loss of text, in Chromium (issue 18): a 5,000-character paste into the proposal's title is not cut by
the browser; the counter beside it goes past the limit as the person pastes, the server refuses it with a clear
message, everything typed is still in the form, and nothing is published."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from core.db import db
from proposals.models import Proposal
from tests.helpers import log_in

PASTE = ("The lamp at the east end of the square has been broken since spring. " * 73)[:4999] + "."  # 5,000


@pytest.fixture
def author(make_user, make_region, make_category):
    make_category(name_en="Roads and bridges")
    return make_user("resident", region=make_region("village"), verified=True)


def paste(page, locator, text):
    """Put ``text`` on the clipboard and paste it into the field with the keyboard, as a person would."""
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.evaluate("text => navigator.clipboard.writeText(text)", text)
    locator.focus()
    page.keyboard.press("Control+V")


def test_a_pasted_long_title_is_counted_refused_and_kept(page, live_server, author):
    log_in(page, live_server, author)
    page.goto(live_server.url + "/proposals/new")
    title = page.get_by_label("Title", exact=True)
    counter = page.locator("#title ~ .char-count")
    expect(counter).to_have_text("200 characters left")
    expect(title).not_to_have_attribute("maxlength", "200")

    paste(page, title, PASTE)
    expect(title).to_have_value(PASTE)  # nothing cut by the browser
    expect(counter).to_have_text("4,800 characters too many")
    expect(counter).to_have_class("char-count over")
    spoken = page.locator("#title ~ [aria-live=polite]")
    expect(spoken).to_have_text("4,800 characters too many")  # once the typing pauses, for screen readers

    body = page.get_by_label("Your proposal", exact=True)
    body.fill("Four solar lamps so the elderly can walk safely at night.")
    expect(page.locator("#body ~ .char-count")).to_have_text("9,943 characters left")
    page.get_by_label("Category", exact=True).select_option(label="Roads and bridges")
    page.get_by_role("button", name="Publish proposal").click()

    expect(page.locator("#title-error")).to_have_text("Use at most 200 characters; this has 5,000.")
    expect(page.get_by_label("Title", exact=True)).to_have_value(PASTE)  # all of it, still there
    expect(page.get_by_label("Your proposal", exact=True)).to_have_value(
        "Four solar lamps so the elderly can walk safely at night.")
    expect(page.locator("#title ~ .char-count")).to_have_text("4,800 characters too many")
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0

    page.goto(page.url)  # the refused form's address opened again: the form, not a 405
    expect(page.get_by_role("heading", name="Put forward a proposal")).to_be_visible()
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0


def test_short_fields_show_the_count_only_near_their_limit(page, live_server, author, make_proposal):
    from datetime import timedelta

    from core.db import utcnow

    proposal = make_proposal(village=author.region, goal_minor=100_000, deadline=utcnow() + timedelta(days=10))
    log_in(page, live_server, author)
    page.goto(live_server.url + f"/proposals/{proposal.id}")
    page.locator("summary", has_text="Pledge money").click()
    amount = page.get_by_label("Amount in yuan", exact=True)
    counter = page.locator("#money-amount ~ .char-count")
    expect(counter).to_be_hidden()
    amount.fill("1" * 17)
    expect(counter).to_have_text("3 characters left")
    amount.fill("1" * 21)
    expect(counter).to_have_text("1 character too many")
