"""What the kiosk is doing for the resident in front of it: one screen at a time, changed by touches, the big
button and the recording. The touch screen (``kiosk.ui``) only shows this and passes touches on."""

import json
import logging
import math
import threading
import time
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _

from kiosk.budget_voting import BudgetVoting
from kiosk.hearing import Hearing
from kiosk.microphone import MicrophoneMissing, Recording
from kiosk.printer import SlipPrinter, receipt_page_url
from kiosk.voice import spell

log = logging.getLogger(__name__)

PHONE_MIN, PHONE_MAX = 7, 15
#: After "Are you still there?", this long to answer before the screen goes back to the start (WCAG 2.2.1: 20 s).
GRACE_SECONDS = 30.0
WARNING_SPOKEN_SECONDS = 3.0  # the time warning, left out of the recording


class Machine(Hearing, BudgetVoting):
    def __init__(self, *, config, outbox, voice, recognizer=None, client=None, content=None, app=None,
                 wake_sync: threading.Event | None = None, clock=time.monotonic, printer: SlipPrinter | None = None):
        self.config, self.outbox, self.voice, self.recognizer = config, outbox, voice, recognizer
        self.printer = printer
        self.client, self.app, self.clock = client, app, clock
        self.content = content or {}
        self.wake_sync = wake_sync or threading.Event()
        self.lock = threading.RLock()
        self.out_of_service = False
        self.recording: Recording | None = None
        self.generation = 0  # counts resets: a slow answer for a resident who has left is dropped
        self._reset()

    # -- state -----------------------------------------------------------------------------------------------

    def _reset(self):
        self.generation += 1
        self.screen = "idle"
        self.transcript, self.words, self.recorded = "", [], None
        #: The recording is the appeal (the words were not sure, or the resident said they were wrong).
        self.voice_only = False
        #: Why the words were not sure: "no_words", "unsure" or "wrong" (the resident said so).
        self.unclear = None
        self.category, self.phone, self.code = None, "", ""
        self.no_sms = False
        self.receipt = self.status = self.message = None
        self.seconds_left = None
        self.touched = self.clock()
        self.warned_idle = False
        self.closing_announced = False
        self._reset_ballot()

    def _say(self, text):
        self.voice.say(text)

    def _t(self, message, **values):
        """Translated into the kiosk's language, wherever it is called from (a touch, the button, a thread)."""
        if self.app is None:
            return message % values if values else message
        with self.app.app_context(), force_locale(self.config.spoken_language):
            return _(message, **values)

    def touch(self):
        self.touched, self.warned_idle = self.clock(), False

    def fingerprint(self) -> str:
        """Changes whenever the screen would look different apart from what keys type (the keypads and the
        category buttons swap their own parts): the page swaps the screen in only then, since a swap in the
        middle of a slow press would lose the press."""
        return str(hash((self.screen, self.transcript, self.receipt, repr(self.status), self.message, self.unclear, self.no_sms,
                         self.out_of_service, self.warned_idle, self.seconds_left, self._ballot_fingerprint())) & 0xFFFFFFFF)

    # -- the big button (and the space bar, and the Speak / Done buttons on the screen) --------------------

    def press(self):
        with self.lock:
            self.touch()
            if self.screen == "recording":
                self.finish_recording()
            elif self.screen in ("idle", "review", "unclear", "no_microphone", "nothing_heard", "sent", "status"):
                self.start_recording()

    def start_recording(self):
        with self.lock:
            self.touch()
            if self.recording is not None:  # already listening (a double tap)
                return
            self.voice.quiet()  # never record the kiosk's own voice
            self.receipt = self.status = self.message = None
            if self.recognizer is None:
                self.screen = "no_microphone"
                self._say(self._t("Speech recognition is not ready. Please ask the village office for help."))
                return
            self.transcript, self.words, self.recorded = "", [], None
            self.recording = Recording(
                self.recognizer, device=self.config.input_device or None,
                silence_seconds=self.config.silence_seconds, max_seconds=self.config.max_seconds,
                warn_seconds=self.config.warn_seconds, on_partial=self._heard, on_warning=self._time_warning)
            try:
                self.recording.start()
            except MicrophoneMissing as error:
                log.warning("no microphone: %s", error)
                self.recording, self.screen = None, "no_microphone"
                self._say(self._t("The microphone is not working. Please tell the village office. "
                                  "You can try again when it is plugged in."))
                return
            self.screen = "recording"
            threading.Thread(target=self._await_recording, args=(self.recording,), daemon=True).start()

    def _time_warning(self):
        recording = self.recording
        if recording is not None:
            recording.mute(WARNING_SPOKEN_SECONDS)
        self._say(self._t("%(n)d seconds left.", n=int(self.config.warn_seconds)))

    def _heard(self, text):
        with self.lock:
            self.transcript = text
            self.touch()

    def finish_recording(self):
        """The second press: stop listening (the recording thread then moves on to the review)."""
        if self.recording is not None:
            self.recording.stop("pressed")

    def _await_recording(self, recording):
        try:
            recorded = recording.wait()
        except Exception as error:  # noqa: BLE001  (the microphone went away mid-recording)
            log.warning("recording failed: %s", error)
            with self.lock:
                if recording is self.recording:
                    self.recording, self.screen = None, "no_microphone"
                    self._say(self._t("The microphone is not working. Please tell the village office. "
                                      "You can try again when it is plugged in."))
            return
        with self.lock:
            if recording is not self.recording:
                return  # cancelled meanwhile
            self.recording = None
            self.touch()
            if recorded is None or not (recorded.text or recorded.spoke):
                self.screen = "nothing_heard"
                self._say(self._t("I did not hear anything. Press the button and speak again."))
                return
            self.recorded, self.transcript, self.words = recorded, recorded.text, recorded.words
            if not recorded.text:
                self._offer_voice("no_words")
            elif self._unsure(recorded.words):
                self._offer_voice("unsure")
            else:
                self.screen = "review"
                self._say(self._t("You said: %(text)s. If that is right, touch Yes. If not, touch No, or Say it "
                                  "again.", text=recorded.text))

    def _unsure(self, words) -> bool:
        """Whether recognition was too unsure of its words to read them back as what the resident said."""
        confidences = [w.get("conf", 0.0) for w in words or []]
        return not confidences or sum(confidences) / len(confidences) < self.config.min_confidence

    def _offer_voice(self, why: str):
        """The words are not sure: the recording itself can be the appeal, which an official listens to."""
        self.screen, self.unclear = "unclear", why
        opening = self._t("Sorry, I got it wrong.") if why == "wrong" else \
            self._t("I could not make out the words.")
        self._say(opening + " " + self._t("You can send your voice as it is: the officials will listen to it. "
                                          "Or touch Say it again."))

    # -- review, details, send ------------------------------------------------------------------------------

    def again(self):
        with self.lock:
            self.start_recording()

    def wrong(self):
        """The resident says the read-back is not what they said."""
        with self.lock:
            self.touch()
            if self.screen == "review":
                self._offer_voice("wrong")

    def send_voice(self):
        """Send the recording as it is: on to what it is about, and a number for the answer."""
        with self.lock:
            self.touch()
            if self.screen == "unclear" and self.recorded is not None:
                self.voice_only = True
                self._ask_category()

    def confirm(self):
        """The read-back is right: on to what it is about, and a number for the answer."""
        with self.lock:
            self.touch()
            if self.screen == "review":
                self._ask_category()

    def _ask_category(self):
        self.screen = "category"
        self._say(self._t("What is it about? Touch a picture, or I do not know."))

    def cancel(self):
        with self.lock:
            unsent = self.recording is not None or self.recorded is not None
            self.home()
            if unsent:
                self._say(self._t("Cancelled. Nothing was sent."))

    def home(self):
        """Back to the start (a recording in progress is dropped)."""
        with self.lock:
            if self.recording is not None:
                recording, self.recording = self.recording, None
                recording.stop("cancelled")
            self.voice.quiet()
            self._reset()

    def choose_category(self, code):
        """A picture, or "I do not know" (any other code): then the kiosk's own category, the village office's
        general intake, takes it."""
        with self.lock:
            self.touch()
            if self.screen != "category":
                return
            known = {c["code"] for c in self.content.get("categories", [])}
            self.category = code if code in known else None
            self.screen, self.message = "phone", None
            self._say(self._t("If you want the answer by phone, type your phone number. Then touch Send."))

    def sms(self):
        """The resident wants, or does not want, the answer by text message to the number typed."""
        with self.lock:
            self.touch()
            self.no_sms = not self.no_sms
            self._say(self._t("No text message: the number is for a call only.") if self.no_sms else
                      self._t("The answer will also come by text message."))

    def back(self):
        """From the phone number back to what it is about."""
        with self.lock:
            self.touch()
            if self.screen == "phone":
                self._ask_category()

    def phone_key(self, key):
        with self.lock:
            self.touch()
            self.message = None
            if key == "back":
                self.phone = self.phone[:-1]
            elif key.isdigit() and len(self.phone) < PHONE_MAX:
                self.phone += key

    def send(self):
        with self.lock:
            self.touch()
            if self.recorded is None:
                return
            if self.phone and not PHONE_MIN <= len(self.phone) <= PHONE_MAX:
                self.screen = "phone"
                self.message = self._t("That phone number looks too short. Correct it, or delete it to send "
                                       "without one.")
                self._say(self.message)
                return
            queued = self.outbox.add(transcript=self.transcript, audio=self.recorded.ogg_opus(),
                                     words=json.dumps(self.words, ensure_ascii=False), category=self.category,
                                     contact_phone=self.phone or None, voice_only=self.voice_only,
                                     public=self.config.public, no_sms=self.no_sms)
            self.wake_sync.set()
            self._reset()
            self.screen, self.receipt = "sent", queued.receipt_code
            self._say_receipt()
            if self.printer is not None:  # on its own thread: a slow or dead printer never holds the screen
                threading.Thread(target=self._print_slip, args=(queued.receipt_code, self.generation),
                                 daemon=True).start()

    def _print_slip(self, code, generation):
        village = (self.content.get("kiosk") or {}).get("village", {}).get("name", "")
        printed = self.printer.print_slip(code, village=village, when=datetime.now(),
                                          status_url=receipt_page_url(self.config.server_url, code),
                                          language=self.config.spoken_language)
        with self.lock:
            if not printed and self.generation == generation and self.screen == "sent":
                self.message = self._t("The printer is not working. Please write the code down.")
                self._say(self.message)

    def _say_receipt(self):
        self._say(self._t("Thank you. Your appeal is kept and will be sent. Your receipt code is %(code)s. "
                          "Please write it down; with it you can hear the answer here later.",
                          code=spell(self.receipt)))
        self.touch()

    # -- on every screen ------------------------------------------------------------------------------------

    def repeat(self):
        """Say again what was last said on this screen (or, before anything was, what the screen is for)."""
        with self.lock:
            self.touch()
            if self.voice.last and self.screen != "idle":
                self.voice.repeat()
            else:
                self._say(self._t("Press the button and speak. To hear the answer to an appeal, touch Hear the "
                                  "answer to my appeal."))

    def volume(self, louder: bool):
        self.touch()
        (self.voice.louder if louder else self.voice.softer)()
        self._say(self._t("Louder.") if louder else self._t("Softer."))

    def tick(self):
        """Called as the screen refreshes: generous time-outs, announced (aloud and on screen) before they
        happen; the time the kiosk spends speaking (a long read-back) does not count."""
        with self.lock:
            if self.screen in ("idle", "recording"):
                return
            if self.screen in ("sent", "status", "ballot_cast"):
                self._close_when_done()
                return
            if self.voice.speaking() and not self.warned_idle:
                self.touched = self.clock()
                return
            quiet = self.clock() - self.touched
            if quiet >= self.config.idle_seconds + GRACE_SECONDS:
                self.home()
            elif quiet >= self.config.idle_seconds and not self.warned_idle:
                self.warned_idle = True
                self._say(self._t("Are you still there? Touch Stay, or the screen goes back to the start."))

    def _close_when_done(self):
        """A receipt or an answer, once spoken, stays ``done_seconds`` (announced; a touch keeps it), then the
        screen goes back to the start: nothing of one resident is shown to the next."""
        if self.voice.speaking():
            self.touched = self.clock()
            return
        if not self.closing_announced:
            self.closing_announced = True
            self.touched = self.clock()
            self._say(self._t("This screen goes back to the start in %(n)d seconds. Touch it to keep it.",
                              n=round(self.config.done_seconds)))
            return
        left = self.config.done_seconds - (self.clock() - self.touched)
        if left <= 0:
            self.home()
        else:
            self.seconds_left = math.ceil(left)
