"""The kiosk's voice: espeak-ng reads screens, the recognized text and receipt codes aloud, in the kiosk's
language, at the volume the resident chose; an answer an official recorded is played in their own voice. A new
sentence cuts the one still being spoken (or played)."""

import logging
import shutil
import subprocess
import threading
from pathlib import Path

import soundfile

log = logging.getLogger(__name__)

VOICES = {"zh_Hans": "cmn", "en": "en"}
VOLUME_STEPS = (40, 60, 80, 100, 130, 160, 200)  # espeak-ng amplitude (100 is its normal loudness)


class Voice:
    def __init__(self, language: str = "zh_Hans", volume_step: int = 3, rate: int = 140):
        self.language, self.rate = language, rate
        self.volume_step = max(0, min(len(VOLUME_STEPS) - 1, volume_step))
        self.history: list[str] = []  # what was said, newest last (shown in the log, read by the tests)
        self.last = ""
        self.played: list[str] = []  # the recordings played (file names), newest last: for the log and the tests
        #: The recording "Hear it again" plays again, with the sentence said before it; None after a sentence.
        self.last_sound: tuple[Path, str, str] | None = None
        self._process: subprocess.Popen | _Playback | None = None
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
            self._remember(text)
            self.last_sound = None
            self._stop()
            if self.available:
                self._process = subprocess.Popen(self._command(text), stdout=subprocess.DEVNULL,
                                                 stderr=subprocess.DEVNULL)
        log.info("speaking: %s", text)

    def play(self, path: Path, text: str, before: str = "") -> bool:
        """Say ``before``, then play the recording at ``path`` (an official speaking ``text``), stopping what is
        being said. False when the file cannot be decoded: nothing was played, and the caller says ``text``."""
        try:
            samples, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
        except (RuntimeError, OSError, ValueError) as error:  # (soundfile.LibsndfileError is a RuntimeError)
            log.warning("the recording %s cannot be played: %s", path, error)
            return False
        if not len(samples):
            return False
        said = " ".join(f"{before} {text}".split())
        samples = (samples * (VOLUME_STEPS[self.volume_step] / 100)).clip(-1, 1)
        with self._lock:
            self._remember(said)
            self.last_sound = (Path(path), text, before)
            self.played.append(Path(path).name)
            del self.played[:-50]
            self._stop()
            speak = self._command if self.available else (lambda _text: None)
            self._process = _Playback(samples, rate, before=speak(before) if before else None, instead=speak(said))
        log.info("playing %s (%.1f s): %s", path, len(samples) / rate, said)
        return True

    def _command(self, text: str) -> list[str]:
        return ["espeak-ng", "-v", VOICES.get(self.language, "en"), "-s", str(self.rate),
                "-a", str(VOLUME_STEPS[self.volume_step]), "--", text]

    def _remember(self, text: str) -> None:
        self.last = text
        self.history.append(text)
        del self.history[:-50]

    def speaking(self) -> bool:
        with self._lock:
            return self._process is not None and self._process.poll() is None

    def repeat(self) -> None:
        """Say (or play) again what was said last; a recording gone meanwhile is read aloud instead."""
        if self.last_sound is not None:
            if self.play(*self.last_sound[:2], before=self.last_sound[2]):
                return
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


class _Playback:
    """A recording played in a thread (sounddevice), after a sentence spoken by espeak-ng: stopped and watched like
    the espeak-ng process it stands in for (``terminate``, ``poll``). Where no sound can be played, ``instead`` (the
    whole answer) is spoken."""

    def __init__(self, samples, rate: int, *, before: list[str] | None, instead: list[str] | None):
        self._stopped = threading.Event()
        self._speaker: subprocess.Popen | None = None
        self._thread = threading.Thread(target=self._run, args=(samples, rate, before, instead), daemon=True,
                                        name="voice-playback")
        self._thread.start()

    def _speak(self, command) -> None:
        if command and not self._stopped.is_set():
            self._speaker = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if self._stopped.is_set():  # stopped while it started
                self._speaker.terminate()
            self._speaker.wait()

    def _run(self, samples, rate, before, instead) -> None:
        self._speak(before)
        try:
            import sounddevice  # PortAudio is loaded when sound is played, as kiosk/microphone.py does

            with sounddevice.OutputStream(samplerate=rate, channels=samples.shape[1], dtype="float32") as stream:
                step = max(1, rate // 10)  # a tenth of a second a write: a touch on Quiet stops it that soon
                for at in range(0, len(samples), step):
                    if self._stopped.is_set():
                        stream.abort()
                        return
                    stream.write(samples[at:at + step])
        except Exception as error:  # noqa: BLE001 (no PortAudio, no device, a PortAudioError: never silence)
            log.warning("the recording could not be played (%s): reading the answer aloud", error)
            self._speak(instead)

    def poll(self):
        return None if self._thread.is_alive() else 0

    def terminate(self) -> None:
        self._stopped.set()
        speaker = self._speaker
        if speaker is not None and speaker.poll() is None:
            speaker.terminate()


def spell(code: str) -> str:
    """A receipt code read one character at a time ("2 A B 7, C 9 K 4")."""
    raw = code.replace("-", "")
    return " ".join(raw[:4]) + ", " + " ".join(raw[4:])
