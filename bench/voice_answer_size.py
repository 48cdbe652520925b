"""How large an official's spoken answer is per minute, recorded as the handling page records it: one minute of
speech (espeak-ng, English and Mandarin sentences in turn) played through Web Audio into Chromium's MediaRecorder
at the page's 32 kbit/s Opus (static/js/recorder.js), in real time; then rewritten as Ogg/Opus the way the server
keeps it (appeals/webm.py). Prints the sizes in KB per minute.

    .venv/bin/python bench/voice_answer_size.py"""

import base64
import io
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from appeals.webm import webm_to_ogg  # noqa: E402 (after the path is set)

SENTENCES = [("en", "The pipe by the bridge is mended. There is water again from tomorrow morning."),
             ("cmn", "桥边的水管已经修好了，明天早上开始恢复供水。"),
             ("en", "If the water is still brown, please tell the village office and we will come again."),
             ("cmn", "如果水还是浑浊的，请告诉村委会，我们会再来检查。")]
RATE = 48000


def minute_of_speech() -> bytes:
    """Sixty seconds of espeak-ng speech with short pauses, as 48 kHz 16-bit WAV."""
    pieces, total = [], 0
    with tempfile.TemporaryDirectory() as folder:
        while total < 60 * RATE:
            for voice, text in SENTENCES:
                wav = Path(folder) / "s.wav"
                subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(wav), text], check=True)
                samples, rate = soundfile.read(wav, dtype="float32")
                samples = np.interp(np.arange(0, len(samples), rate / RATE), np.arange(len(samples)), samples)
                pieces += [samples, np.zeros(RATE // 2, dtype=np.float32)]
                total += len(samples) + RATE // 2
    out = io.BytesIO()
    soundfile.write(out, np.concatenate(pieces)[:60 * RATE], RATE, format="WAV", subtype="PCM_16")
    return out.getvalue()


RECORD = """async ([wav, bits]) => {
  const bytes = Uint8Array.from(atob(wav), c => c.charCodeAt(0));
  const context = new AudioContext({sampleRate: 48000});
  const buffer = await context.decodeAudioData(bytes.buffer);
  const source = context.createBufferSource(); source.buffer = buffer;
  const sink = context.createMediaStreamDestination(); source.connect(sink);
  const recorder = new MediaRecorder(sink.stream, {mimeType: 'audio/webm;codecs=opus', audioBitsPerSecond: bits});
  const chunks = []; recorder.ondataavailable = e => chunks.push(e.data);
  const stopped = new Promise(done => recorder.onstop = done);
  recorder.start(); source.start();
  await new Promise(done => source.onended = done);
  recorder.stop(); await stopped;
  const blob = new Blob(chunks);
  const data = new Uint8Array(await blob.arrayBuffer());
  let text = ''; for (const c of data) text += String.fromCharCode(c);
  return btoa(text);
}"""


def main():
    from playwright.sync_api import sync_playwright

    wav = minute_of_speech()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                             args=["--no-sandbox", "--disable-gpu",
                                                   "--autoplay-policy=no-user-gesture-required"])
        page = browser.new_page()
        page.goto("about:blank")
        webm = base64.b64decode(page.evaluate(RECORD, [base64.b64encode(wav).decode(), 32000]))
        browser.close()
    ogg = webm_to_ogg(webm)
    with soundfile.SoundFile(io.BytesIO(ogg)) as sound:
        seconds = sound.frames / sound.samplerate
    per_minute = 60 / seconds
    print(f"speech: {seconds:.1f} s recorded by Chromium's MediaRecorder (Opus, 32 kbit/s asked)")
    print(f"WebM as uploaded: {len(webm) / 1024 * per_minute:.0f} KB per minute")
    print(f"Ogg/Opus as kept and sent to kiosks: {len(ogg) / 1024 * per_minute:.0f} KB per minute")
    print(f"(uncompressed 48 kHz WAV: {len(wav) / 1024 * per_minute:.0f} KB per minute)")


if __name__ == "__main__":
    main()
