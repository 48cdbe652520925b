"""No silent loss of text (issue 18) in the short forms that come once per item of a page: a report of a proposal
or a comment, a moderator's reason for hiding one, an official's public reason for rejecting a proposal and note
recommending it. Refused (empty, too long, or by the service), each comes back as the page the form is on, the
form open with the message next to its field and what was typed still in it, a 4xx and nothing saved."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from core.db import db, utcnow
from projects.models import Recommendation
from proposals.comments import Comment, Flag
from proposals.discussion import post_comment
from proposals.models import Proposal, ProposalStatus
from tests.helpers import WebClient

PASTE = "路灯坏了，晚上很黑。" * 500  # 5,000 characters, as pasted from a letter


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def refused_form(response, field_id: str) -> tuple[str, str, BeautifulSoup]:
    """What the field ``field_id`` of the page holds, the message next to it, and the <details> it is in (the
    page itself must say both: a 4xx HTML page, not a redirect)."""
    assert 400 <= response.status_code < 500 and response.mimetype == "text/html", response.status_code
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    field = page.find(id=field_id)
    assert field is not None, f"no #{field_id} on the page"
    typed = field.get_text().replace("\r\n", "\n") if field.name == "textarea" else field.get("value", "")
    error = page.find(id=f"{field_id}-error")
    assert field.get("aria-invalid") == "true" and f"{field_id}-error" in field["aria-describedby"].split()
    return typed.removeprefix("\n"), error.get_text(strip=True) if error else "", field.find_parent("details")


@pytest.fixture
def discussed(make_proposal, make_user):
    """A proposal with a comment, and a verified resident of its village who reports things."""
    proposal = make_proposal()
    comment = post_comment(proposal, actor=make_user("resident", region=proposal.region), body="Rude words")
    db.session.commit()
    return proposal, comment, make_user("resident", region=proposal.region, verified=True)


@pytest.mark.parametrize("reason, message", [
    (PASTE, "Use at most 200 characters; this has 5,000."),
    ("", "This field is required."),
])
@pytest.mark.parametrize("kind", ["proposal", "comment"])
def test_a_refused_report_comes_back_open_with_its_reason(client, discussed, kind, reason, message):
    proposal, comment, reporter = discussed
    client.login(reporter)
    item = proposal if kind == "proposal" else comment
    response = client.post(f"/flags?next=/proposals/{proposal.id}", {
        "target": kind, "target_id": str(item.id), "reason": reason})
    typed, error, details = refused_form(response, f"flag-{kind}-{item.id}-reason")
    assert typed == reason and error == message and details.has_attr("open")
    assert count(Flag) == 0
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert page.h1.get_text() == proposal.title  # the proposal's page, with every other report form empty
    others = [f for f in page.select("input[name=reason]") if f["id"] != f"flag-{kind}-{item.id}-reason"]
    assert others and all(not f.get("value") for f in others)


def test_a_report_the_service_refuses_keeps_its_reason_and_says_why(client, discussed, make_user):
    proposal, comment, _reporter = discussed
    client.login(make_user("resident", region=proposal.region))  # not verified
    response = client.post(f"/flags?next=/proposals/{proposal.id}", {
        "target": "comment", "target_id": str(comment.id), "reason": "Insults a neighbour by name"})
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert response.status_code == 422 and count(Flag) == 0
    summary = page.find(id="refused-form")
    assert "Only verified residents can report content." in summary.get_text()
    assert summary.find_parent("details")["id"] == f"flag-comment-{comment.id}"
    assert page.find(id=f"flag-comment-{comment.id}-reason")["value"] == "Insults a neighbour by name"


def test_a_report_over_the_limit_keeps_its_reason_and_says_how_long(make_app, discussed):
    app = make_app(MINYI_BACKING_LIMIT="1 per hour")
    proposal, comment, reporter = discussed
    client = WebClient(app.test_client())
    client.login(reporter)
    first = client.post("/flags", {"target": "proposal", "target_id": str(proposal.id), "reason": "Spam"})
    assert first.status_code == 302 and count(Flag) == 1
    response = client.post(f"/flags?next=/proposals/{proposal.id}", {
        "target": "comment", "target_id": str(comment.id), "reason": "Insults a neighbour"})
    html = response.get_data(as_text=True)
    assert response.status_code == 429 and count(Flag) == 1
    assert BeautifulSoup(html, "html.parser").find(id=f"flag-comment-{comment.id}-reason")["value"] == (
        "Insults a neighbour")
    assert "That is a lot of support in a short time." in html and "Please try again in" in html


@pytest.mark.parametrize("start", ["/moderation", "/proposals/{proposal_id}"])
def test_a_refused_hiding_comes_back_on_the_page_it_was_on(client, discussed, make_user, start):
    proposal, comment, reporter = discussed
    client.login(reporter)  # a report puts the comment in the moderation queue
    client.post("/flags", {"target": "comment", "target_id": str(comment.id), "reason": "Rude"})
    client.logout()
    client.login(make_user("moderator", region=proposal.region.path[0]))
    start = start.format(proposal_id=proposal.id)
    response = client.post(f"/moderation/comment/{comment.id}/hide?next={start}", {"reason": PASTE})
    typed, error, details = refused_form(response, f"hide-comment-{comment.id}-reason")
    assert typed == PASTE and error == "Use at most 2,000 characters; this has 5,000." and details.has_attr("open")
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert page.h1.get_text() == ("Moderation" if start == "/moderation" else proposal.title)
    assert db.session.get(Comment, comment.id).hidden_at is None


@pytest.fixture
def queue(make_region, make_category, make_department, make_user, make_proposal):
    """Two qualified proposals of a village; the official whose department decides on them."""
    village = make_region("village")
    category = make_category()
    department = make_department(region=village.path[0], categories=[category])
    proposals = [make_proposal(village=village, category=category, title=title)
                 for title in ("A bus to the clinic", "A roof for the school")]
    for proposal in proposals:
        proposal.status, proposal.qualified_at = ProposalStatus.QUALIFIED, utcnow() - timedelta(days=1)
    db.session.commit()
    return proposals, make_user("official", department=department)


@pytest.mark.parametrize("reason, message", [
    (PASTE, "Use at most 2,000 characters; this has 5,000."),
    ("   ", "This field is required."),
])
def test_a_refused_rejection_comes_back_in_the_queue_with_its_reason(make_app, queue, reason, message):
    app = make_app(MINYI_PAGE_SIZE=1)  # the queue in pages of one: the refused form comes back on its own page
    (first, second), official = queue
    client = WebClient(app.test_client())
    client.login(official)
    shown = BeautifulSoup(client.get("/officials/proposals").get_data(as_text=True), "html.parser")
    following = shown.select_one("a[rel=next]")["href"]
    later = BeautifulSoup(client.get(following).get_data(as_text=True), "html.parser")
    [on_page_two] = [p for p in (first, second) if later.find(id=f"reject-{p.id}")]
    action = later.find(id=f"reject-{on_page_two.id}").form["action"]
    assert "after=" in action
    response = client.post(action.split("#")[0], {"reason": reason})
    typed, error, details = refused_form(response, f"reject-{on_page_two.id}-reason")
    assert typed == reason and error == message and details.has_attr("open")
    assert [db.session.get(Proposal, p.id).status for p in (first, second)] == ["qualified", "qualified"]
    reloaded = client.get(action.split("#")[0], follow_redirects=True)  # the address again: that page of the queue
    assert reloaded.status_code == 200 and f"reject-{on_page_two.id}" in reloaded.get_data(as_text=True)


def test_a_rejection_refused_by_the_service_says_why_at_the_form(client, queue):
    (proposal, _other), official = queue
    client.login(official)
    proposal.status = ProposalStatus.REJECTED  # rejected meanwhile by a colleague
    db.session.commit()
    response = client.post(f"/officials/proposals/{proposal.id}/reject", {"reason": "The land is the railway's."})
    assert response.status_code == 422
    assert "Nothing was saved" in response.get_data(as_text=True)


@pytest.fixture
def bureaus(make_region, make_category, make_department, make_user, make_proposal):
    """A qualified health proposal, and an official of the transport bureau, who may only recommend it."""
    village = make_region("village")
    health, transport = make_category(name_en="Health"), make_category(name_en="Transport")
    make_department(region=village.path[0], categories=[health], name_en="Health Bureau")
    transport_bureau = make_department(region=village.path[0], categories=[transport], name_en="Transport Bureau")
    proposal = make_proposal(village=village, category=health, title="A village doctor twice a week")
    proposal.status, proposal.qualified_at = ProposalStatus.QUALIFIED, utcnow()
    db.session.commit()
    return proposal, make_user("official", department=transport_bureau)


def test_a_refused_recommendation_comes_back_where_it_was_written(client, bureaus):
    proposal, official = bureaus
    client.login(official)
    note = "Our buses cannot reach a clinic. " * 40  # 1,320 characters
    from_queue = client.post(f"/officials/proposals/{proposal.id}/recommend?from=queue", {"note": note})
    typed, error, details = refused_form(from_queue, f"recommend-{proposal.id}-note")
    assert typed == note and error == "Use at most 1,000 characters; this has 1,319." and details.has_attr("open")
    assert BeautifulSoup(from_queue.get_data(as_text=True), "html.parser").h1.get_text() == "Qualified proposals"

    from_page = client.post(f"/officials/proposals/{proposal.id}/recommend", {"note": note})
    typed, error, _details = refused_form(from_page, "note")
    assert typed == note and error == "Use at most 1,000 characters; this has 1,319."
    assert BeautifulSoup(from_page.get_data(as_text=True), "html.parser").h1.get_text() == proposal.title
    assert count(Recommendation) == 0
    reloaded = client.get(f"/officials/proposals/{proposal.id}/recommend?from=queue", follow_redirects=True)
    assert reloaded.status_code == 200 and reloaded.request.path == "/officials/proposals"
