"""The kiosk's voice: espeak-ng reads screens, the recognized text and receipt codes aloud, in the kiosk's
language, at the volume the resident chose. A new sentence cuts the one still being spoken."""

import logging
import shutil
import subprocess
import threading

log = logging.getLogger(__name__)

VOICES = {"zh_Hans": "cmn", "en": "en"}
VOLUME_STEPS = (40, 60, 80, 100, 130, 160, 200)  # espeak-ng amplitude (100 is its normal loudness)


class Voice:
    def __init__(self, language: str = "zh_Hans", volume_step: int = 3, rate: int = 140):
        self.language, self.rate = language, rate
        self.volume_step = max(0, min(len(VOLUME_STEPS) - 1, volume_step))
        self.history: list[str] = []  # what was said, newest last (shown in the log, read by the tests)
        self.last = ""
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self.available = shutil.which("espeak-ng") is not None
        if not self.available:
            log.warning("espeak-ng is not installed: the kiosk cannot speak (apt-get install espeak-ng)")

    def say(self, text: str) -> None:
        """Speak ``text`` now (stopping what is being said)."""
        text = " ".join(str(text).split())
        if not text:
            return
        with self._lock:
            self.last = text
            self.history.append(text)
            del self.history[:-50]
            self._stop()
            if self.available:
                self._process = subprocess.Popen(
                    ["espeak-ng", "-v", VOICES.get(self.language, "en"), "-s", str(self.rate),
                     "-a", str(VOLUME_STEPS[self.volume_step]), "--", text],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        log.info("speaking: %s", text)

    def speaking(self) -> bool:
        with self._lock:
            return self._process is not None and self._process.poll() is None

    def repeat(self) -> None:
        if self.last:
            self.say(self.last)

    def louder(self) -> None:
        self.volume_step = min(len(VOLUME_STEPS) - 1, self.volume_step + 1)

    def softer(self) -> None:
        self.volume_step = max(0, self.volume_step - 1)

    def quiet(self) -> None:
        with self._lock:
            self._stop()

    def _stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
        self._process = None


def spell(code: str) -> str:
    """A receipt code read one character at a time ("2 A B 7, C 9 K 4")."""
    raw = code.replace("-", "")
    return " ".join(raw[:4]) + ", " + " ".join(raw[4:])
