"""What the kiosk is doing for the resident in front of it: one screen at a time, changed by touches, the big
button and the recording. The touch screen (``kiosk.ui``) only shows this and passes touches on."""

import json
import logging
import threading
import time

from flask_babel import force_locale
from flask_babel import gettext as _

from kiosk.client import Offline, Refused, Revoked
from kiosk.microphone import MicrophoneMissing, Recording
from kiosk.voice import spell
from wire.protocol import RECEIPT_ALPHABET, RECEIPT_LENGTH

log = logging.getLogger(__name__)

PHONE_MIN, PHONE_MAX = 7, 15
#: After "Are you still there?", this long to answer before the screen goes back to the start (WCAG 2.2.1: 20 s).
GRACE_SECONDS = 30.0
WARNING_SPOKEN_SECONDS = 3.0  # the time warning, left out of the recording


class Machine:
    def __init__(self, *, config, outbox, voice, recognizer=None, client=None, content=None, app=None,
                 wake_sync: threading.Event | None = None, clock=time.monotonic):
        self.config, self.outbox, self.voice, self.recognizer = config, outbox, voice, recognizer
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
        self.category, self.phone, self.code = None, "", ""
        self.receipt = self.status = self.message = None
        self.seconds_left = None
        self.touched = self.clock()
        self.warned_idle = False

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
        return str(hash((self.screen, self.transcript, self.receipt, repr(self.status), self.message,
                         self.out_of_service, self.warned_idle)) & 0xFFFFFFFF)

    # -- the big button (and the space bar, and the Speak / Done buttons on the screen) --------------------

    def press(self):
        with self.lock:
            self.touch()
            if self.screen == "recording":
                self.finish_recording()
            elif self.screen in ("idle", "review", "no_microphone", "nothing_heard", "sent", "status"):
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
            if recorded is None or recorded.reason == "nothing" or not recorded.text:
                self.screen = "nothing_heard"
                self._say(self._t("I did not hear anything. Press the button and speak again."))
                return
            self.recorded, self.transcript, self.words = recorded, recorded.text, recorded.words
            self.screen = "review"
            self._say(self._t("You said: %(text)s. Touch Send to send it, or Say it again.", text=recorded.text))

    # -- review, details, send ------------------------------------------------------------------------------

    def again(self):
        with self.lock:
            self.start_recording()

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

    def details(self):
        with self.lock:
            self.touch()
            if self.screen == "review":
                self.screen = "details"
                self._say(self._t("Choose what it is about, and type a phone number if you want a call back."))

    def choose_category(self, code):
        with self.lock:
            self.touch()
            known = {c["code"] for c in self.content.get("categories", [])}
            self.category = code if code in known and code != self.category else None

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
                self.screen = "details"
                self.message = self._t("That phone number looks too short. Correct it, or delete it to send "
                                       "without one.")
                self._say(self.message)
                return
            queued = self.outbox.add(transcript=self.transcript, audio=self.recorded.ogg_opus(),
                                     words=json.dumps(self.words, ensure_ascii=False), category=self.category,
                                     contact_phone=self.phone or None)
            self.wake_sync.set()
            self._reset()
            self.screen, self.receipt = "sent", queued.receipt_code
            self._say_receipt()

    def _say_receipt(self):
        self._say(self._t("Thank you. Your appeal is kept and will be sent. Your receipt code is %(code)s. "
                          "Please write it down; with it you can hear the answer here later.",
                          code=spell(self.receipt)))

    # -- hearing the answer -----------------------------------------------------------------------------------

    def lookup(self):
        with self.lock:
            self._reset()
            self.screen = "lookup"
            self._say(self._t("Type your receipt code, then touch Look up."))

    def code_key(self, key):
        with self.lock:
            self.touch()
            if key == "back":
                self.code = self.code[:-1]
            elif key in RECEIPT_ALPHABET and len(self.code) < RECEIPT_LENGTH:
                self.code += key

    def look_up(self):
        with self.lock:
            self.touch()
            generation = self.generation
            if len(self.code) != RECEIPT_LENGTH:
                self.message = self._t("The receipt code has eight characters.")
                self._say(self.message)
                return
            code = f"{self.code[:4]}-{self.code[4:]}"
            waiting = self.outbox.by_receipt(code)
            if waiting is not None and waiting.state in ("queued", "refused"):
                self.status = {"kind": "waiting" if waiting.state == "queued" else "stuck"}
                self._speak_status()
                return
        try:
            found = self.client.status(code) if self.client is not None else None
            status = {"kind": "found", **found} if found else {"kind": "offline"}
        except Offline:
            status = {"kind": "offline"}
        except (Revoked, Refused) as error:
            status = {"kind": "unknown"} if getattr(error, "status", None) == 404 else {"kind": "offline"}
        with self.lock:
            if self.generation != generation or self.screen != "lookup":
                return  # the resident left meanwhile: never speak their answer to the next one
            self.status = status
            self._speak_status()

    def _speak_status(self):
        self.screen = "status"
        self.message = None
        kind = self.status["kind"]
        if kind == "waiting":
            self._say(self._t("Your appeal is kept here and will be sent as soon as there is a connection."))
        elif kind == "stuck":
            self._say(self._t("Your appeal is kept here, but it could not be delivered. Please ask the village "
                              "office for help."))
        elif kind == "offline":
            self._say(self._t("Sorry, there is no connection right now. Your appeal is safe. Please try again "
                              "later."))
        elif kind == "unknown":
            self._say(self._t("No appeal has this receipt code. Please check it and try again."))
        else:
            answers = self.status.get("answers") or []
            said = self._t("Your appeal is: %(status)s.", status=self.status_label(self.status["status"]))
            if answers:
                said += " " + self._t("The answer: %(answer)s", answer=answers[-1]["body"])
            self._say(said)

    def status_label(self, status):
        labels = {"submitted": self._t("Received"), "accepted": self._t("Accepted"),
                  "in_progress": self._t("Being worked on"), "answered": self._t("Answered"),
                  "resolved": self._t("Resolved"), "rejected": self._t("Rejected"),
                  "duplicate": self._t("Joined with the same problem")}
        return labels.get(status, status)

    # -- on every screen ------------------------------------------------------------------------------------

    def news(self):
        """Read aloud the projects here (with their latest report) and the most supported proposals, from the
        content kept for offline use."""
        with self.lock:
            self.touch()
            proposals = self.content.get("proposals") or []
            projects = self.content.get("projects") or []
            if not proposals and not projects:
                self._say(self._t("There is no village news yet."))
                return
            said = []
            if projects:
                said.append(self._t("Projects:") + " " + ". ".join(
                    self._t("%(title)s, %(n)d percent done", title=p["title"], n=p["progress"])
                    + (": " + p["news"] if p.get("news") else "") for p in projects))
            if proposals:
                said.append(self._t("Village proposals:") + " " + ". ".join(
                    self._t("%(title)s, %(n)d supporters", title=p["title"], n=p["supports_count"])
                    for p in proposals))
            self._say(" ".join(said))

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
            if self.voice.speaking() and not self.warned_idle:
                self.touched = self.clock()
                return
            quiet = self.clock() - self.touched
            if quiet >= self.config.idle_seconds + GRACE_SECONDS:
                self.home()
            elif quiet >= self.config.idle_seconds and not self.warned_idle:
                self.warned_idle = True
                self._say(self._t("Are you still there? Touch Stay, or the screen goes back to the start."))
