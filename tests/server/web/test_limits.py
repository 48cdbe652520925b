"""Rate limits on writing (server/web/limits.py): per account, per address, per kiosk, and on receipt codes; a
request over a limit gets 429 with a message in the person's language, and nothing of it is saved."""

from sqlalchemy import func, select

from core.db import db
from proposals.discussion import Comment
from tests.helpers import WebClient, enroll, send


def comments():
    return db.session.scalar(select(func.count()).select_from(Comment))


def test_one_account_posting_too_much_is_stopped_and_told_why(make_app, make_user, make_proposal):
    app = make_app(MINYI_POSTING_LIMIT="2 per hour")
    proposal = make_proposal()
    resident = WebClient(app.test_client())
    resident.login(make_user("resident", region=proposal.region, verified=True))
    sent = [resident.post(f"/proposals/{proposal.id}/comments", {"body": f"Comment {n}"}) for n in range(3)]
    assert [r.status_code for r in sent] == [302, 302, 429]
    assert "You have posted a lot in a short time" in sent[-1].get_data(as_text=True)
    assert int(sent[-1].headers["Retry-After"]) > 0
    assert comments() == 2  # the third was not saved

    neighbour = WebClient(app.test_client(), language="zh-CN")  # another account: its own allowance
    neighbour.login(make_user("resident", region=proposal.region, verified=True))
    assert neighbour.post(f"/proposals/{proposal.id}/comments", {"body": "我也同意"}).status_code == 302
    neighbour.post(f"/proposals/{proposal.id}/comments", {"body": "再说一句"})
    refused = neighbour.post(f"/proposals/{proposal.id}/comments", {"body": "第三句"})
    assert refused.status_code == 429 and "您短时间内发布的内容太多了" in refused.get_data(as_text=True)


def test_many_accounts_from_one_address_are_stopped_together(make_app, make_user, make_proposal):
    app = make_app(MINYI_POSTING_ADDRESS_LIMIT="3 per hour")
    proposal = make_proposal()
    statuses = []
    for n in range(2):  # two accounts, the same address
        someone = WebClient(app.test_client())
        someone.login(make_user("resident", region=proposal.region, verified=True))
        statuses += [someone.post(f"/proposals/{proposal.id}/comments", {"body": f"From {n}"}).status_code
                     for _ in range(2)]
    assert statuses == [302, 302, 302, 429]


def test_backing_through_the_api_is_limited_with_a_json_error(make_app, make_user, make_proposal):
    from accounts.tokens import create_token

    app = make_app(MINYI_BACKING_LIMIT="2 per hour")
    first = make_proposal()
    proposals = [first] + [make_proposal(village=first.region) for _ in range(2)]
    backer = make_user("resident", region=proposals[0].region, verified=True)
    tokens = [create_token(backer, actor=backer, name=name)[1] for name in ("phone", "bot")]
    db.session.commit()
    api = app.test_client()
    answers = [api.put(f"/api/v1/proposals/{p.id}/support",  # two tokens of one person share one allowance
                       headers={"Authorization": f"Bearer {tokens[n % 2]}", "Accept-Language": "en"})
               for n, p in enumerate(proposals)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    error = answers[2].get_json()["error"]
    assert error["code"] == "too_many_requests" and "a lot of support" in error["message"]


def test_a_support_button_over_the_limit_says_so_in_place(make_app, make_user, make_proposal):
    """htmx does not show an error page: the button's request gets the message in a header for the page."""
    from urllib.parse import unquote

    app = make_app(MINYI_BACKING_LIMIT="1 per hour")
    first, second = make_proposal(), make_proposal()
    resident = WebClient(app.test_client())
    resident.login(make_user("resident", region=first.region, verified=True))
    assert resident.post(f"/proposals/{first.id}/support", headers={"HX-Request": "true"}).status_code == 200
    refused = resident.post(f"/proposals/{second.id}/support", headers={"HX-Request": "true"})
    assert refused.status_code == 429
    assert unquote(refused.headers["X-Error-Message"]).startswith("That is a lot of support")


def test_receipt_codes_cannot_be_guessed_from_one_address(make_app, make_appeal):
    app = make_app(MINYI_RECEIPT_LIMIT="3 per hour")
    appeal = make_appeal()
    visitor = WebClient(app.test_client())
    assert all(visitor.get("/appeals/receipt").status_code == 200 for _ in range(5))  # the form is free
    guesses = [visitor.get("/appeals/receipt", query_string={"code": f"ZZZZ-ZZZ{n}"}).status_code
               for n in range(3)]
    assert guesses == [404, 404, 404]
    right = visitor.get("/appeals/receipt", query_string={"code": appeal.receipt_code})
    assert right.status_code == 429 and "Too many receipt codes" in right.get_data(as_text=True)
    api = app.test_client().get(f"/api/v1/appeals/receipt/{appeal.receipt_code}", headers={"Accept-Language": "en"})
    assert api.status_code == 429  # the API shares the count


def test_each_kiosk_has_its_own_allowance(make_app, make_kiosk, recording):  # noqa: F811
    app = make_app(MINYI_KIOSK_UPLOAD_LIMIT="2 per day")
    api = app.test_client()
    kiosks = [make_kiosk(name=name) for name in ("East office", "West office")]
    (first, east), (second, west) = ((enroll(api, code)[0], kiosk) for kiosk, code in kiosks)
    statuses = [send(api, first, recording, receipt_code=f"{east.receipt_prefix}2345{n}").status_code
                for n in "ABC"]
    assert statuses == [201, 201, 429]
    assert send(api, second, recording, receipt_code=f"{west.receipt_prefix}23456").status_code == 201
