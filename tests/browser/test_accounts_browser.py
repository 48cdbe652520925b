"""Accounts in a real browser: register, log in and out, language, permissions, htmx verification."""

import re

import pytest
from playwright.sync_api import expect

from accounts.users import User
from core.db import db

PASSWORD = "correct horse battery"


def english_full_name(region):
    """The village's label as an English-speaking visitor sees it in a select."""
    return " / ".join(r.name_en for r in region.path)


def log_in(page, live_server, login_name, password=PASSWORD):
    page.goto(live_server.url + "/login")
    page.get_by_label("Phone number or email", exact=True).fill(login_name)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="My account")).to_be_visible()


def test_resident_registers_logs_out_and_logs_in_again(page, live_server, make_region):
    """A new resident registers, is shown their account, logs out and logs back in with a spaced phone number."""
    village = make_region("village")
    page.goto(live_server.url + "/register")
    page.get_by_label("Your name", exact=True).fill("Wang Fang")
    page.get_by_label("Mobile phone number", exact=True).fill("13912345678")
    page.locator("#village").select_option(label=english_full_name(village))
    page.get_by_label("Password", exact=True).fill("a long enough password")
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_role("heading", name="My account", exact=True)).to_be_visible()
    expect(page.locator("main")).to_contain_text("Wang Fang")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    expect(page.get_by_role("link", name="My account")).to_have_count(0)

    log_in(page, live_server, "139 1234 5678", "a long enough password")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_language_switch_is_remembered_across_pages(page, live_server):
    """Choosing 中文 turns the site Chinese on every page until English is chosen again."""
    html = page.locator("html")
    page.goto(live_server.url + "/")
    expect(html).to_have_attribute("lang", "en")

    page.locator("header").get_by_role("button", name="中文").click()
    expect(html).to_have_attribute("lang", "zh-Hans")
    expect(page.locator("header").get_by_role("link", name="登录")).to_be_visible()

    page.goto(live_server.url + "/login")
    expect(html).to_have_attribute("lang", "zh-Hans")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()

    page.locator("header").get_by_role("button", name="English").click()
    expect(html).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def test_resident_is_refused_an_officials_page(page, live_server, make_user):
    """A logged-in resident opening an officials' page gets a 403 page that says why."""
    resident = make_user("resident")
    log_in(page, live_server, resident.login_name)

    response = page.goto(live_server.url + "/officials/residents")
    assert response.status == 403
    expect(page.get_by_role("heading", name="You do not have permission to see this page.")).to_be_visible()


def test_anonymous_visitor_is_sent_to_log_in_from_admin(page, live_server):
    """An anonymous visitor opening an admin page lands on the login form, which remembers where they were going."""
    page.goto(live_server.url + "/admin/users")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def test_official_verifies_a_resident_in_place(page, live_server, make_region, make_user):
    """An official's click on "Mark verified" swaps the resident's row in place, without loading a new page."""
    region = make_region("village")
    resident = make_user("resident", region=region)
    official = make_user("official", region=region.path[0])
    resident_id, resident_name = resident.id, resident.display_name
    log_in(page, live_server, official.login_name)

    page.goto(live_server.url + "/officials/residents")
    row = page.locator(f"#resident-{resident_id}")
    expect(row).to_contain_text(resident_name)
    page.evaluate("window.__marker = 1")
    row.get_by_role("button", name="Mark verified").click()

    expect(row.get_by_text("Verified", exact=True)).to_be_visible()
    expect(row.get_by_role("button", name="Mark verified")).to_have_count(0)
    assert page.evaluate("window.__marker") == 1, "the page was reloaded instead of swapping the row"
    db.session.expire_all()
    assert db.session.get(User, resident_id).is_verified


def test_a_refused_htmx_action_says_so_in_place(page, live_server, make_region, make_user):
    """If a resident moves out of the official's region before the click, the row shows a clear error."""
    region, elsewhere = make_region("village"), make_region("village")
    resident = make_user("resident", region=region)
    official = make_user("official", region=region.path[0])
    log_in(page, live_server, official.login_name)
    page.goto(live_server.url + "/officials/residents")
    resident.region = elsewhere
    db.session.commit()

    page.locator(f"#resident-{resident.id}").get_by_role("button", name="Mark verified").click()

    expect(page.get_by_role("alert")).to_contain_text("This could not be saved")
    db.session.expire_all()
    assert not db.session.get(User, resident.id).is_verified


@pytest.mark.parametrize("path", ["/", "/login"])
def test_page_loads_without_console_errors_or_csp_violations(page, live_server, path):
    """The page's scripts and styles run under the Content Security Policy without any console error."""
    errors = []

    def on_console(message):
        if message.type == "error":
            errors.append(f"{message.text} ({message.location.get('url')})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(live_server.url + path)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("typeof window.htmx") == "object", "htmx did not load"
    assert errors == []
