"""At the kiosk, the resident types the receipt code and hears the answer in the official's own voice (fetched with
the kiosk's token, played through the sound card); "Hear it again" plays it again; Done stops it. Where the
recording cannot be had, espeak-ng reads the written answer as before."""

from playwright.sync_api import expect
from sqlalchemy import select

from appeals import workflow
from appeals.models import AppealEvent
from core.db import db
from core.storage import uploads
from tests.helpers import encoded, say, wait_until

ANSWER = "The pipe is mended. There is water again from tomorrow morning."


def _type_code(page, code):
    page.get_by_role("button", name="Hear the answer to my appeal").click()
    keypad = page.locator(".keypad")
    for key in code.replace("-", ""):
        keypad.get_by_role("button", name=key, exact=True).click()
    expect(page.locator(".entry")).to_have_text(code)
    page.get_by_role("button", name="Look up").click()


def _answered(make_appeal, make_user, audio):
    appeal = make_appeal(public=False)
    workflow.answer_appeal(appeal, actor=make_user("official", department=appeal.department), body=ANSWER,
                           audio_data=audio, storage=uploads().area("audio"))
    db.session.commit()
    return appeal


def test_the_kiosk_plays_the_answer_in_the_officials_voice(browser, kiosk_screen, make_appeal, make_user):
    appeal = _answered(make_appeal, make_user, encoded(say(ANSWER, voice="en", pause=0.2)))
    voice = kiosk_screen.machine.voice
    page = browser.new_context(locale="en-US", viewport={"width": 800, "height": 480}).new_page()
    page.goto(kiosk_screen.url)
    _type_code(page, appeal.receipt_code)
    expect(page.locator(".answer")).to_have_text(ANSWER)  # the words on the screen too
    assert wait_until(lambda: voice.played == ["answer.ogg"])
    assert voice.last == f"Your appeal is: Answered. The answer, in the official's own voice: {ANSWER}"
    assert voice.speaking()  # counts as speaking: the screen does not time out under it
    assert wait_until(lambda: not voice.speaking(), timeout=30)  # the intro, then about five seconds of voice
    assert not any(said.startswith("Your appeal is: Answered. The answer: ") for said in voice.history)

    page.get_by_role("button", name="Hear it again").click()
    assert wait_until(lambda: voice.played == ["answer.ogg", "answer.ogg"] and voice.speaking())
    page.get_by_role("button", name="Done").click()  # stops it, like speech
    assert wait_until(lambda: not voice.speaking(), timeout=2)
    page.context.close()


def test_without_the_recording_the_kiosk_reads_the_answer(browser, kiosk_screen, make_appeal, make_user):
    appeal = _answered(make_appeal, make_user, encoded(say(ANSWER, voice="en")))
    event_file = db.session.scalar(select(AppealEvent.audio_file).where(AppealEvent.appeal_id == appeal.id,
                                                                       AppealEvent.audio_file.is_not(None)))
    uploads().area("audio").delete(event_file)  # gone from the server's storage: the download fails
    voice = kiosk_screen.machine.voice
    page = browser.new_context(locale="en-US", viewport={"width": 800, "height": 480}).new_page()
    page.goto(kiosk_screen.url)
    _type_code(page, appeal.receipt_code)
    assert wait_until(lambda: voice.last == f"Your appeal is: Answered. The answer: {ANSWER}")
    assert voice.played == []
    page.context.close()
