"""The kiosk's touch screen in real Chromium, touch only: speak into the (virtual) microphone, see the words
appear, hear them read back, pick a category, type a call-back number, send, get a receipt code; later type the
code on the keypad and hear the official's answer. The screens pass axe; the space bar works as the button."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from appeals import workflow as appeal_workflow
from appeals.models import Appeal
from core.db import db
from kiosk.sync import deliver_due
from tests.helpers import axe_violations, speak_into, wait_until


@pytest.fixture
def screen(browser, kiosk_screen):
    # axe is injected as a script, which the kiosk's own CSP forbids; this context bypasses it.
    context = browser.new_context(locale="en-US", bypass_csp=True, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(kiosk_screen.url)
    yield page
    context.close()


def test_a_resident_speaks_sends_and_later_hears_the_answer(screen, kiosk_screen, make_user, tmp_path):
    machine, page = kiosk_screen.machine, screen
    expect(page.locator("h1")).to_contain_text(kiosk_screen.kiosk.region.name_en)
    expect(page.get_by_text("Press the button and speak")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Say it again aloud").click()  # what this screen is for, aloud
    assert wait_until(lambda: machine.voice.last.startswith("Press the button and speak."))

    page.get_by_role("button", name="Speak").click()
    expect(page.get_by_role("heading", name="I am listening…")).to_be_visible()
    speak_into(kiosk_screen.microphone, "아버지", tmp_path)
    expect(page.get_by_role("heading", name="Is this what you said?")).to_be_visible(timeout=20_000)
    expect(page.locator(".transcript")).to_contain_text("아버지")
    assert any(said.startswith("You said: 아버지") for said in machine.voice.history)
    assert axe_violations(page) == []

    page.get_by_role("button", name="Add what it is about, or a phone number").click()
    category = kiosk_screen.kiosk.category
    page.get_by_role("button", name=category.name_en).click()
    expect(page.get_by_role("button", name=category.name_en)).to_have_attribute("aria-pressed", "true")
    for digit in "13800138000":
        page.locator(".keypad").get_by_role("button", name=digit, exact=True).click()
    expect(page.locator(".entry")).to_have_text("13800138000")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Send").click()
    receipt = page.locator("#receipt")
    expect(receipt).to_have_text(kiosk_screen.kiosk.receipt_prefix + receipt.inner_text()[3:])
    code = receipt.inner_text()
    assert "Your receipt code is " + " ".join(code[:4]) in machine.voice.last  # spelled out aloud

    # The outbox delivers it; an official answers.
    deliver_due(kiosk_screen.outbox, kiosk_screen.client)
    db.session.rollback()
    appeal = db.session.scalar(select(Appeal).where(Appeal.receipt_code == code))
    assert appeal.category_id == category.id and appeal.contact_phone == "+8613800138000" and "아버지" in appeal.body
    appeal_workflow.answer_appeal(appeal, actor=make_user("official", department=appeal.department),
                                  body="We will call you on Monday.")
    db.session.commit()

    page.get_by_role("button", name="Done").click()
    page.get_by_role("button", name="Hear the answer to my appeal").click()
    keypad = page.locator(".keypad")
    for key in code.replace("-", ""):
        keypad.get_by_role("button", name=key, exact=True).click()
    expect(page.locator(".entry")).to_have_text(code)
    assert axe_violations(page) == []
    page.get_by_role("button", name="Look up").click()
    expect(page.locator(".answer")).to_have_text("We will call you on Monday.")
    expect(page.locator("h1")).to_contain_text("Answered")
    assert machine.voice.last == "Your appeal is: Answered. The answer: We will call you on Monday."


def test_the_space_bar_is_the_button_and_cancel_keeps_nothing(screen, kiosk_screen, tmp_path):
    page = screen
    page.keyboard.press("Space")
    expect(page.get_by_role("heading", name="I am listening…")).to_be_visible()
    speak_into(kiosk_screen.microphone, "아버지", tmp_path)
    expect(page.get_by_role("heading", name="Is this what you said?")).to_be_visible(timeout=20_000)
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_text("Press the button and speak")).to_be_visible()
    assert kiosk_screen.outbox.counts()["queued"] == 0
    page.get_by_role("button", name="Louder").click()
    assert wait_until(lambda: kiosk_screen.machine.voice.last == "Louder.")
    assert kiosk_screen.machine.voice.volume_step == 4
