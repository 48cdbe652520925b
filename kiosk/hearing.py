"""Hearing the answer at the kiosk: the resident types the receipt code and hears where the appeal stands and the
officials' answer; and the village news read aloud. A part of the kiosk's ``Machine``."""

import logging

from kiosk.client import Offline, Refused, Revoked
from wire.protocol import RECEIPT_ALPHABET, RECEIPT_LENGTH

log = logging.getLogger(__name__)


class Hearing:
    """The steps of ``Machine`` that read out what the server knows (its state: screen, code, status...)."""

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
            status = {"kind": "found", **found, "sound": self._fetch_voice(found)} if found else {"kind": "offline"}
        except Offline:
            status = {"kind": "offline"}
        except (Revoked, Refused) as error:
            status = {"kind": "unknown"} if getattr(error, "status", None) == 404 else {"kind": "offline"}
        with self.lock:
            if self.generation != generation or self.screen != "lookup":
                return  # the resident left meanwhile: never speak their answer to the next one
            self.status = status
            self._speak_status()

    def _fetch_voice(self, found):
        """The latest answer's recording in the official's own voice, fetched into the data folder (as a string,
        kept in ``status``); None when it was written only, or cannot be had now: then its words are read aloud."""
        answers = found.get("answers") or []
        if not answers or not answers[-1].get("audio"):
            return None
        folder = self.config.data_dir / "answers"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for old in folder.iterdir():  # the last resident's answer goes (a half-fetched file is never resumed)
                old.unlink()
            path = folder / "answer.ogg"
            self.client.download(answers[-1]["audio"], path)
        except (Offline, Revoked, OSError) as error:
            log.warning("the spoken answer could not be fetched (%s): its words are read aloud", error)
            return None
        return str(path)

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
            sound = self.status.get("sound")
            if sound and self.voice.play(sound, answers[-1]["body"], before=said + " " + self._t(
                    "The answer, in the official's own voice:")):
                return
            if answers:
                said += " " + self._t("The answer: %(answer)s", answer=answers[-1]["body"])
            self._say(said)

    def status_label(self, status):
        labels = {"submitted": self._t("Received"), "accepted": self._t("Accepted"),
                  "in_progress": self._t("Being worked on"), "answered": self._t("Answered"),
                  "resolved": self._t("Resolved"), "rejected": self._t("Rejected"),
                  "duplicate": self._t("Joined with the same problem")}
        return labels.get(status, status)

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
