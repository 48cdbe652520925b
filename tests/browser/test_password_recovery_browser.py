"""Getting back in without the password, in a real browser against the served app: a new password by a link in a
mail (a real SMTP server on loopback), a new password by a code by SMS and logging in with a code by SMS (the
worker sending them over SMPP to the loopback SMS centre)."""

import re

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import expect

from server.worker.tasks import work
from tests.helpers import PASSWORD, Inbox, axe_violations, free_port, wait_until

NEW = "a brand new password"
PHONE = "13800138000"


@pytest.fixture
def mail_server(live_server):
    """A real SMTP server on loopback, and the served app configured to send through it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    live_server.app.config.update(MINYI_SMTP_HOST="127.0.0.1", MINYI_SMTP_PORT=controller.port,
                                  MINYI_MAIL_FROM="minyi@example.org", MINYI_BASE_URL=live_server.url)
    yield inbox
    controller.stop()


@pytest.fixture
def texting(live_server, smsc, app):
    """The served app sending SMS through the loopback SMS centre (the ``smsc`` fixture configures ``app``)."""
    live_server.app.config.update({name: value for name, value in app.config.items() if name.startswith("MINYI_SMPP")})
    return smsc


@pytest.fixture
def audit_page(browser):
    """A page on which axe may be injected (the site's own CSP rightly forbids that script; this context bypasses
    it)."""
    context = browser.new_context(locale="en-US", bypass_csp=True)
    yield context.new_page()
    context.close()


def sent_code(live_server, smsc) -> str:
    """The worker sends what is waiting; the code from the SMS that reached the phone."""
    work(live_server.app, burst=True)
    message = wait_until(lambda: smsc.messages and smsc.messages[-1], message="no SMS reached the SMS centre")
    assert message.destination == "86" + PHONE
    return re.search(r"\b(\d{6})\b", message.text).group(1)


def log_in_with(page, live_server, login_name, password):
    page.goto(live_server.url + "/login")
    page.get_by_label("Phone number or email", exact=True).fill(login_name)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()


def test_a_new_password_by_a_link_in_a_mail(page, live_server, mail_server, make_user):
    make_user(email="wang@example.org", phone=None)
    page.goto(live_server.url + "/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Phone number or email", exact=True).fill("wang@example.org")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()

    work(live_server.app, burst=True)
    [(to, mail)] = wait_until(lambda: mail_server.messages, message="no mail reached the SMTP server")
    assert to == ["wang@example.org"]
    link = re.search(r"http://127\.0\.0\.1:\d+/password/reset/[\w-]+", mail.get_content()).group(0)
    page.goto(link)
    page.get_by_label("New password", exact=True).fill(NEW)
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_text("Log in with your new password")).to_be_visible()

    log_in_with(page, live_server, "wang@example.org", PASSWORD)
    expect(page.locator(".form-errors, .error").first).to_be_visible()  # the old password no longer works
    log_in_with(page, live_server, "wang@example.org", NEW)
    expect(page.get_by_role("link", name="My account")).to_be_visible()
    page.goto(link)
    expect(page.get_by_text("already used")).to_be_visible()  # the link works once


def test_a_new_password_by_a_code_by_sms(page, live_server, texting, make_user):
    make_user(phone=PHONE, email=None)
    page.goto(live_server.url + "/password/forgot")
    page.get_by_label("Phone number or email", exact=True).fill("138 0013 8000")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="Enter the code from the SMS")).to_be_visible()

    page.get_by_label("Code from the SMS").fill(sent_code(live_server, texting))
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("New password", exact=True).fill(NEW)
    page.get_by_role("button", name="Save the new password").click()
    log_in_with(page, live_server, PHONE, NEW)
    expect(page.get_by_role("link", name="My account")).to_be_visible()


def test_logging_in_with_a_code_by_sms_instead_of_the_password(audit_page, live_server, texting, make_user):
    """From a page that needs logging in, "Send me a code instead", the code from the SMS, and back to that page;
    both pages pass axe (WCAG 2.2 AA)."""
    page = audit_page
    make_user(phone=PHONE, email=None, display_name="Wang Fang")
    page.goto(live_server.url + "/account")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    assert axe_violations(page) == []
    page.get_by_label("Phone number or email", exact=True).fill("138 0013 8000")
    page.get_by_role("button", name="Send me a code instead").click()

    expect(page.get_by_role("heading", name="Log in with a code")).to_be_visible()
    expect(page.get_by_text("If an account has this phone number")).to_be_visible()
    expect(page.get_by_label("Mobile phone number")).to_have_value("138 0013 8000")
    assert axe_violations(page) == []
    page.get_by_label("Code from the SMS").fill("000000")
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.locator("#code-error")).to_contain_text("This code is not correct or has expired")

    page.get_by_label("Code from the SMS").fill(sent_code(live_server, texting))
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("heading", name="My account", exact=True)).to_be_visible()
    expect(page.locator("main")).to_contain_text("Wang Fang")
