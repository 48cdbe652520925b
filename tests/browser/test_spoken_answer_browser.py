"""An official records the answer in their own voice in real Chromium (MediaRecorder on Chromium's fake microphone,
a beeping test signal: WebM/Opus, which the server keeps as Ogg/Opus), plays it back, publishes it with the written
answer; the public page offers it as an audio player the browser can play, labelled, with the words beside it."""

from playwright.sync_api import expect
from sqlalchemy import select

from appeals.models import AppealEvent
from core.db import db
from tests.helpers import log_in


def test_an_official_records_a_spoken_answer_and_the_public_hears_it(media_browser, browser, live_server,
                                                                      make_appeal, make_user):
    appeal = make_appeal(public=True)
    official = make_user("official", department=appeal.department)
    context = media_browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, live_server, official)
    page.goto(f"{live_server.url}/officials/appeals/{appeal.id}")
    recorder = page.locator("[data-recorder]")
    expect(recorder).to_be_visible()  # the browser can record: the buttons are shown
    page.get_by_label("Public answer").fill("The pipe is mended: water again from tomorrow.")
    page.get_by_role("button", name="Record the answer").click()
    expect(recorder.get_by_role("status")).to_contain_text("Recording")
    page.wait_for_timeout(2500)
    recorder.get_by_role("button", name="Stop").click()
    expect(recorder.get_by_role("status")).to_contain_text("Recorded: ")
    chosen = page.locator("#audio").evaluate("input => [input.files.length, input.files[0].name, input.files[0].size]")
    assert chosen[0] == 1 and chosen[1] in ("answer.webm", "answer.ogg") and chosen[2] > 1000
    recorder.get_by_role("button", name="Play back").click()
    # The recording itself is in the player (headless Chromium has no sound card to hear it through).
    page.wait_for_function("() => document.querySelector('[data-playback]').src.startsWith('blob:')")
    page.get_by_role("button", name="Publish answer").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    db.session.rollback()
    event = db.session.scalar(select(AppealEvent).where(AppealEvent.appeal_id == appeal.id,
                                                        AppealEvent.audio_file.is_not(None)))
    assert event is not None and 2.0 <= event.audio_seconds <= 4.0 and event.audio_file.endswith(".ogg")
    context.close()

    public = browser.new_context(locale="en-US").new_page()  # anyone, not logged in
    public.goto(f"{live_server.url}/appeals/{appeal.id}")
    player = public.locator("figure.spoken-answer audio")
    expect(player).to_have_attribute("aria-labelledby", f"step-{event.id}-voice")
    expect(public.locator(f"#step-{event.id}-voice")).to_contain_text("official's own voice")
    expect(public.locator(f"#step-{event.id}-words")).to_have_text("The pipe is mended: water again from tomorrow.")
    player.evaluate("audio => { audio.preload = 'metadata'; audio.load(); }")
    public.wait_for_function("() => document.querySelector('figure.spoken-answer audio').readyState >= 1")
    duration = player.evaluate("audio => audio.duration")
    assert 2.0 <= duration <= 4.0  # Chromium reads what the server keeps (Ogg/Opus)
    public.context.close()


def test_without_javascript_the_answer_form_has_a_plain_file_field(browser, live_server, make_appeal, make_user):
    appeal = make_appeal(public=True)
    official = make_user("official", department=appeal.department)
    context = browser.new_context(locale="en-US", java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server, official)
    page.goto(f"{live_server.url}/officials/appeals/{appeal.id}")
    field = page.get_by_label("The answer in your own voice (optional)")
    expect(field).to_have_attribute("type", "file")
    expect(field).to_have_attribute("accept", "audio/*")
    expect(page.locator("[data-recorder]")).to_be_hidden()
    context.close()
