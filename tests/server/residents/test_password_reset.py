"""A new password for someone who forgot theirs, end to end: the request, the worker sending the link by a real SMTP
server or the code by SMPP to a loopback SMS centre, the new password; single use, expiry, limited tries and rate
limits; and nothing that tells whether an account exists."""

import re
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import event, select, update

from accounts.recovery import PasswordReset
from core.db import db, utcnow
from core.mail import OutgoingMail
from core.sms import OutgoingSms
from server.worker.tasks import undone, work
from tests.helpers import PASSWORD, Inbox, WebClient, free_port

NEW = "a brand new password"
PHONE = "13800138000"


@pytest.fixture
def smtp(app):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MINYI_SMTP_HOST="127.0.0.1", MINYI_SMTP_PORT=controller.port, MINYI_MAIL_FROM="minyi@example.org",
                      MINYI_BASE_URL="https://minyi.example.org")
    yield inbox
    controller.stop()


def ask(client, identifier):
    return client.post("/password/forgot", {"identifier": identifier})


def link_path(inbox) -> str:
    body = inbox.messages[-1][1].get_content()
    return re.search(r"https://minyi\.example\.org(/password/reset/[\w-]+)", body).group(1)


def can_log_in(app, identifier, password) -> bool:
    response = WebClient(app.test_client()).post("/login", {"identifier": identifier, "password": password})
    return response.status_code == 302


def test_a_link_by_mail_sets_a_new_password_once_and_ends_other_sessions(app, client, smtp, make_user):
    user = make_user(email="wang@example.org")
    other_device = WebClient(app.test_client())
    other_device.login(user)
    assert "/login" in client.get("/login").get_data(as_text=True)
    assert 'href="/password/forgot"' in client.get("/login").get_data(as_text=True)

    response = ask(client, "Wang@Example.org")
    assert response.status_code == 302 and response.headers["Location"].endswith("/password/sent")
    assert "If an account has this email address" in client.get("/password/sent").get_data(as_text=True)
    assert smtp.messages == []  # the page does not wait for the mail server
    work(app, burst=True)
    [(to, mail)] = smtp.messages
    assert to == ["wang@example.org"] and mail["Subject"] == "Minyi: Choose a new password"
    path = link_path(smtp)
    token = path.rsplit("/", 1)[1]
    assert db.session.scalar(select(PasswordReset.digest)) != token  # only its digest is kept
    assert token not in str(db.session.scalar(select(OutgoingMail.params)))  # and the sent mail forgets it

    page = client.get(path)
    assert page.status_code == 200 and "Choose a new password" in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "same-origin" and page.headers["Cache-Control"] == "no-store"
    assert client.post(path, {"password": "short"}).status_code == 422  # the usual password rules
    done = client.post(path, {"password": NEW})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert "Log in with your new password" in client.get("/login").get_data(as_text=True)

    assert other_device.get("/account").status_code == 302  # the other session has ended
    assert not can_log_in(app, "wang@example.org", PASSWORD)
    assert can_log_in(app, "wang@example.org", NEW)
    again = client.post(path, {"password": "yet another password"})
    assert again.status_code == 404 and "already used" in again.get_data(as_text=True)
    assert can_log_in(app, "wang@example.org", NEW)


def test_an_expired_link_and_an_older_link_are_refused(app, client, smtp, make_user):
    make_user(email="li@example.org")
    ask(client, "li@example.org")
    work(app, burst=True)
    older = link_path(smtp)
    ask(client, "li@example.org")
    work(app, burst=True)
    newer = link_path(smtp)
    assert client.get(older).status_code == 404  # a new request ends the older one
    assert client.get(newer).status_code == 200
    db.session.execute(update(PasswordReset).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    response = client.post(newer, {"password": NEW})
    assert response.status_code == 404 and "expired" in response.get_data(as_text=True)
    assert can_log_in(app, "li@example.org", PASSWORD)


def same(html: str, identifier: str) -> str:
    """A page as it would read for any identifier (its CSRF token and script nonce are new each time)."""
    html = re.sub(r'(csrf_token" type="hidden" value|nonce)="[^"]+"', "", html)
    return html.replace(identifier, "…")


def statements_of(request):
    """The SQL a request runs (without its values): what the database is asked to do, and so how long it takes."""
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = request()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return response, seen


@pytest.mark.parametrize("known, unknown", [("zhao@example.org", "nobody@example.org"), (PHONE, "13900139000")])
def test_an_unknown_identifier_gets_the_same_answer_the_same_way(app, smtp, smsc, make_user, known, unknown):
    """Asking for a new password runs the same SQL and answers the same for an address or a number with an account
    and one without (the worker looks the account up later); only the account's owner gets a mail or an SMS."""
    make_user(email="zhao@example.org", phone=PHONE)
    answers = []
    for identifier in (known, unknown):
        client = WebClient(app.test_client())
        client.csrf_token()
        response, sql = statements_of(lambda: ask(client, identifier))  # noqa: B023 (called at once)
        answers.append((response.status_code, response.headers["Location"], sql,
                        same(client.get(response.headers["Location"]).get_data(as_text=True), identifier)))
    assert answers[0] == answers[1]
    assert smtp.messages == [] and smsc.messages == [] and db.session.scalar(select(OutgoingMail)) is None
    work(app, burst=True)
    assert len(smtp.messages) + len(smsc.messages) == 1  # only to the account that exists
    made = db.session.scalars(select(PasswordReset.identifier).where(PasswordReset.digest.is_not(None))).all()
    assert made == [known if "@" in known else "+86" + known]


def test_a_code_tried_for_a_number_without_account_runs_the_same_sql(app, smsc, make_user):
    """Trying a code after asking for one: the same work and the same refusal whether the number has an account
    (and so a code) or not."""
    make_user(phone=PHONE, email=None)
    for number in (PHONE, "13900139000"):
        ask(WebClient(app.test_client()), number)
    work(app, burst=True)
    wrong = f"{(int(code_from(smsc)) + 1) % 1_000_000:06d}"
    tried = []
    for number in (PHONE, "13900139000"):
        client = WebClient(app.test_client())
        client.csrf_token()
        response, sql = statements_of(
            lambda: client.post("/password/code", {"phone": number, "code": wrong}))  # noqa: B023
        tried.append((response.status_code, sql, same(response.get_data(as_text=True), number)))
    assert tried[0] == tried[1] and tried[0][0] == 422


def code_from(smsc) -> str:
    return re.search(r"\b(\d{6})\b", smsc.messages[-1].text).group(1)


def test_a_code_by_sms_sets_a_new_password_once(app, client, smsc, make_user):
    user = make_user(phone=PHONE, email=None)
    response = ask(client, "138 0013 8000")
    assert response.status_code == 302 and response.headers["Location"].endswith("/password/code")
    page = client.get("/password/code").get_data(as_text=True)
    assert "If an account has this phone number" in page and 'value="138 0013 8000"' in page
    work(app, burst=True)
    [message] = smsc.messages
    assert message.destination == "8613800138000" and "10 minutes" in message.text
    code = code_from(smsc)
    sms = db.session.scalar(select(OutgoingSms))
    assert code not in str(sms.params)  # the sent message forgets the code

    entered = client.post("/password/code", {"phone": PHONE, "code": code})
    assert entered.status_code == 302 and "/password/reset/" in entered.headers["Location"]
    assert client.post("/password/code", {"phone": PHONE, "code": code}).status_code == 422  # once only
    assert client.post(entered.headers["Location"], {"password": NEW}).status_code == 302
    assert not can_log_in(app, user.phone, PASSWORD) and can_log_in(app, user.phone, NEW)
    assert client.get(entered.headers["Location"]).status_code == 404


def test_wrong_codes_are_limited_and_an_expired_code_is_refused(app, client, smsc, make_user):
    make_user(phone=PHONE, email=None)
    ask(client, PHONE)
    work(app, burst=True)
    code = code_from(smsc)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        response = client.post("/password/code", {"phone": PHONE, "code": wrong})
        assert response.status_code == 422 and "not correct or has expired" in response.get_data(as_text=True)
    assert client.post("/password/code", {"phone": PHONE, "code": code}).status_code == 422  # burnt after 5

    ask(client, PHONE)
    work(app, burst=True)
    db.session.execute(update(PasswordReset).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert client.post("/password/code", {"phone": PHONE, "code": code_from(smsc)}).status_code == 422
    assert can_log_in(app, PHONE, PASSWORD)


def test_a_code_for_a_number_without_account_gets_the_same_refusal(client, make_user):
    make_user(phone=PHONE)
    known = client.post("/password/code", {"phone": PHONE, "code": "123456"})
    unknown = client.post("/password/code", {"phone": "13900139000", "code": "123456"})
    assert known.status_code == unknown.status_code == 422
    assert same(known.get_data(as_text=True), PHONE) == same(unknown.get_data(as_text=True), "13900139000")


def test_asking_too_often_is_answered_with_a_clear_message(app, client, smtp, make_user):
    make_user(email="sun@example.org")
    app.config.update(MINYI_ACCOUNT_RESET_LIMIT="2 per hour", MINYI_RESET_LIMIT="5 per hour")
    assert ask(client, "sun@example.org").status_code == 302
    assert ask(client, "SUN@example.org ").status_code == 302
    limited = ask(client, "sun@example.org")  # the same account: refused, from any address
    assert limited.status_code == 429 and "Too many codes or new passwords asked for" in limited.get_data(as_text=True)
    assert ask(client, "nobody@example.org").status_code == 302  # another one is not
    statuses = [ask(client, f"other{n}@example.org").status_code for n in range(3)]
    assert statuses[-1] == 429  # per address, code tries included
    assert client.post("/password/code", {"phone": PHONE, "code": "123456"}).status_code == 429


@pytest.mark.parametrize("identifier, message", [
    ("12345", "not a valid mobile phone number"),
    ("010 6552 9988", "cannot reach a landline"),
    ("", "This field is required"),
    ("1" * 300, "at most 254 characters"),
])
def test_what_is_neither_an_email_nor_a_mobile_number_is_told_clearly(client, identifier, message):
    response = ask(client, identifier)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html
    assert "Forgot your password?" in html and (identifier[:20] in html)  # the same page, with what was typed
    assert db.session.scalar(select(PasswordReset)) is None


def test_the_worker_sweep_finds_requests_still_to_look_up_and_forgets_old_ones(app, client, smtp, make_user):
    make_user(email="qian@example.org")
    ask(client, "qian@example.org")
    assert ("password_resets", "") in undone()
    work(app, burst=True)
    assert ("password_resets", "") not in undone() and len(smtp.messages) == 1
    db.session.execute(update(PasswordReset).values(expires_at=utcnow() - timedelta(days=2)))
    db.session.commit()
    ask(client, "nobody@example.org")
    work(app, burst=True)
    assert db.session.scalars(select(PasswordReset.identifier)).all() == ["nobody@example.org"]


def test_a_request_made_before_the_account_is_deactivated_sends_nothing(app, client, smsc, make_user):
    """The worker decides when it runs: an account closed in between gets no code."""
    user = make_user(phone=PHONE, email=None)
    ask(client, PHONE)
    user.active = False
    db.session.commit()
    work(app, burst=True)
    assert smsc.messages == []


def test_deleting_the_account_forgets_what_was_asked_for_it(app, client, smtp, smsc, make_user):
    user = make_user("resident", phone=PHONE, email="zhou@example.org")
    ask(client, PHONE)
    ask(client, "zhou@example.org")
    work(app, burst=True)
    ask(client, PHONE)  # not yet looked up
    client.login(user)
    assert client.post("/account/delete", {"password": PASSWORD, "confirm": "y"}).status_code == 302
    assert db.session.scalar(select(PasswordReset)) is None
