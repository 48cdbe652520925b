"""Proposal pages: put forward, list and search, edit rules, withdraw, support with and without htmx."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core.db import db
from proposals.models import Proposal
from tests.helpers import WebClient
from voting.models import Support

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def proposal_form(village, category, **overrides):
    data = {"title": "Fix the bridge railing", "body": "It broke in the storm.\nChildren cross it daily.",
            "category": str(category.id), "village": str(village.id), "scope": "village", "language": "en",
            "address": "", "latitude": "", "longitude": "", "goal": "", "deadline": ""}
    data.update(overrides)
    return data


def test_resident_puts_forward_a_proposal_with_a_funding_goal(client, make_user, make_category):
    author = make_user("resident", verified=True)
    category = make_category()
    client.login(author)
    deadline = (date.today() + timedelta(days=30)).isoformat()
    response = client.post("/proposals/new", proposal_form(author.region, category, goal="2,000.50",
                                                           deadline=deadline, address="East bridge",
                                                           latitude="25.04", longitude="102.71"))
    assert response.status_code == 302
    proposal = db.session.scalar(select(Proposal))
    assert (proposal.goal_minor, proposal.address, proposal.latitude) == (200050, "East bridge", 25.04)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Fix the bridge railing" in page and "¥2,000.50" in page


@pytest.mark.parametrize("overrides, field, message", [
    ({"title": ""}, "title", "This field is required"),
    ({"title": "x" * 201}, "title", "at most 200"),
    ({"goal": "-5", "deadline": "2099-01-01"}, "goal", "more than zero"),
    ({"goal": "12.345", "deadline": "2099-01-01"}, "goal", "two decimals"),
    ({"goal": "lots", "deadline": "2099-01-01"}, "goal", "such as 50"),
    ({"goal": "100"}, "deadline", "needs a deadline"),
    ({"goal": "100", "deadline": "2000-01-01"}, "deadline", "in the future"),
    ({"latitude": "95", "longitude": "10"}, "latitude", "between -90 and 90"),
    ({"latitude": "25"}, "latitude", "both latitude and longitude"),
])
def test_bad_proposals_are_refused_next_to_the_field(client, make_user, make_category, overrides, field, message):
    author = make_user("resident", verified=True)
    client.login(author)
    response = client.post("/proposals/new", proposal_form(author.region, make_category(), **overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in html and message in html
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0


def test_text_is_shown_escaped_everywhere(client, make_user, make_category):
    author = make_user("resident", verified=True)
    client.login(author)
    client.post("/proposals/new", proposal_form(author.region, make_category(), title=XSS[:150], body=XSS,
                                                address=XSS[:150]))
    proposal = db.session.scalar(select(Proposal))
    for page in (f"/proposals/{proposal.id}", "/proposals"):
        html = client.get(page).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html


@pytest.mark.parametrize("role", ["official", "admin"])
def test_only_residents_put_forward_proposals(client, make_user, make_region, role):
    client.login(make_user(role, region=make_region("county")))
    assert client.get("/proposals/new").status_code == 403


def rendered_fields(html):
    """What a browser would send back from a form: every named input, select and textarea on the page."""
    import re

    names = set(re.findall(r'<(?:input|select|textarea)[^>]*\sname="([^"]+)"', html))
    return names - {"csrf_token", "language", "next"}  # header forms (language switch, log out)


def test_author_edits_until_someone_supports(client, make_user, make_proposal):
    proposal = make_proposal()
    client.login(proposal.author)
    page = client.get(f"/proposals/{proposal.id}/edit").get_data(as_text=True)
    full = proposal_form(proposal.region, proposal.category, title="Fix the bridge railing soon")
    form = {k: v for k, v in full.items() if k in rendered_fields(page)}
    assert "village" not in form and "title" in form  # the village is fixed once published
    assert client.post(f"/proposals/{proposal.id}/edit", form).status_code == 302
    assert db.session.get(Proposal, proposal.id).title == "Fix the bridge railing soon"
    db.session.add(Support(proposal_id=proposal.id, user_id=make_user("resident").id))
    proposal.supports_count = 1
    db.session.commit()
    response = client.post(f"/proposals/{proposal.id}/edit", proposal_form(proposal.region, proposal.category,
                                                                           title="Sneaky change"))
    assert response.status_code == 422 and "cannot be changed once residents support it" in response.get_data(True)
    assert db.session.get(Proposal, proposal.id).title == "Fix the bridge railing soon"


def test_nobody_else_edits_or_withdraws(client, make_user, make_proposal):
    proposal = make_proposal()
    client.login(make_user("resident", region=proposal.region, verified=True))
    assert client.get(f"/proposals/{proposal.id}/edit").status_code == 403
    response = client.post(f"/proposals/{proposal.id}/withdraw", {"reason": "mine now"})
    html = response.get_data(as_text=True)
    # The withdraw form is the author's alone, so the refusal is summed up at the top of the page.
    assert response.status_code == 422 and "Nothing was saved. Please check:" in html
    assert "Only the author can withdraw" in html
    assert db.session.get(Proposal, proposal.id).status == "open"


def test_author_withdraws_with_a_public_reason(client, make_proposal):
    proposal = make_proposal()
    client.login(proposal.author)
    assert client.post(f"/proposals/{proposal.id}/withdraw", {"reason": ""}).status_code == 422
    client.post(f"/proposals/{proposal.id}/withdraw", {"reason": "The county repaired it."})
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Withdrawn" in page and "The county repaired it." in page


def test_support_button_replaces_itself_with_the_new_count(client, make_user, make_proposal):
    proposal = make_proposal()
    client.login(make_user("resident", region=proposal.region, verified=True))
    response = client.post(f"/proposals/{proposal.id}/support", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<section id="proposal-{proposal.id}-support"')
    assert "<strong>1</strong>" in html and "Withdraw my support" in html and "<html" not in html
    response = client.post(f"/proposals/{proposal.id}/support/withdraw", headers={"HX-Request": "true"})
    assert "<strong>0</strong>" in response.get_data(as_text=True)


def test_support_works_without_javascript(client, make_user, make_proposal):
    proposal = make_proposal()
    client.login(make_user("resident", region=proposal.region, verified=True))
    response = client.post(f"/proposals/{proposal.id}/support")
    assert response.status_code == 302
    assert db.session.get(Proposal, proposal.id).supports_count == 1


@pytest.mark.parametrize("who, message", [
    ("unverified", "Only verified residents"), ("outsider", "Only verified residents"),
    ("twice", "You already support this proposal"),
])
def test_refused_supports_explain_themselves_in_the_fragment(client, make_user, make_region, make_proposal,
                                                             who, message):
    proposal = make_proposal()
    voter = {"unverified": lambda: make_user("resident", region=proposal.region),
             "outsider": lambda: make_user("resident", region=make_region("village"), verified=True),
             "twice": lambda: make_user("resident", region=proposal.region, verified=True)}[who]()
    client.login(voter)
    if who == "twice":
        client.post(f"/proposals/{proposal.id}/support")
    response = client.post(f"/proposals/{proposal.id}/support", headers={"HX-Request": "true"})
    assert response.status_code == 200  # htmx swaps only 2xx: the fragment itself carries the refusal
    assert message in response.get_data(as_text=True)
    assert db.session.get(Proposal, proposal.id).supports_count == (1 if who == "twice" else 0)


def test_anonymous_visitors_are_invited_to_log_in(client, make_proposal):
    proposal = make_proposal()
    assert "Log in to support this proposal" in client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert client.post(f"/proposals/{proposal.id}/support").status_code == 302


def test_lists_sort_filter_search_and_page(client, make_user, make_proposal, make_category):
    author = make_user("resident", verified=True)
    water = make_category(name_en="Water")
    titles = [f"Proposal {n}" for n in range(7)]
    made = [make_proposal(author=author, title=t) for t in titles]
    make_proposal(author=author, title="修缮石板路", body="村口到小学", category=water)
    for n, proposal in enumerate(made[:3]):
        for _ in range(n + 1):
            db.session.add(Support(proposal_id=proposal.id, user_id=make_user("resident").id))
        proposal.supports_count = n + 1
    db.session.commit()
    supported = client.get("/proposals?sort=supported").get_data(as_text=True)
    assert supported.index("Proposal 2") < supported.index("Proposal 1") < supported.index("Proposal 0")
    assert client.get("/proposals?q=石板").get_data(as_text=True).count('class="card"') == 1
    assert "修缮石板路" in client.get(f"/proposals?category={water.id}").get_data(as_text=True)
    first = client.get("/proposals?sort=supported").get_data(as_text=True)
    cursor = first.split("after=")[1].split("&")[0].split('"')[0]
    second = client.get(f"/proposals?sort=supported&after={cursor}").get_data(as_text=True)
    shown = [t for t in titles + ["修缮石板路"] if t in first] + [t for t in titles + ["修缮石板路"] if t in second]
    assert sorted(shown) == sorted(titles + ["修缮石板路"])  # every proposal once, none twice
    assert client.get("/proposals?sort=supported&after=garbage!").status_code == 200


def test_concurrent_clients_lose_no_vote(app, make_user, make_proposal):
    """24 browsers click "Support" at the same moment (and each clicks twice): 24 supports, no error page."""
    from concurrent.futures import ThreadPoolExecutor

    app.config["MINYI_LOGIN_LIMIT"] = "100 per minute"  # 24 logins from one test address
    proposal = make_proposal()
    clients = []
    for _ in range(24):
        client = WebClient(app.test_client())
        client.login(make_user("resident", region=proposal.region, verified=True))
        clients.append((client, {"HX-Request": "true", "X-CSRFToken": client.csrf_token()}))
    url = f"/proposals/{proposal.id}/support"

    def click(pair):
        client, headers = pair
        return client.post(url, headers=headers, csrf=False).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(click, clients + clients))
    assert statuses == [200] * 48
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).supports_count == 24
    assert db.session.scalar(select(func.count()).select_from(Support)) == 24


def test_nothing_changes_under_backers_once_they_pledged(client, make_user, make_proposal):
    from datetime import timedelta

    from core.db import utcnow
    from voting.pledges import pledge_to

    proposal = make_proposal(goal_minor=100_000, deadline=utcnow() + timedelta(days=5))
    pledge_to(proposal, actor=make_user("resident", region=proposal.region, verified=True), kind="money",
              amount_minor=90_000)
    db.session.commit()
    client.login(proposal.author)
    response = client.post(f"/proposals/{proposal.id}/edit", {"title": "Now a new car", "body": "x",
                                                             "category": str(proposal.category_id), "goal": "1"})
    assert response.status_code == 422 and "once residents have pledged" in response.get_data(as_text=True)
    assert db.session.get(Proposal, proposal.id).goal_minor == 100_000


def test_search_words_are_not_wildcards(client, make_proposal):
    make_proposal(title="Fix the bridge")
    assert client.get("/proposals?q=%25").get_data(as_text=True).count('class="card"') == 0
    assert client.get("/proposals?q=_").get_data(as_text=True).count('class="card"') == 0
    assert client.get("/proposals?q=bridge").get_data(as_text=True).count('class="card"') == 1


@pytest.mark.parametrize("cursor", [[1e30], ["2026-01-01T00:00:00", 1], [2**40], "not a list"])
def test_made_up_cursors_are_ignored(client, make_proposal, cursor):
    import base64
    import json

    make_proposal()
    after = base64.urlsafe_b64encode(json.dumps(cursor).encode()).decode().rstrip("=")
    for sort in ("newest", "closing", "supported"):
        assert client.get(f"/proposals?sort={sort}&after={after}").status_code == 200


def test_short_chinese_words_are_found_whole(client, make_proposal):
    """One- and two-character words (路, 养蜂) are whole words in Chinese; on PostgreSQL they go through their
    own index (pg_trgm needs three characters), and the answer must be the same as a plain substring match."""
    make_proposal(title="发展养蜂合作社", body="村里想养蜂")
    make_proposal(title="蜂蜜节", body="养鸡和养鸭")  # 养 and 蜂, but never side by side
    make_proposal(title="修路", body="village road")
    make_proposal(title="Bees", body="养蜂 in English text")

    def titles(q):
        page = client.get("/proposals", query_string={"q": q}).get_data(as_text=True)
        return sorted(t for t in ("发展养蜂合作社", "蜂蜜节", "修路", "Bees") if f">{t}<" in page)

    assert titles("养蜂") == ["Bees", "发展养蜂合作社"]
    assert titles("路") == ["修路"]
    assert titles("养蜂 合作") == ["发展养蜂合作社"]  # every word must match
    assert titles("蜂") == ["Bees", "发展养蜂合作社", "蜂蜜节"]
    assert titles("Road") == ["修路"]


def test_trending_follows_votes(client, make_user, make_proposal):
    """A support moves a proposal up "trending" (the rank is set by the same statement as the count)."""
    from datetime import timedelta

    from core.db import utcnow
    from proposals.models import hot_score

    older = make_proposal(title="Older one")
    older.created_at = utcnow() - timedelta(hours=2)
    older.hot = hot_score(0, older.created_at)
    make_proposal(title="Newer one")
    db.session.commit()
    page = client.get("/proposals?sort=trending").get_data(as_text=True)
    assert page.index("Newer one") < page.index("Older one")
    for _ in range(3):  # two hours of age weigh 7200/45000 = 0.16; three supports log10(3) = 0.48
        voter = WebClient(client.raw.application.test_client())
        voter.login(make_user("resident", region=older.region, verified=True))
        assert voter.post(f"/proposals/{older.id}/support").status_code == 302
    db.session.expire_all()
    older = db.session.get(Proposal, older.id)
    assert older.supports_count == 3
    assert older.hot == pytest.approx(hot_score(3, older.created_at))
    page = client.get("/proposals?sort=trending").get_data(as_text=True)
    assert page.index("Older one") < page.index("Newer one")


@pytest.mark.parametrize("dense", [1, 1000])
def test_rare_and_common_words_find_the_same_proposals_in_the_same_order(client, make_proposal, monkeypatch, dense):
    """A rare word is looked up through its index first (PostgreSQL); whether a word counts as rare must never
    change what residents find, or its order, in any sort."""
    from core import search

    monkeypatch.setattr(search, "DENSE", dense)
    for n in range(4):
        make_proposal(title=f"Beekeeping course {n}", body="Hives and honey")
    make_proposal(title="Fix the bridge", body="No bees here")
    hidden = make_proposal(title="Beekeeping for sale", body="spam")
    hidden.hidden_at = hidden.created_at
    db.session.commit()
    for sort in ("newest", "supported", "trending"):
        page = client.get("/proposals", query_string={"q": "beekeeping honey", "sort": sort}).get_data(as_text=True)
        found = [f"Beekeeping course {n}" for n in range(4) if f"Beekeeping course {n}" in page]
        assert len(found) == 4 and "Beekeeping for sale" not in page and "Fix the bridge" not in page
        if sort == "newest":
            assert [page.index(t) for t in reversed(found)] == sorted(page.index(t) for t in found)
