"""No silent loss of text (issue 18): a text over its limit is refused by the server with a clear message and kept
in the form, as the browser no longer cuts it (no maxlength, a counter instead); a refused form's address can be
opened again (GET) without a 405; a form sent over a rate limit comes back with what was typed and how long to
wait."""

import re
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from appeals.models import Appeal
from core.db import db, utcnow
from proposals.comments import Comment
from proposals.models import Proposal
from tests.helpers import WebClient
from voting.models import Pledge

PASTE = "路灯坏了，晚上很黑。" * 500  # 5,000 characters, as pasted from a letter


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def proposal_form(village, category, **overrides):
    return {"title": "Fix the bridge railing", "body": "It broke in the storm.", "category": str(category.id),
            "village": str(village.id), "scope": "village", "language": "en", **overrides}


def appeal_form(village, category, **overrides):
    return {"body": "The well behind the school has been dry for a week.", "category": str(category.id),
            "village": str(village.id), "public": "y", "language": "en", **overrides}


def kept(html: str, name: str, **where) -> str:
    """What the page's form holds in the field ``name`` (as the browser would show it)."""
    element = BeautifulSoup(html, "html.parser").find(attrs={"name": name, **where})
    if element.name != "textarea":
        return element.get("value", "")
    text = element.get_text().replace("\r\n", "\n")
    return text[1:] if text.startswith("\n") else text  # (a browser drops the line break right after <textarea>)


def test_a_long_pasted_title_is_refused_with_its_length_and_kept(client, make_user, make_category):
    author = make_user("resident", verified=True)
    client.login(author)
    body = "Line one.\r\nLine two."
    response = client.post("/proposals/new", proposal_form(author.region, make_category(), title=PASTE, body=body))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    error = BeautifulSoup(html, "html.parser").find(id="title-error").get_text()
    assert error == "Use at most 200 characters; this has 5,000."
    assert kept(html, "title") == PASTE and kept(html, "body") == "Line one.\nLine two."
    assert count(Proposal) == 0


def test_a_long_appeal_is_refused_and_kept_in_chinese_too(make_app, make_user, make_category, make_department):
    app = make_app()
    author = make_user("resident", verified=True)
    category = make_category()
    make_department(region=author.region.path[0], categories=[category])
    client = WebClient(app.test_client(), language="zh-CN")
    client.login(author)
    text = PASTE + "还有。"
    response = client.post("/appeals/new", appeal_form(author.region, category, body=text))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"最多输入 5,000 个字符，现在有 {len(text):,} 个。" in html
    assert kept(html, "body") == text and count(Appeal) == 0


def test_line_breaks_count_once_as_the_counter_counts_them(client, make_user, make_category):
    """A browser sends each line break as two characters; 10,000 characters with line breaks are not too many."""
    author = make_user("resident", verified=True)
    client.login(author)
    body = ("x" * 99 + "\r\n") * 100  # 10,000 characters as typed, 10,100 as sent
    response = client.post("/proposals/new", proposal_form(author.region, make_category(), body=body))
    assert response.status_code == 302 and count(Proposal) == 1


def test_a_long_comment_comes_back_in_its_form(client, make_user, make_proposal):
    proposal = make_proposal()
    client.login(make_user("resident", region=proposal.region, verified=True))
    text = PASTE + "还有一句。"
    response = client.post(f"/proposals/{proposal.id}/comments", {"body": text, "stance": "against"})
    html = response.get_data(as_text=True)
    page = BeautifulSoup(html, "html.parser")
    assert response.status_code == 422 and count(Comment) == 0
    assert kept(html, "body") == text
    assert "Use at most 5000 characters." in page.find(id="comment-body-new-error").get_text()
    assert page.find("input", {"name": "stance", "value": "against"}).has_attr("checked")


def test_a_long_reply_comes_back_open_under_its_comment(client, make_user, make_proposal):
    from proposals.discussion import post_comment

    proposal = make_proposal()
    first = post_comment(proposal, actor=proposal.author, body="Agreed.")
    db.session.commit()
    client.login(make_user("resident", region=proposal.region, verified=True))
    response = client.post(f"/proposals/{proposal.id}/comments", {"body": PASTE * 2, "reply_to": str(first.id)})
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert response.status_code == 422 and count(Comment) == 1
    form = page.find(id=f"comment-form-{first.id}")
    assert kept(str(form), "body") == PASTE * 2 and form.find_parent("details").has_attr("open")
    assert page.find(id="comment-body-new").get_text() == ""  # the other forms stay empty


def test_a_long_pledge_note_is_refused_and_kept(client, make_user, make_proposal):
    proposal = make_proposal(goal_minor=100_000, deadline=utcnow() + timedelta(days=10), in_kind_counts=True)
    client.login(make_user("resident", region=proposal.region, verified=True))
    response = client.post(f"/proposals/{proposal.id}/pledges/hours",
                           {"hours-hours": "4", "hours-skill": PASTE, "hours-availability": "Weekends"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and count(Pledge) == 0
    assert "Use at most 80 characters; this has 5,000." in html
    assert kept(html, "hours-skill") == PASTE and kept(html, "hours-availability") == "Weekends"


def limited_fields(html: str):
    page = BeautifulSoup(html, "html.parser")
    return page, {note["data-count-for"]: int(note["data-limit"]) for note in page.select("[data-count-for]")}


def test_limited_fields_have_a_counter_and_no_maxlength(client, make_user, make_proposal):
    proposal = make_proposal(goal_minor=100_000, deadline=utcnow() + timedelta(days=10), in_kind_counts=True)
    client.login(make_user("resident", region=proposal.region, verified=True))
    for url in ("/proposals/new", "/appeals/new", f"/proposals/{proposal.id}", "/account"):
        page, limits = limited_fields(client.get(url).get_data(as_text=True))
        forms = page.select("form[method=post]")
        assert not [e for form in forms for e in form.select("[maxlength]")], url  # nothing cut silently
        for field_id in limits:
            field = page.find(id=field_id)
            assert field is not None and f"{field_id}-limit" in field["aria-describedby"].split(), (url, field_id)
        if url == "/proposals/new":
            assert limits["title"] == 200 and limits["body"] == 10_000
            assert page.find(id="title-limit").get_text() == "Up to 200 characters."
        if url == f"/proposals/{proposal.id}":
            assert limits["comment-body-new"] == 5000 and limits["hours-skill"] == 80


RELOADED = [  # who, the address a refused form was sent to, what was sent, the page a GET of it shows
    ("verified resident", "/proposals/{proposal_id}/withdraw", {"reason": ""}, "/proposals/{proposal_id}"),
    ("verified resident", "/proposals/{proposal_id}/photos", {"alt_text": PASTE}, "/proposals/{proposal_id}"),
    ("verified resident", "/proposals/{open_proposal_id}/pledges/hours", {"hours-skill": PASTE},
     "/proposals/{open_proposal_id}"),
    ("verified resident", "/proposals/{open_proposal_id}/comments", {"body": PASTE * 2},
     "/proposals/{open_proposal_id}"),
    ("verified resident", "/appeals/{appeal_id}/rate", {"score": "9"}, "/appeals/{appeal_id}"),
    ("verified resident", "/appeals/{appeal_id}/reopen", {"reason": ""}, "/appeals/{appeal_id}"),
    ("verified resident", "/projects/{project_id}/rating", {"score": "9"}, "/projects/{project_id}"),
    ("verified resident", "/projects/{project_id}/not-done", {"body": ""}, "/projects/{project_id}"),
    ("verified resident", "/account/password", {"current_password": ""}, "/account"),
    ("verified resident", "/account/tokens", {"name": PASTE}, "/account"),
    ("verified resident", "/account/delete", {"password": ""}, "/account"),
    ("resident", "/account/verify", {"id_number": ""}, "/account"),
    ("official", "/officials/appeals/{appeal_id}/answer", {"body": ""}, "/officials/appeals/{appeal_id}"),
    ("official", "/officials/projects/{project_id}/milestone", {"title": ""}, "/projects/{project_id}"),
    ("verified resident", "/flags?next=/proposals/{proposal_id}",
     {"target": "comment", "target_id": "{comment_id}", "reason": ""}, "/proposals/{proposal_id}"),
    ("moderator", "/moderation/comment/{comment_id}/hide?next=/proposals/{proposal_id}", {"reason": ""},
     "/proposals/{proposal_id}"),
    ("moderator", "/moderation/proposal/{proposal_id}/hide?next=/moderation", {"reason": ""}, "/moderation"),
    ("official", "/officials/proposals/{proposal_id}/reject", {"reason": ""}, "/officials/proposals"),
    ("official", "/officials/proposals/{proposal_id}/recommend", {"note": "x" * 1001}, "/proposals/{proposal_id}"),
    ("official", "/officials/proposals/{proposal_id}/recommend?from=queue", {"note": ""}, "/officials/proposals"),
]


@pytest.mark.parametrize("role, address, sent, page", RELOADED, ids=[row[1] for row in RELOADED])
def test_the_address_of_a_refused_form_can_be_opened_again(world, role, address, sent, page):
    app, users, ids, _tokens = world
    client = WebClient(app.test_client())
    client.post("/login", {"identifier": users[role].login_name, "password": "correct horse battery"}, csrf=False)
    address, page = address.format(**ids), page.format(**ids)
    refused = client.post(address, {name: value.format(**ids) for name, value in sent.items()}, csrf=False)
    assert 400 <= refused.status_code < 500 and refused.mimetype == "text/html", refused.status_code
    reloaded = client.get(address, follow_redirects=True)
    assert reloaded.status_code == 200 and reloaded.request.path == page


def test_a_rate_limited_proposal_keeps_its_text_and_says_how_long(make_app, make_user, make_category):
    app = make_app(MINYI_POSTING_LIMIT="1 per hour")
    author = make_user("resident", verified=True)
    category = make_category()
    client = WebClient(app.test_client())
    client.login(author)
    assert client.post("/proposals/new", proposal_form(author.region, category)).status_code == 302
    second = proposal_form(author.region, category, title="A bench by the pond", body=PASTE)
    response = client.post("/proposals/new", second)
    html = response.get_data(as_text=True)
    assert response.status_code == 429 and 0 < int(response.headers["Retry-After"]) <= 3600
    assert kept(html, "title") == "A bench by the pond" and kept(html, "body") == PASTE
    summary = BeautifulSoup(html, "html.parser").select_one(".form-errors").get_text(" ", strip=True)
    wait = re.search(r"Please try again in (\d+) minutes?\.", summary)
    assert "You have posted a lot in a short time." in summary and wait and 1 <= int(wait[1]) <= 60
    assert count(Proposal) == 1


def test_a_rate_limited_appeal_keeps_its_text_and_says_how_long_in_chinese(make_app, make_user, make_category,
                                                                           make_department):
    app = make_app(MINYI_POSTING_LIMIT="1 per hour")
    author = make_user("resident", verified=True)
    category = make_category()
    make_department(region=author.region.path[0], categories=[category])
    client = WebClient(app.test_client(), language="zh-CN")
    client.login(author)
    assert client.post("/appeals/new", appeal_form(author.region, category)).status_code == 302
    text = "村口的桥栏杆断了，孩子们每天从这里过。"
    response = client.post("/appeals/new", appeal_form(author.region, category, body=text, address="村口"))
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert kept(html, "body") == text and kept(html, "address") == "村口"
    assert "您短时间内发布的内容太多了。" in html and re.search(r"请 \d+ 分钟后再试。", html)
    assert count(Appeal) == 1


def test_a_rate_limited_comment_keeps_its_text(make_app, make_user, make_proposal):
    app = make_app(MINYI_POSTING_LIMIT="1 per hour")
    proposal = make_proposal()
    client = WebClient(app.test_client())
    client.login(make_user("resident", region=proposal.region, verified=True))
    assert client.post(f"/proposals/{proposal.id}/comments", {"body": "First."}).status_code == 302
    response = client.post(f"/proposals/{proposal.id}/comments", {"body": "Second, longer thought."})
    html = response.get_data(as_text=True)
    assert response.status_code == 429 and kept(html, "body", id="comment-body-new") == "Second, longer thought."
    assert "Please try again in" in html and count(Comment) == 1


def test_a_rate_limited_pledge_keeps_its_amount_and_a_button_gets_the_short_answer(make_app, make_user,
                                                                                   make_proposal):
    """The pledge form comes back; an htmx button keeps the plain 429 (static/js/minyi.js shows its message)."""
    app = make_app(MINYI_BACKING_LIMIT="1 per hour")
    proposal = make_proposal(goal_minor=100_000, deadline=utcnow() + timedelta(days=10))
    client = WebClient(app.test_client())
    client.login(make_user("resident", region=proposal.region, verified=True))
    assert client.post(f"/proposals/{proposal.id}/pledges/money", {"money-amount": "10"}).status_code == 302
    refused = client.post(f"/proposals/{proposal.id}/pledges/money", {"money-amount": "20"})
    assert refused.status_code == 429 and kept(refused.get_data(as_text=True), "money-amount") == "20"
    assert count(Pledge) == 1
    assert client.post(f"/proposals/{proposal.id}/support", headers={"HX-Request": "true"}).status_code == 429
