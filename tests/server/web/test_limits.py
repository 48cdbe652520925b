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


def test_residents_behind_one_address_each_have_their_own_allowance(make_app, make_user, make_proposal):
    """A village office, or a carrier's NAT, puts many residents behind one address: signed-in people are
    limited as themselves, never as their address."""
    app = make_app(MINYI_POSTING_ADDRESS_LIMIT="3 per hour", MINYI_POSTING_LIMIT="2 per hour")
    proposal = make_proposal()
    statuses = []
    for n in range(3):  # three accounts, the same address
        someone = WebClient(app.test_client())
        someone.login(make_user("resident", region=proposal.region, verified=True))
        statuses += [someone.post(f"/proposals/{proposal.id}/comments", {"body": f"From {n}"}).status_code
                     for _ in range(2)]
    assert statuses == [302] * 6


def test_open311_keys_are_limited_per_resident_and_checked_first(make_app, make_user, make_region, make_category,
                                                                 make_department):
    """Two residents posting through one Open311 app (one address) are limited separately; a wrong key is a
    403 however often it is tried, and uses up nobody's allowance; the API and Open311 count one person once."""
    from accounts.tokens import create_token

    app = make_app(MINYI_POSTING_LIMIT="2 per hour", MINYI_POSTING_ADDRESS_LIMIT="2 per hour")
    village = make_region("village")
    category = make_category(code="water")
    make_department(region=village.path[0], categories=[category])
    first, second = (make_user("resident", region=village, verified=True) for _ in range(2))
    keys = [create_token(user, actor=user, name="open311 app")[1] for user in (first, second)]
    db.session.commit()
    client = app.test_client()

    def request(key):
        return client.post("/open311/v2/requests.json", data={
            "api_key": key, "service_code": "water", "lat": "25.04", "long": "102.71", "description": "Dry well"})

    assert {request("not-a-key").status_code for _ in range(25)} == {403}
    assert [request(keys[0]).status_code for _ in range(3)] == [200, 200, 429]  # (as Open311 answers)
    assert [request(keys[1]).status_code for _ in range(2)] == [200, 200]
    answer = client.post("/api/v1/appeals", json={"body": "Another dry well", "category": "water",
                                                  "village": village.code},
                         headers={"Authorization": f"Bearer {keys[0]}", "Accept-Language": "en"})
    assert answer.status_code == 429 and "posted a lot" in answer.get_json()["error"]["message"]


def test_a_bad_token_is_told_so_not_that_others_tried_too_often(make_app, make_proposal):
    app = make_app(MINYI_BACKING_LIMIT="2 per hour", MINYI_POSTING_LIMIT="2 per hour")
    proposal = make_proposal()
    api = app.test_client()
    wrong = {"Authorization": "Bearer not-a-token", "Accept-Language": "en"}
    assert {api.put(f"/api/v1/proposals/{proposal.id}/support", headers=wrong).status_code
            for _ in range(5)} == {401}
    assert {api.post(f"/api/v1/proposals/{proposal.id}/comments", json={"body": "Hi"}, headers=wrong).status_code
            for _ in range(5)} == {401}
    assert {api.post("/api/v1/kiosk/appeals", headers=wrong).status_code for _ in range(5)} == {401}


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
