"""Over a rate limit, the login page, the page to log in with a code and the page for a password reset code come
back as themselves (429), saying how long to wait and keeping what was typed, even when the form was sent empty:
never a bare error page, and never the password written back into the page."""

import re

from bs4 import BeautifulSoup

from tests.helpers import WebClient

WAIT = re.compile(r"Please try again in \d+ (minute|minutes|hour|hours)\.")


def the_form(response, heading: str, action: str) -> BeautifulSoup:
    """The page's form (sent to ``action``), after checking the page is ``heading``'s, refused over a limit and
    saying how long to wait."""
    html = response.get_data(as_text=True)
    page = BeautifulSoup(html, "html.parser")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert page.h1.get_text() == heading
    summary = page.select_one(".form-errors").get_text(" ", strip=True)
    assert "Nothing was sent; what you typed is kept here." in summary and WAIT.search(summary), summary
    return page.select_one(f'main form[action^="{action}"]')


def test_the_login_page_over_its_limit_says_how_long_even_sent_empty(make_app):
    app = make_app(MINYI_LOGIN_LIMIT="2 per minute")
    client = WebClient(app.test_client())
    for _ in range(2):
        client.post("/login", {"identifier": "li@example.org", "password": "wrong password"})
    form = the_form(client.post("/login", {}), "Log in", "/login")
    assert form.find(id="identifier")["value"] == "" and form.find(id="password") is not None
    typed = client.post("/login", {"identifier": "li@example.org", "password": "my secret guess", "remember": "y"})
    form = the_form(typed, "Log in", "/login")
    assert form.find(id="identifier")["value"] == "li@example.org" and form.find(id="remember").has_attr("checked")
    assert "my secret guess" not in typed.get_data(as_text=True)  # the password is never written back


def test_the_code_page_over_its_limit_keeps_what_was_typed(app):
    app.config.update(MINYI_RESET_LIMIT="2 per hour")
    client = WebClient(app.test_client())
    for _ in range(2):
        assert client.post("/login/code", {"phone": "13800138000", "code": "000000"}).status_code == 422
    form = the_form(client.post("/login/code", {}), "Log in with a code", "/login/code")
    assert form.find(id="phone")["value"] == ""
    typed = client.post("/login/code", {"phone": "138 0013 8000", "code": "123456"})
    form = the_form(typed, "Log in with a code", "/login/code")
    assert form.find(id="phone")["value"] == "138 0013 8000" and form.find(id="code")["value"] == "123456"
    assert typed.headers["Cache-Control"] == "no-store"  # (a page with a code in it is never kept)


def test_the_reset_code_page_over_its_limit_says_how_long_even_sent_empty(app):
    app.config.update(MINYI_RESET_LIMIT="2 per hour")
    client = WebClient(app.test_client())
    for _ in range(2):
        assert client.post("/password/code", {"phone": "13800138000", "code": "000000"}).status_code == 422
    form = the_form(client.post("/password/code", {}), "Enter the code from the SMS", "/password/code")
    assert form.find(id="phone")["value"] == ""
