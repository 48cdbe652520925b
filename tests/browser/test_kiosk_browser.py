"""The kiosk's touch screen in real Chromium, touch only: speak into the (virtual) microphone, see the words
appear, hear them read back, pick a category, type a call-back number, send, get a receipt code; later type the
code on the keypad and hear the official's answer. The screens pass axe; the space bar works as the button."""

import subprocess

import numpy as np
import pytest
from escpos.printer import File
from playwright.sync_api import expect
from sqlalchemy import func, select

from appeals import workflow as appeal_workflow
from appeals.models import Appeal
from core.db import db
from kiosk.printer import SlipPrinter
from kiosk.sync import deliver_due
from tests.helpers import axe_violations, encoded, say, speak_into, wait_until


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
    page.get_by_role("button", name="Hear it again").click()  # what this screen is for, aloud
    assert wait_until(lambda: machine.voice.last.startswith("Press the button and speak."))

    page.get_by_role("button", name="Speak").click()
    expect(page.get_by_role("heading", name="I am listening…")).to_be_visible()
    speak_into(kiosk_screen.microphone, "아버지", tmp_path)
    expect(page.get_by_role("heading", name="Is this what you said?")).to_be_visible(timeout=20_000)
    expect(page.locator(".transcript")).to_contain_text("아버지")
    assert any(said.startswith("You said: 아버지") for said in machine.voice.history)
    assert axe_violations(page) == []

    page.get_by_role("button", name="Yes, that is right").click()
    expect(page.get_by_role("heading", name="What is it about?")).to_be_visible()
    category = kiosk_screen.kiosk.category
    page.get_by_role("button", name=category.name_en).click()
    expect(page.get_by_role("heading", name="Your phone number")).to_be_visible()
    for digit in "13800138000":
        page.locator(".keypad").get_by_role("button", name=digit, exact=True).click()
    expect(page.locator(".entry")).to_have_text("13800138000")
    assert axe_violations(page) == []
    slip = tmp_path / "printer"  # a receipt printer (python-escpos writes to it as to /dev/usb/lp0)
    machine.printer = SlipPrinter(lambda: File(str(slip)), font=None)
    page.get_by_role("button", name="Send").click()
    receipt = page.locator("#receipt")
    expect(receipt).to_have_text(kiosk_screen.kiosk.receipt_prefix + receipt.inner_text()[3:])
    code = receipt.inner_text()
    assert "Your receipt code is " + " ".join(code[:4]) in machine.voice.last  # spelled out aloud
    assert wait_until(lambda: slip.exists() and code.encode() in slip.read_bytes())  # and printed in large type

    # The outbox delivers it; an official answers.
    deliver_due(kiosk_screen.outbox, kiosk_screen.client)
    db.session.rollback()
    appeal = db.session.scalar(select(Appeal).where(Appeal.receipt_code == code))
    assert appeal.category_id == category.id and appeal.contact_phone == "+8613800138000" and "아버지" in appeal.body
    assert appeal.sms_ok and not appeal.to_listen
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
    page.get_by_role("button", name="Start over").click()
    expect(page.get_by_text("Press the button and speak")).to_be_visible()
    assert kiosk_screen.outbox.counts()["queued"] == 0
    page.get_by_role("button", name="Louder").click()
    assert wait_until(lambda: kiosk_screen.machine.voice.last == "Louder.")
    assert kiosk_screen.machine.voice.volume_step == 4


def play_into(microphone, samples, tmp_path, name):
    """Play ``samples`` (16 kHz) into the virtual microphone, in real time, as a resident speaking."""
    sound = tmp_path / f"{name}.wav"
    sound.write_bytes(encoded(samples, kind="wav"))
    subprocess.run(["paplay", f"--device={microphone}", str(sound)], check=True, timeout=60)


def buzz(seconds=2.5, rate=16000):
    """A voice the model has no words for (as with a dialect it does not know): the voice detector hears speech,
    recognition finds nothing."""
    samples = np.where(np.arange(int(seconds * rate)) % 800 < 20, 12000, 0).astype(np.int16)
    return np.concatenate([samples, np.zeros(rate // 2, dtype=np.int16)])


def send_voice_as_it_is(page, category_name, phone="", sms=True):
    expect(page.get_by_role("button", name="Send my voice as it is")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Send my voice as it is").click()
    page.get_by_role("button", name=category_name).click()
    expect(page.get_by_role("heading", name="Your phone number")).to_be_visible()
    for digit in phone:
        page.locator(".keypad").get_by_role("button", name=digit, exact=True).click()
    if not sms:
        page.get_by_role("button", name="The answer by text message too").click()
        expect(page.get_by_role("button", name="The answer by text message too")).to_have_attribute("aria-pressed",
                                                                                                   "false")
    page.get_by_role("button", name="Send").click()
    return page.locator("#receipt").inner_text()


def test_a_voice_the_model_cannot_read_reaches_the_officials_as_it_is(screen, kiosk_screen, client, make_user,
                                                                        tmp_path):
    """No words at all, and words too unsure to read back: each becomes a voice-only appeal with its recording,
    delivered exactly once; written down by an official, it then joins the public board."""
    machine, page = kiosk_screen.machine, screen
    machine.config.public = True  # this village puts its appeals on the board

    page.get_by_role("button", name="Speak").click()
    expect(page.get_by_role("heading", name="I am listening…")).to_be_visible()
    play_into(kiosk_screen.microphone, buzz(), tmp_path, "buzz")
    expect(page.get_by_role("heading", name="I could not make out the words.")).to_be_visible(timeout=20_000)
    assert "send your voice as it is" in machine.voice.last
    silent = send_voice_as_it_is(page, "I do not know")
    page.get_by_role("button", name="Done").click()

    machine.config.min_confidence = 0.75  # (espeak's Mandarin read by the Korean model: confident nonsense below)
    page.get_by_role("button", name="Speak").click()
    play_into(kiosk_screen.microphone, say("我们村的自来水已经停了三天", voice="cmn", pause=0.3), tmp_path, "mandarin")
    expect(page.get_by_role("heading", name="I could not make out the words.")).to_be_visible(timeout=20_000)
    unsure = send_voice_as_it_is(page, kiosk_screen.kiosk.category.name_en, phone="13800138000", sms=False)

    for _attempt in range(2):  # a second pass (as after a lost answer) files nothing new
        deliver_due(kiosk_screen.outbox, kiosk_screen.client)
        kiosk_screen.outbox.db.execute("UPDATE appeals SET state = 'queued', next_try = 0")
    deliver_due(kiosk_screen.outbox, kiosk_screen.client)
    db.session.rollback()
    appeals = {a.receipt_code: a for a in db.session.scalars(select(Appeal).where(Appeal.receipt_code.in_(
        [silent, unsure])))}
    assert len(appeals) == 2 and db.session.scalar(select(func.count()).select_from(Appeal).where(
        Appeal.kiosk_id == kiosk_screen.kiosk.id)) == 2
    for appeal in appeals.values():
        assert appeal.to_listen and appeal.audio_file and appeal.audio_seconds > 2 and appeal.public
        assert appeal.category_id == kiosk_screen.kiosk.category_id  # "I do not know": the kiosk's own
    assert appeals[silent].machine_transcript == "" and appeals[unsure].machine_transcript  # the machine's words kept
    assert appeals[unsure].contact_phone == "+8613800138000" and not appeals[unsure].sms_ok  # a call, no text

    official = make_user("official", department=appeals[silent].department)
    client.login(official)
    inbox = client.get("/officials/appeals?status=to_listen").get_data(as_text=True)
    assert inbox.count("to be listened to") == 2
    assert f"/appeals/{appeals[silent].id}\"" not in client.get("/appeals").get_data(as_text=True)  # not yet
    assert client.get(f"/officials/appeals/{appeals[silent].id}/recording").status_code == 200
    written = client.post(f"/officials/appeals/{appeals[silent].id}/transcript",
                          {"body": "The bridge to the fields is broken."})
    assert written.status_code == 302
    assert "The bridge to the fields is broken" in client.get("/appeals").get_data(as_text=True)  # its title, from what was written down
    assert "/officials/appeals/%d\"" % appeals[unsure].id in client.get(
        "/officials/appeals?status=to_listen").get_data(as_text=True)


def test_a_dead_printer_loses_nothing_and_blocks_nobody(screen, kiosk_screen, tmp_path):
    """Unplugged: the appeal is kept and its code shown and spoken at once; the screen then says to write the code
    down."""
    machine, page = kiosk_screen.machine, screen
    machine.printer = SlipPrinter(lambda: File(str(tmp_path / "unplugged" / "lp0")), font=None, timeout=5)
    page.get_by_role("button", name="Speak").click()
    expect(page.get_by_role("heading", name="I am listening…")).to_be_visible()
    speak_into(kiosk_screen.microphone, "아버지", tmp_path)
    page.get_by_role("button", name="Yes, that is right").click(timeout=20_000)
    page.get_by_role("button", name="I do not know").click()
    page.get_by_role("button", name="Send").click()
    code = page.locator("#receipt").inner_text()
    assert kiosk_screen.outbox.by_receipt(code).state == "queued"
    expect(page.get_by_role("alert")).to_have_text("The printer is not working. Please write the code down.")
    assert machine.voice.last == "The printer is not working. Please write the code down."
