"""Chinese and English: browser preference, a remembered switch, and a complete catalog."""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from accounts.users import User
from core.db import db
from tests.helpers import WebClient

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("header, expected_lang, text", [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh-Hans", "登录"),
    ("en-GB,en;q=0.9", "en", "Log in"),
    ("fr-FR", "zh-Hans", "登录"),  # neither: the default language
])
def test_language_follows_accept_language(app, header, expected_lang, text):
    client = WebClient(app.test_client(), language=header)
    html = client.get("/login").get_data(as_text=True)
    assert f'<html lang="{expected_lang}">' in html
    assert f"<h1>{text}</h1>" in html


def test_language_switch_is_remembered_across_pages(app):
    client = WebClient(app.test_client(), language="en")
    response = client.post("/language", {"language": "zh_Hans", "next": "/register"})
    assert response.headers["Location"] == "/register"
    assert "minyi_lang=zh_Hans" in response.headers["Set-Cookie"]
    assert '<html lang="zh-Hans">' in client.get("/login").get_data(as_text=True)


def test_logged_in_users_keep_their_language_on_their_account(app, make_user):
    user = make_user()
    client = WebClient(app.test_client(), language="zh-CN")
    client.login(user)
    client.post("/language", {"language": "en"})
    assert db.session.scalar(select(User.locale).where(User.id == user.id)) == "en"
    other_device = WebClient(app.test_client(), language="zh-CN")
    other_device.login(user)
    assert '<html lang="en">' in other_device.get("/account").get_data(as_text=True)


def test_switch_ignores_foreign_redirects(app):
    client = WebClient(app.test_client())
    response = client.post("/language", {"language": "en", "next": "//evil.example/"})
    assert response.headers["Location"] == "/"


def test_error_messages_are_translated(app, make_region):
    client = WebClient(app.test_client(), language="zh-CN")
    response = client.post("/register", {"display_name": "张三", "phone": "123", "village": str(make_region().id),
                                         "password": "a long enough password"})
    assert "手机号" in response.get_data(as_text=True)


CATALOGS = [  # (extraction config, extra keywords, zh-Hans catalog): the server's, and the kiosk's own
    ("babel.cfg", ["-k", "_l", "-k", "lazy_gettext"], "server/translations/zh_Hans/LC_MESSAGES/messages.po"),
    ("kiosk/babel.cfg", ["-k", "_t"], "kiosk/translations/zh_Hans/LC_MESSAGES/messages.po"),
]


@pytest.mark.parametrize("config, keywords, po", CATALOGS)
def test_every_user_visible_string_has_a_chinese_translation(tmp_path, config, keywords, po):
    """Extract the strings from the code now and compare with the zh-Hans catalog."""
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", config, *keywords,
                    "-o", str(pot), "."], cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as handle:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    with (ROOT / po).open("rb") as handle:
        catalog = read_po(handle)
    translated = {(m.id if isinstance(m.id, str) else m.id[0]) for m in catalog
                  if m.id and m.string and (m.string if isinstance(m.string, str) else m.string[0])
                  and not m.fuzzy}
    assert len(wanted) > 50  # the extraction really found the strings
    missing = sorted(wanted - translated)
    assert not missing, f"untranslated (run `make extract` and translate): {missing}"


@pytest.mark.parametrize("po", [po for _config, _keywords, po in CATALOGS])
def test_translations_keep_their_placeholders_and_escape_percent_signs(po):
    """Flask-Babel always %-formats: a bare "90%" turns into garbage on the page, and a translation that
    drops or renames a placeholder breaks the sentence (or the page)."""
    import re

    placeholder = re.compile(r"%\((\w+)\)[sd]")
    formatting = re.compile(r"%%|%\(\w+\)[sd]")
    with (ROOT / po).open("rb") as handle:
        catalog = [m for m in read_po(handle) if m.id]
    problems = []
    for message in catalog:
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        for text in ids + strings:
            if "%" in formatting.sub("", text or ""):
                problems.append(f"bare % in {text!r}")
        if strings and strings[0] and set(placeholder.findall(ids[-1])) != set(placeholder.findall(strings[0])):
            problems.append(f"placeholders differ: {ids[-1]!r} → {strings[0]!r}")
    assert not problems, problems
