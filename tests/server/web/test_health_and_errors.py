"""Health check, error pages that leak nothing, security headers, logging."""

import logging


def test_healthz_reports_a_working_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_503_when_the_database_is_gone(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none",
                   SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_unexpected_errors_show_a_generic_page_and_are_logged(make_app, caplog):
    app = make_app()

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals: password=hunter2")

    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/boom", headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on our side" in html
    assert "hunter2" not in html and "Traceback" not in html
    assert "hunter2" in caplog.text  # the operator sees it in the log


def test_api_clients_get_json_errors(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404
    assert response.get_json()["error"]["message"]


def test_not_found_page_is_friendly(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "This page does not exist" in response.get_data(as_text=True)


def test_wrong_method_is_405_not_500(client):
    assert client.get("/logout").status_code == 405


def test_security_headers_and_a_strict_content_security_policy(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    cookie = client.get("/login").headers.get("Set-Cookie", "")  # the login form's token is in the session
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_pages_have_no_inline_scripts_or_styles(client):
    html = client.get("/register").get_data(as_text=True)
    assert "<script>" not in html and "<style" not in html and " style=" not in html and "onclick" not in html


def test_session_cookie_is_secure_in_production(make_app):
    app = make_app(SESSION_COOKIE_SECURE=True)
    response = app.test_client().get("/login")
    assert "Secure" in response.headers["Set-Cookie"]


def test_uploads_over_the_limit_get_413(make_app, make_user):
    app = make_app(MAX_CONTENT_LENGTH=1024)
    response = app.test_client().post("/login", data={"identifier": "x" * 4096}, headers={"Accept-Language": "en"})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_every_page_has_a_short_plain_title(client, make_user, make_proposal):
    """Screen readers announce the title first; it must be words, not markup."""
    import re

    proposal = make_proposal()
    client.login(make_user("admin"))
    for path in ("/", "/login", "/register", "/account", "/proposals", f"/proposals/{proposal.id}", "/appeals",
                 "/admin/users", "/admin/regions", "/officials/residents", "/officials/proposals", "/moderation",
                 "/notifications"):
        html = client.get(path).get_data(as_text=True)
        title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
        assert "<" not in title and len(title) < 120 and title.strip(), (path, title)
