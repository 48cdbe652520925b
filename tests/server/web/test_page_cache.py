"""Public pages kept a few seconds for anonymous visitors (server/web/page_cache.py): they share one page made a
moment ago; signed-in people, and anyone with something in their session, always get theirs, fresh."""


import pytest

from core.db import db
from tests.helpers import WebClient, wait_until


def cached_app(make_app, seconds):
    app = make_app(MINYI_PAGE_CACHE_SECONDS=seconds)
    with app.app_context():
        from core.cache import cache

        cache.clear()
        yield app
        db.session.remove()


@pytest.fixture
def cached(make_app):
    """Pages kept long enough that no slow machine sees one expire within a test."""
    yield from cached_app(make_app, 300)


@pytest.fixture
def briefly_cached(make_app):
    yield from cached_app(make_app, 1)


def anonymous(app, language="en"):
    return WebClient(app.test_client(), language=language)


def test_anonymous_visitors_share_a_page_for_a_moment_while_signed_in_people_see_changes_at_once(
        cached, make_proposal, make_user):
    make_proposal(title="Fix the bridge")
    visitor = anonymous(cached)
    assert "Fix the bridge" in visitor.get("/proposals").get_data(as_text=True)
    author = make_user("resident", verified=True)
    make_proposal(title="Light the lane", author=author)
    db.session.commit()
    kept = visitor.get("/proposals")
    assert kept.status_code == 200 and "Light the lane" not in kept.get_data(as_text=True)
    assert "Set-Cookie" not in kept.headers and "Content-Security-Policy" in kept.headers  # headers made anew
    assert "Light the lane" in anonymous(cached, "zh-CN").get("/proposals").get_data(as_text=True)  # own language
    signed_in = WebClient(cached.test_client())
    signed_in.login(author)
    assert "Light the lane" in signed_in.get("/proposals").get_data(as_text=True)


def test_a_kept_page_is_made_anew_once_its_moment_passes(briefly_cached, make_proposal):
    make_proposal(title="Fix the bridge")
    visitor = anonymous(briefly_cached)
    visitor.get("/proposals")
    make_proposal(title="Light the lane")
    db.session.commit()
    wait_until(lambda: "Light the lane" in visitor.get("/proposals").get_data(as_text=True),  # the moment passes
               timeout=10, message="the kept page never expired", interval=0.2)


def test_a_visitor_with_a_session_gets_their_own_page(cached, make_proposal, make_user):
    make_proposal(title="Fix the bridge")
    anonymous(cached).get("/proposals")  # kept
    make_proposal(title="Light the lane")
    db.session.commit()
    someone = WebClient(cached.test_client())
    someone.login(make_user("resident", verified=True))
    someone.logout()  # signed out, with "you are logged out" waiting in the session
    page = someone.get("/proposals").get_data(as_text=True)
    assert "Light the lane" in page


def test_anonymous_pages_carry_no_token_and_the_language_switch_still_works(cached, make_user):
    visitor = anonymous(cached)
    page = visitor.get("/proposals")
    assert "csrf_token" not in page.get_data(as_text=True) and "Set-Cookie" not in page.headers
    switched = visitor.post("/language", {"language": "zh_Hans", "next": "/proposals"}, csrf=False)
    assert switched.status_code == 302 and "minyi_lang=zh_Hans" in switched.headers["Set-Cookie"].replace('"', "")
    resident = make_user("resident", verified=True)
    signed_in = WebClient(cached.test_client())
    signed_in.login(resident)
    forged = signed_in.post("/language", {"language": "zh_Hans"}, csrf=False)  # from another site: refused
    assert forged.status_code == 400
    db.session.refresh(resident)
    assert resident.locale != "zh_Hans"
    assert signed_in.post("/language", {"language": "zh_Hans"}).status_code == 302
    db.session.refresh(resident)
    assert resident.locale == "zh_Hans"


def test_every_public_page_can_be_kept(cached, make_proposal, make_appeal):
    """An anonymous visitor's page puts nothing in the session (no form token), so each can be shared."""
    proposal, appeal = make_proposal(), make_appeal()
    db.session.commit()
    visitor = anonymous(cached)
    for path in ["/", "/proposals", f"/proposals/{proposal.id}", "/appeals", f"/appeals/{appeal.id}", "/projects",
                 "/dashboard"]:
        response = visitor.get(path)
        assert response.status_code == 200 and "Set-Cookie" not in response.headers, path
