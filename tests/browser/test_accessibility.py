"""WCAG 2.2 AA checks with axe-core (vendored in tests/browser/vendor) on the pages people use most."""

import json

import pytest

from tests.helpers import axe_violations


@pytest.fixture
def audit_context(browser, live_server):
    """A browser context per language (Chromium sends the context's locale as Accept-Language)."""
    contexts = []

    def factory(locale="en-US"):
        # axe is injected as a script, which the site's own CSP rightly forbids; the audit context bypasses it.
        context = browser.new_context(locale=locale, bypass_csp=True)
        contexts.append(context)
        return context.new_page()

    yield factory
    for context in contexts:
        context.close()


@pytest.fixture
def audit_page(audit_context):
    return audit_context()


def login(page, url, identifier):
    page.goto(url + "/login")
    page.get_by_label("Phone number or email").fill(identifier)
    page.get_by_label("Password").fill("minyi-demo")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(url + "/")


@pytest.mark.parametrize("language", ["en-US", "zh-CN"])
@pytest.mark.parametrize("path", ["/", "/login", "/register", "/proposals", "/appeals", "/proposals/1", "/appeals/1",
                                  "/appeals/receipt?code=NOPE-NOPE", "/dashboard", "/projects", "/projects/1"])
def test_public_pages_pass_axe(demo_county, app, audit_context, live_server, path, language):
    page = audit_context(language)
    page.goto(live_server.url + path)
    assert page.locator("html").get_attribute("lang") == ("en" if language == "en-US" else "zh-Hans")
    assert axe_violations(page) == []


def test_form_with_errors_passes_axe(demo_county, app, audit_page, live_server):
    audit_page.goto(live_server.url + "/register")
    with audit_page.expect_navigation():
        audit_page.get_by_role("button", name="Create account").click()
    audit_page.wait_for_selector(".error")
    assert axe_violations(audit_page) == []


@pytest.mark.parametrize("who, path", [
    ("admin@example.org", "/admin/users"), ("admin@example.org", "/admin/regions"),
    ("admin@example.org", "/admin/departments"), ("admin@example.org", "/admin/census"),
    ("qingshi@example.org", "/officials/residents?status=all"), ("+8613800138006", "/account"),
    ("+8613800138001", "/appeals/new"), ("+8613800138001", "/appeals/mine"),
    ("admin@example.org", "/officials/appeals?status=all"), ("admin@example.org", "/officials/appeals/1"),
    ("admin@example.org", "/officials/appeals/groups"), ("admin@example.org", "/officials/appeals/record"),
    ("admin@example.org", "/admin/answer-templates"), ("admin@example.org", "/admin/audit"),
    ("admin@example.org", "/officials/candidates"), ("admin@example.org", "/admin/kiosks"),
    ("admin@example.org", "/admin/kiosks/models"), ("admin@example.org", "/projects/1"),
])
def test_signed_in_pages_pass_axe(demo_county, app, audit_page, live_server, who, path):
    login(audit_page, live_server.url, who)
    audit_page.goto(live_server.url + path)
    assert axe_violations(audit_page) == [], json.dumps(path)
