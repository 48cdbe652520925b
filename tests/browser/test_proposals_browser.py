"""Proposals in a real browser: put forward, support in place (htmx), pledge, keyboard use, accessibility."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from core.db import db, utcnow
from tests.helpers import axe_violations, log_in
from voting import pledges as pledging
from voting.models import Pledge

PASSWORD = "correct horse battery"


def english_full_name(region):
    return " / ".join(r.name_en for r in region.path)


def support_box(page, proposal_id):
    return page.locator(f"#proposal-{proposal_id}-support")


def pledge_form(page, summary):
    """The <details> holding one pledge form, found by its summary."""
    return page.locator("details", has=page.locator("summary", has_text=re.compile(f"^{summary}$")))


@pytest.fixture
def village(make_region):
    return make_region("village")


@pytest.fixture
def funded_proposal(make_user, make_proposal, village):
    """A proposal with a goal of 1000 yuan whose pledged hours and materials count at their value."""
    author = make_user("resident", region=village, verified=True)
    return make_proposal(author=author, title="Repair the footbridge", body="Two planks are rotten.",
                         goal_minor=100_000, deadline=utcnow() + timedelta(days=10), in_kind_counts=True)


def test_resident_puts_forward_a_proposal_with_a_funding_goal(page, live_server, make_user, make_category, village):
    """A verified resident fills in the form with a goal and a deadline and lands on the published proposal."""
    author = make_user("resident", region=village, verified=True)
    make_category(name_en="Roads and bridges")
    log_in(page, live_server, author)
    closes = datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=30)

    page.goto(live_server.url + "/proposals/new")
    page.get_by_label("Title", exact=True).fill("Light the village square")
    page.get_by_label("Your proposal", exact=True).fill("Four solar lamps so the elderly can walk safely at night.")
    page.get_by_label("Category", exact=True).select_option(label="Roads and bridges")
    page.get_by_label("Village", exact=True).select_option(label=english_full_name(village))
    page.get_by_label("Who may support it", exact=True).select_option(label="Residents of this village")
    page.get_by_label("Written in", exact=True).select_option(label="English")
    page.get_by_label("Place (optional)", exact=True).fill("The square in front of the school")
    page.get_by_label("Funding goal in yuan (optional)", exact=True).fill("1200")
    page.get_by_label("Pledges close on", exact=True).fill(closes.isoformat())
    page.get_by_role("button", name="Publish proposal").click()

    expect(page).to_have_url(re.compile(r"/proposals/\d+$"))
    expect(page.get_by_text("Your proposal is published.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Light the village square")
    expect(page.locator("main")).to_contain_text("Four solar lamps so the elderly can walk safely at night.")
    # The date typed in the form is the day pledges close, where the residents live (English short date M/d/yy).
    expect(page.locator("#pledges")).to_contain_text(f"Goal: CN¥1,200.00 by {closes:%-m/%-d/%y}")
    expect(page.locator("article")).to_contain_text("Roads and bridges")


def test_support_and_withdraw_swap_the_box_without_reloading(page, live_server, make_user, make_proposal, village):
    """A neighbour's support turns the count 0 → 1 in place, and withdrawing turns it back to 0, without a reload."""
    proposal = make_proposal(author=make_user("resident", region=village, verified=True))
    neighbour = make_user("resident", region=village, verified=True)
    log_in(page, live_server, neighbour)
    page.goto(f"{live_server.url}/proposals/{proposal.id}")
    box = support_box(page, proposal.id)
    expect(box.locator("strong")).to_have_text("0")
    page.evaluate("window.__marker = 1")

    box.get_by_role("button", name="Support this proposal").click()

    expect(box.locator("strong")).to_have_text("1")
    expect(box.get_by_role("button", name="Withdraw my support")).to_be_visible()
    expect(box.get_by_role("button", name="Support this proposal")).to_have_count(0)
    assert page.evaluate("window.__marker") == 1, "the page was reloaded instead of swapping the support box"

    box.get_by_role("button", name="Withdraw my support").click()

    expect(box.locator("strong")).to_have_text("0")
    expect(box.get_by_role("button", name="Support this proposal")).to_be_visible()
    assert page.evaluate("window.__marker") == 1, "the page was reloaded instead of swapping the support box"


def test_unverified_resident_is_told_why_they_cannot_support(page, live_server, make_user, make_proposal, village):
    """An unverified resident sees no support button, only the reason."""
    proposal = make_proposal(author=make_user("resident", region=village, verified=True))
    newcomer = make_user("resident", region=village, verified=False)
    log_in(page, live_server, newcomer)
    page.goto(f"{live_server.url}/proposals/{proposal.id}")
    box = support_box(page, proposal.id)

    expect(box).to_contain_text("Only verified residents")
    expect(box.get_by_role("button")).to_have_count(0)


def test_money_and_hours_pledges_fill_the_progress_bar_and_cancelling_empties_it(
        page, live_server, make_user, village, funded_proposal):
    """Money (450.50) and valued hours (300) fill 75% of a 1000 yuan goal; cancelling the money leaves 30%."""
    backer = make_user("resident", region=village, verified=True)
    log_in(page, live_server, backer)
    page.goto(f"{live_server.url}/proposals/{funded_proposal.id}")
    bar = page.locator("#pledges progress")
    expect(bar).to_have_attribute("value", "0")

    money = pledge_form(page, "Pledge money")
    money.locator("summary").click()
    money.get_by_label("Amount in yuan", exact=True).fill("450.50")
    money.get_by_role("button", name="Pledge money").click()
    expect(page.get_by_text("Thank you! Your pledge is recorded.")).to_be_visible()
    expect(bar).to_have_attribute("value", "45")

    hours = pledge_form(page, "Pledge volunteer hours")
    hours.locator("summary").click()
    hours.get_by_label("Hours", exact=True).fill("6")
    hours.get_by_label("What you can do", exact=True).fill("carpentry")
    hours.get_by_label("When you are free (optional)", exact=True).fill("weekends")
    hours.get_by_label("Estimated value in yuan (optional)", exact=True).fill("300")
    hours.get_by_role("button", name="Pledge hours").click()
    expect(page.get_by_text("Thank you! Your pledge is recorded.")).to_be_visible()

    expect(bar).to_have_attribute("value", "75")
    section = page.locator("#pledges")
    expect(section).to_contain_text("75% of the goal")
    expect(section).to_contain_text("Money: CN¥450.50 (45% of the goal)")
    expect(section).to_contain_text("Volunteer time: 6 hours (30% of the goal)")
    backers = section.locator("ul.pledges > li")
    expect(backers).to_have_count(2)
    expect(backers.filter(has_text="CN¥450.50")).to_have_count(1)
    expect(backers.filter(has_text="6 hours · carpentry")).to_have_count(1)

    backers.filter(has_text="CN¥450.50").get_by_role("button", name="Cancel my pledge").click()

    expect(page.get_by_text("Your pledge is cancelled.")).to_be_visible()
    expect(bar).to_have_attribute("value", "30")
    expect(section).to_contain_text("Money: CN¥0.00 (0% of the goal)")
    expect(backers).to_have_count(1)
    expect(backers.filter(has_text="6 hours · carpentry")).to_have_count(1)
    expect(section).not_to_contain_text("CN¥450.50")


def test_amount_with_three_decimals_is_refused_next_to_the_field(page, live_server, make_user, village,
                                                                    funded_proposal):
    """"12.345" yuan shows an inline error beside the amount in the reopened form, and nothing is pledged."""
    backer = make_user("resident", region=village, verified=True)
    log_in(page, live_server, backer)
    page.goto(f"{live_server.url}/proposals/{funded_proposal.id}")
    money = pledge_form(page, "Pledge money")
    money.locator("summary").click()
    money.get_by_label("Amount in yuan", exact=True).fill("12.345")
    money.get_by_role("button", name="Pledge money").click()

    money = pledge_form(page, "Pledge money")
    expect(money).to_have_attribute("open", "")
    amount = money.get_by_label("Amount in yuan", exact=True)
    expect(amount).to_have_value("12.345")
    expect(amount).to_have_attribute("aria-invalid", "true")
    error = money.locator(".field.has-error .error")
    expect(error).to_be_visible()
    expect(error).to_have_text("Use at most two decimals (fen).")
    expect(amount).to_have_accessible_description(re.compile("Use at most two decimals"))
    expect(page.locator("#pledges progress")).to_have_attribute("value", "0")
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Pledge)) == 0


def test_support_with_the_keyboard_alone(page, live_server, make_user, make_proposal, village):
    """Tabbing to the support button and pressing Enter casts the support."""
    proposal = make_proposal(author=make_user("resident", region=village, verified=True))
    neighbour = make_user("resident", region=village, verified=True)
    log_in(page, live_server, neighbour)
    page.goto(f"{live_server.url}/proposals/{proposal.id}")
    box = support_box(page, proposal.id)
    expect(box.locator("strong")).to_have_text("0")

    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Support this proposal":
            break
    else:
        pytest.fail("the support button cannot be reached with Tab")
    page.keyboard.press("Enter")

    expect(box.locator("strong")).to_have_text("1")
    expect(box.get_by_role("button", name="Withdraw my support")).to_be_visible()


@pytest.mark.parametrize("summary, label, name", [
    ("Pledge money", "Show my pledge as anonymous", "anonymous"),
    ("Pledge volunteer hours", "Show my pledge as anonymous", "anonymous"),
    ("Pledge materials", "Show my pledge as anonymous", "anonymous"),
    ("Pledge volunteer hours", "Estimated value in yuan (optional)", "estimated_value"),
    ("Pledge materials", "Estimated value in yuan (optional)", "estimated_value"),
])
def test_each_pledge_form_label_belongs_to_its_own_field(page, live_server, make_user, village, funded_proposal,
                                                        summary, label, name):
    """Clicking a label in a pledge form ticks or focuses that form's own field, not another form's."""
    backer = make_user("resident", region=village, verified=True)
    log_in(page, live_server, backer)
    page.goto(f"{live_server.url}/proposals/{funded_proposal.id}")
    form = pledge_form(page, summary)
    form.locator("summary").click()

    form.locator("label", has_text=label).click()

    own = form.locator(f"input[name$='-{name}']")
    if name == "anonymous":
        expect(own).to_be_checked()
        expect(page.locator("#pledges input[name$='-anonymous']:checked")).to_have_count(1)
    else:
        expect(own).to_be_focused()
    expect(own).to_have_accessible_name(label)


# --- Accessibility -------------------------------------------------------------------------------------------


@pytest.fixture
def audit_page(browser, live_server, language):
    # axe is injected as a script, which the site's own CSP rightly forbids; the audit context bypasses it.
    # The language comes from the context's locale: Chromium sends the locale's Accept-Language on navigations
    # even when extra HTTP headers say otherwise.
    context = browser.new_context(locale=language, bypass_csp=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def log_in_any_language(page, live_server, user):
    page.goto(live_server.url + "/login")
    page.locator("input[name=identifier]").fill(user.login_name)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(live_server.url + "/")


@pytest.mark.parametrize("language", ["en-US", "zh-CN"])
@pytest.mark.parametrize("path", ["/proposals", "/proposals/new", "/proposals/{id}"])
def test_proposal_pages_pass_axe(audit_page, live_server, make_user, village, funded_proposal, path, language):
    """The list, the form and a proposal with a goal and pledges (pledge forms open) have no axe violations."""
    resident = make_user("resident", region=village, verified=True)
    other = make_user("resident", region=village, verified=True)
    pledging.pledge_to(funded_proposal, actor=resident, kind="money", amount_minor=25_050)
    pledging.pledge_to(funded_proposal, actor=other, kind="hours", hours=6, skill="carpentry",
                       estimated_value_minor=30_000, anonymous=True)
    pledging.pledge_to(funded_proposal, actor=other, kind="materials", description="timber", quantity="2.5",
                       unit="cubic metres", estimated_value_minor=12_000)
    db.session.commit()
    log_in_any_language(audit_page, live_server, resident)

    audit_page.goto(live_server.url + path.format(id=funded_proposal.id))
    expect(audit_page.locator("html")).to_have_attribute("lang", "en" if language == "en-US" else "zh-Hans")
    # People open the pledge forms; audit them open too.
    audit_page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    assert axe_violations(audit_page) == []
