"""Register, log in, log out, change password: the happy paths and every bad input."""

from urllib.parse import unquote

import pytest
from sqlalchemy import func, select

from accounts.users import User
from core.db import db
from tests.helpers import WebClient


def register(client, village, **overrides):
    data = {"display_name": "张三", "phone": "13912345678", "email": "", "village": str(village.id),
            "password": "a long enough password"}
    data.update(overrides)
    return client.post("/register", data)


def test_resident_registers_with_phone_and_is_logged_in(client, make_region):
    village = make_region("village")
    response = register(client, village)
    assert response.status_code == 302
    user = db.session.scalar(select(User))
    assert user.phone == "+8613912345678"
    assert user.role == "resident" and user.region_id == village.id and not user.is_verified
    assert user.password_hash.startswith("$argon2id$")
    assert "张三" in client.get("/account").get_data(as_text=True)


def test_resident_registers_with_email_only(client, make_region):
    response = register(client, make_region("village"), phone="", email="Resident@Example.ORG")
    assert response.status_code == 302
    assert db.session.scalar(select(User.email)) == "resident@example.org"


@pytest.mark.parametrize("field, value, message", [
    ("phone", "12345", "not a valid mobile phone number"),
    ("email", "not-an-email", "not a valid email address"),
    ("password", "short", "at least 8 characters"),
    ("password", "x" * 129, "at most 128 characters"),
    ("display_name", "名" * 81, "at most 80 characters"),
    ("display_name", "", "This field is required"),
])
def test_bad_registration_input_gets_a_message_next_to_the_field(client, make_region, field, value, message):
    response = register(client, make_region("village"), **{field: value})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert f'id="{field}-error"' in html
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_registration_needs_phone_or_email(client, make_region):
    response = register(client, make_region("village"), phone="", email="")
    assert response.status_code == 422
    assert "Enter a mobile phone number or an email address" in response.get_data(as_text=True)


def test_registration_needs_a_real_village(client, make_region):
    township = make_region("township")
    response = register(client, township)
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_duplicate_registration_is_refused_with_a_clear_message(client, make_region, make_user):
    village = make_region("village")
    make_user(phone="13912345678", email=None, region=village)
    response = register(client, village, phone="+86 139 1234 5678")
    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_form_without_csrf_token_is_refused_with_a_message(client, make_region):
    response = client.post("/register", {"display_name": "x", "phone": "13912345678",
                                         "village": str(make_region("village").id),
                                         "password": "a long enough password"}, csrf=False)
    assert response.status_code == 400
    assert "reload the page" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_login_with_phone_in_any_format_then_logout(client, make_user):
    user = make_user(phone="13912345678", email=None)
    response = client.post("/login", {"identifier": "139 1234 5678", "password": "correct horse battery"})
    assert response.status_code == 302
    assert "Log out" in client.get("/").get_data(as_text=True)
    client.logout()
    assert client.get("/account").status_code == 302
    assert user.last_login_at is not None or db.session.get(User, user.id).last_login_at is not None


@pytest.mark.parametrize("identifier", ["known", "unknown@example.org"])
def test_wrong_password_and_unknown_account_get_the_same_message(client, make_user, identifier):
    user = make_user()
    login = user.login_name if identifier == "known" else identifier
    response = client.post("/login", {"identifier": login, "password": "wrong password!"})
    assert response.status_code == 401
    assert "phone number, email or password is not correct" in response.get_data(as_text=True)


def test_deactivated_account_cannot_log_in(client, make_user):
    user = make_user()
    user.active = False
    db.session.commit()
    response = client.post("/login", {"identifier": user.login_name, "password": "correct horse battery"})
    assert response.status_code == 403
    assert client.get("/account").status_code == 302  # still not logged in


def test_login_is_throttled_after_repeated_failures(make_app, make_user):
    app = make_app(MINYI_LOGIN_LIMIT="3 per minute")
    with app.app_context():
        client = WebClient(app.test_client())
        statuses = [client.post("/login", {"identifier": "a@example.org", "password": "wrong password"}) for _ in range(4)]
    assert [r.status_code for r in statuses] == [401, 401, 401, 429]
    page = statuses[-1].get_data(as_text=True)  # the form again, with what was typed and how long to wait
    assert "Too many tries in a short time" in page and "Please try again in 1 minute." in page
    assert 'value="a@example.org"' in page


def test_login_redirects_only_to_this_site(client, make_user):
    user = make_user()
    response = client.post("/login?next=https://evil.example/steal",
                           {"identifier": user.login_name, "password": "correct horse battery"})
    assert response.headers["Location"] == "/"
    client.logout()
    response = client.post("/login?next=/account", {"identifier": user.login_name, "password": "correct horse battery"})
    assert response.headers["Location"] == "/account"


@pytest.mark.parametrize("target", ["/%0D%0ASet-Cookie:%20x=1", "/account%0A", "/%09account", "/%1B[2J", "/%7F"])
def test_a_line_break_in_next_falls_back_to_the_home_page(client, make_user, target):
    """A control character would split the Location header (Werkzeug refuses it with a 500)."""
    user = make_user()
    response = client.post(f"/login?next={target}", {"identifier": user.login_name,
                                                      "password": "correct horse battery"})
    assert (response.status_code, response.headers["Location"]) == (302, "/")
    assert "x=1" not in response.headers.get("Set-Cookie", "")
    assert client.get("/account").status_code == 200  # signed in all the same
    response = client.post("/language", {"language": "en", "next": unquote(target)})
    assert (response.status_code, response.headers["Location"]) == (302, "/")


def test_change_password_logs_out_other_sessions(app, make_user):
    user = make_user()
    here, elsewhere = WebClient(app.test_client()), WebClient(app.test_client())
    here.login(user)
    elsewhere.login(user)
    response = here.post("/account/password", {"current_password": "correct horse battery",
                                               "new_password": "an even better password"})
    assert response.status_code == 302
    assert here.get("/account").status_code == 200
    assert elsewhere.get("/account").status_code == 302  # sent to login
    here.logout()
    assert here.post("/login", {"identifier": user.login_name, "password": "an even better password"}).status_code == 302


def test_change_password_with_wrong_current_password_changes_nothing(client, make_user):
    user = make_user()
    client.login(user)
    response = client.post("/account/password", {"current_password": "not it at all",
                                                 "new_password": "an even better password"})
    assert response.status_code == 422
    assert "current password is not correct" in response.get_data(as_text=True)
    client.logout()
    client.login(user)  # the old password still works


def test_one_account_is_protected_from_guessing_across_addresses(make_app, make_user):
    app = make_app(MINYI_ACCOUNT_LOGIN_LIMIT="2 per hour")
    user = make_user()
    statuses = []
    for n in range(3):
        client = WebClient(app.test_client())
        client.raw.environ_base["REMOTE_ADDR"] = f"10.0.0.{n + 1}"
        statuses.append(client.post("/login", {"identifier": user.login_name, "password": "wrong password"})
                        .status_code)
    assert statuses == [401, 401, 429]


def test_throttling_is_shared_by_all_workers_through_redis(make_app, redis_url):
    """With Redis configured, two app processes (here: two app instances) count attempts together."""
    import secrets

    url = redis_url
    prefix = secrets.token_hex(4)
    first = make_app(RATELIMIT_STORAGE_URI=url, RATELIMIT_KEY_PREFIX=prefix, MINYI_LOGIN_LIMIT="3 per minute")
    second = make_app(RATELIMIT_STORAGE_URI=url, RATELIMIT_KEY_PREFIX=prefix, MINYI_LOGIN_LIMIT="3 per minute")
    statuses = [WebClient(app.test_client()).post("/login", {"identifier": "a@example.org", "password": "nope nope"})
                .status_code for app in (first, second, first, second)]
    assert statuses == [401, 401, 401, 429]
    import redis

    store = redis.Redis.from_url(url)
    keys = store.keys(f"*{prefix}*")
    assert keys, "the attempts were not counted in Redis"
    store.delete(*keys)


def test_an_account_is_locked_after_wrong_passwords_and_its_owner_told(make_app, make_user):
    """Ten wrong passwords in a row lock the account for a while, even for the right password; the owner is
    told; the lock ends by itself or an administrator lifts it."""
    from datetime import timedelta

    from sqlalchemy import select

    from accounts.notifications import Notification
    from accounts.users import User
    from core.db import db

    app = make_app(MINYI_LOCKOUT_FAILURES=3, MINYI_LOCKOUT_MINUTES=15, MINYI_LOGIN_LIMIT="100 per minute")
    owner = make_user(email="li@example.org")
    guesser = WebClient(app.test_client())
    tries = [guesser.post("/login", {"identifier": "li@example.org", "password": f"guess {n}"}) for n in range(3)]
    assert [t.status_code for t in tries] == [401, 401, 401]
    right = WebClient(app.test_client()).post("/login", {"identifier": "li@example.org",
                                                         "password": "correct horse battery"})
    assert right.status_code == 429 and "locked for a while" in right.get_data(as_text=True)
    told = db.session.scalars(select(Notification).where(Notification.user_id == owner.id)).all()
    assert [n.kind for n in told] == ["account_locked"]

    admin = WebClient(app.test_client())
    admin.login(make_user("admin"))
    assert "Locked after too many wrong passwords" in admin.get(f"/admin/users/{owner.id}").get_data(as_text=True)
    assert admin.post(f"/admin/users/{owner.id}/unlock").status_code == 302
    assert WebClient(app.test_client()).post("/login", {"identifier": "li@example.org",
                                                        "password": "correct horse battery"}).status_code == 302

    # When every administrator is locked out, the operator unlocks from the command line.
    for n in range(3):
        guesser.post("/login", {"identifier": "li@example.org", "password": f"guess again {n}"})
    from server.commands.people import unlock_user_command

    with app.app_context():
        result = app.test_cli_runner().invoke(unlock_user_command, ["li@example.org"])
        db.session.remove()
    assert result.exit_code == 0 and "Unlocked" in result.output

    # A right password clears the count; a lock that has run out lets the owner in.
    for n in range(2):
        guesser.post("/login", {"identifier": "li@example.org", "password": f"again {n}"})
    WebClient(app.test_client()).post("/login", {"identifier": "li@example.org", "password": "correct horse battery"})
    db.session.expire_all()
    assert db.session.get(User, owner.id).failed_logins == 0
    locked = db.session.get(User, owner.id)
    locked.locked_until = locked.created_at - timedelta(minutes=1)  # long over
    db.session.commit()
    assert WebClient(app.test_client()).post("/login", {"identifier": "li@example.org",
                                                        "password": "correct horse battery"}).status_code == 302
