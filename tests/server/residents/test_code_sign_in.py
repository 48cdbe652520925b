"""Logging in by phone with a one-time code by SMS, end to end: "Send me a code instead" on the login page, the worker
sending the code by SMPP to a loopback SMS centre, the code page; single use, expiry, limited wrong tries, rate
limits, a fresh session; and nothing, not even the work done, that tells whether a number has an account."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select, update

from accounts.code_sign_in import SignInCode
from accounts.recovery import PasswordReset
from core.db import db, utcnow
from core.sms import OutgoingSms
from server.worker.tasks import undone, work
from tests.helpers import PASSWORD, WebClient, at_once

PHONE = "13800138000"
OTHER = "13900139000"


def ask(client, identifier, next_page=None, **extra):
    url = "/login/code/send" + (f"?next={next_page}" if next_page else "")
    return client.post(url, {"identifier": identifier, "password": "", **extra})


def enter(client, phone, code, next_page=None, **extra):
    return client.post("/login/code" + (f"?next={next_page}" if next_page else ""),
                       {"phone": phone, "code": code, **extra})


def code_from(smsc) -> str:
    return re.search(r"\b(\d{6})\b", smsc.messages[-1].text).group(1)


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def other(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_a_code_by_sms_logs_in_once_where_the_person_was_going(app, client, smsc, make_user):
    make_user(phone=PHONE, email=None)
    login = client.get("/login?next=/account").get_data(as_text=True)
    assert "Send me a code instead" in login and 'formaction="/login/code/send?next=/account"' in login

    response = ask(client, "138 0013 8000", "/account", remember="y")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/code?next=/account")
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert "If an account has this phone number" in html and "5 minutes" in html
    assert 'value="138 0013 8000"' in html and re.search(r'<input checked[^>]* id="remember"', html)
    assert page.headers["Cache-Control"] == "no-store"
    assert smsc.messages == []  # the page waits for nobody: the worker looks the number up and sends
    work(app, burst=True)
    [message] = smsc.messages
    assert message.destination == "8613800138000" and "log in" in message.text and "5 minutes" in message.text
    code = code_from(smsc)
    assert code not in str(db.session.scalar(select(OutgoingSms.params)))  # the sent message forgets the code
    assert code not in str(db.session.scalar(select(SignInCode.digest)))  # only a digest is kept

    done = enter(client, PHONE, f"{code[:3]} {code[3:]}", "/account", remember="y")
    assert done.status_code == 302 and done.headers["Location"].endswith("/account")
    assert "remember_token" in done.headers.get("Set-Cookie", "")  # "keep me logged in", as with the password
    assert signed_in(client)
    again = enter(WebClient(app.test_client()), PHONE, code)
    assert again.status_code == 422 and "not correct or has expired" in again.get_data(as_text=True)


def test_logging_in_starts_a_new_session(app, client, smsc, make_user):
    """Nothing of the session before logging in carries over (the number asked for, a planted value), by code or
    by password."""
    user = make_user(phone=PHONE, email=None)
    ask(client, PHONE)
    work(app, burst=True)
    with client.raw.session_transaction() as session:
        session["planted"] = "by someone else"
    before = client.raw.get_cookie("session").value
    enter(client, PHONE, code_from(smsc))
    with client.raw.session_transaction() as session:
        assert "planted" not in session and "sign_in_phone" not in session and session["_user_id"]
    assert client.raw.get_cookie("session").value != before

    by_password = WebClient(app.test_client())
    with by_password.raw.session_transaction() as session:
        session["planted"] = "by someone else"
    by_password.login(user)
    with by_password.raw.session_transaction() as session:
        assert "planted" not in session and session["_user_id"]


def test_wrong_codes_are_limited_then_the_code_stops_working(app, client, smsc, make_user):
    make_user(phone=PHONE, email=None)
    ask(client, PHONE)
    work(app, burst=True)
    code = code_from(smsc)
    for _ in range(5):
        response = enter(client, PHONE, other(code))
        assert response.status_code == 422 and "not correct or has expired" in response.get_data(as_text=True)
    assert enter(client, PHONE, code).status_code == 422  # burnt after 5 wrong tries
    assert not signed_in(client)


def test_an_expired_code_and_an_older_code_are_refused(app, client, smsc, make_user):
    make_user(phone=PHONE, email=None)
    ask(client, PHONE)
    work(app, burst=True)
    older = code_from(smsc)
    ask(client, PHONE)
    work(app, burst=True)
    newer = code_from(smsc)
    assert enter(client, PHONE, older).status_code == 422  # a new request ends the older code
    db.session.execute(update(SignInCode).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert enter(client, PHONE, newer).status_code == 422
    assert not signed_in(client)


def test_a_deactivated_account_gets_no_code(app, client, smsc, make_user):
    user = make_user(phone=PHONE, email=None)
    user.active = False
    db.session.commit()
    assert ask(client, PHONE).status_code == 302  # the same answer as for anyone
    work(app, burst=True)
    assert smsc.messages == []


def test_a_code_lifts_a_lock_after_wrong_passwords(app, client, smsc, make_user):
    user = make_user(phone=PHONE, email=None)
    user.locked_until, user.failed_logins = utcnow() + timedelta(minutes=30), 3
    db.session.commit()
    ask(client, PHONE)
    work(app, burst=True)
    assert enter(client, PHONE, code_from(smsc)).status_code == 302  # holding the phone proves who they are
    db.session.refresh(user)
    assert user.locked_until is None and user.failed_logins == 0


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


def same(html: str, identifier: str) -> str:
    """A page as it would read for any number (its CSRF token and script nonce are new each time)."""
    return re.sub(r'(csrf_token" type="hidden" value|csrf_token" value|nonce)="[^"]+"', "", html).replace(
        identifier, "…")


def test_a_number_without_account_gets_the_same_answer_the_same_way(app, smsc, make_user):
    """Asking for a code, and trying one, do the same work and answer the same for a number with an account and
    one without; only the account's owner gets an SMS."""
    make_user(phone=PHONE, email=None)
    asked, tried = [], []
    for number in (PHONE, OTHER):
        client = WebClient(app.test_client())
        client.csrf_token()
        response, sql = statements_of(lambda: ask(client, number))  # noqa: B023 (called at once)
        asked.append((response.status_code, response.headers["Location"], sql,
                      same(client.get(response.headers["Location"]).get_data(as_text=True), number)))
    for number in (PHONE, OTHER):
        client = WebClient(app.test_client())
        client.csrf_token()
        response, sql = statements_of(lambda: enter(client, number, "000000"))  # noqa: B023
        tried.append((response.status_code, sql, same(response.get_data(as_text=True), number)))
    assert asked[0] == asked[1] and tried[0] == tried[1]
    work(app, burst=True)
    assert [m.destination for m in smsc.messages] == ["8613800138000"]
    assert db.session.scalar(select(SignInCode.user_id).where(SignInCode.phone == "+8613900139000")) is None


def test_asking_too_often_is_answered_with_a_clear_message(app, client, smsc, make_user):
    """Per number (codes to log in and for a new password together), from any address; and per address."""
    make_user(phone=PHONE, email=None)
    app.config.update(MINYI_ACCOUNT_RESET_LIMIT="2 per hour", MINYI_RESET_LIMIT="6 per hour")
    assert ask(client, PHONE).status_code == 302
    assert client.post("/password/forgot", {"identifier": "138 0013 8000"}).status_code == 302
    limited = ask(WebClient(app.test_client()), PHONE)
    assert limited.status_code == 429 and "Too many codes or new passwords asked for" in limited.get_data(as_text=True)
    assert "Please try again in" in limited.get_data(as_text=True) and f'value="{PHONE}"' in limited.get_data(as_text=True)
    assert ask(client, OTHER).status_code == 302  # another number is not limited
    assert enter(client, PHONE, "000000").status_code == 422
    statuses = [ask(client, f"1370013800{n}").status_code for n in range(3)]
    assert statuses[-1] == 429  # per address: asking, trying, and new passwords counted together
    assert enter(client, PHONE, "000000").status_code == 429


@pytest.mark.parametrize("identifier, message", [
    ("wang@example.org", "not an email address"),
    ("12345", "not a valid mobile phone number"),
    ("010 6552 9988", "cannot reach a landline"),
    ("", "This field is required"),
    ("1" * 300, "at most 254 characters"),
])
def test_what_is_not_a_mobile_number_is_told_clearly(client, smsc, identifier, message):
    response = ask(client, identifier)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert "Log in" in response.get_data(as_text=True)  # back on the login page, with what was typed
    assert db.session.scalar(select(SignInCode)) is None


@pytest.mark.parametrize("phone, code", [("", "123456"), (PHONE, ""), ("a\x00b", "123456"), (PHONE, "1" * 40),
                                         ("not a number", "123456")])
def test_a_malformed_code_form_is_refused_clearly(client, phone, code):
    response = enter(client, phone, code)
    assert response.status_code == 422 and re.search(r'class="(error|error-page)"', response.get_data(as_text=True))


def test_without_sms_there_is_no_code_to_ask_for(client, make_user):
    make_user(phone=PHONE, email=None)
    assert "Send me a code instead" not in client.get("/login").get_data(as_text=True)
    response = ask(client, PHONE)
    assert response.status_code == 422 and "cannot send text messages" in response.get_data(as_text=True)
    assert db.session.scalar(select(SignInCode)) is None


def test_the_worker_sweep_finds_numbers_still_to_look_up(app, client, smsc, make_user):
    make_user(phone=PHONE, email=None)
    ask(client, PHONE)
    assert ("sign_in_codes", "") in undone()
    work(app, burst=True)
    assert ("sign_in_codes", "") not in undone() and len(smsc.messages) == 1
    # Rows are forgotten a day after they stopped working.
    db.session.execute(update(SignInCode).values(expires_at=utcnow() - timedelta(days=2)))
    db.session.commit()
    ask(client, OTHER)
    work(app, burst=True)
    assert db.session.scalars(select(SignInCode.phone)).all() == ["+8613900139000"]


def test_the_same_code_sent_twice_at_once_logs_in_once(app, client, smsc, make_user):
    from accounts.code_sign_in import sign_in_with_code

    make_user(phone=PHONE, email=None)
    ask(client, PHONE)
    work(app, burst=True)
    code = code_from(smsc)

    def try_it(_):
        user = sign_in_with_code(PHONE, code)
        db.session.commit()
        return user.id

    outcomes = at_once(app, try_it, [1, 2])
    assert sorted(type(o).__name__ for o in outcomes) == ["WrongCode", "int"]


def test_a_password_reset_code_does_not_log_in(app, client, smsc, make_user):
    """The two kinds of code are kept apart: one sent to choose a new password is no code to log in with."""
    make_user(phone=PHONE, email=None)
    client.post("/password/forgot", {"identifier": PHONE})
    work(app, burst=True)
    assert db.session.scalar(select(PasswordReset.channel)) == "sms"
    assert enter(client, PHONE, code_from(smsc)).status_code == 422
    assert WebClient(app.test_client()).post("/login", {"identifier": PHONE, "password": PASSWORD}).status_code == 302


def test_deleting_the_account_forgets_the_codes_of_its_number(app, client, smsc, make_user):
    user = make_user("resident", phone=PHONE, email=None)
    ask(client, PHONE)
    work(app, burst=True)
    client.login(user)
    assert client.post("/account/delete", {"password": PASSWORD, "confirm": "y"}).status_code == 302
    assert db.session.scalar(select(SignInCode)) is None
