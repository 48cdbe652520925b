"""The kiosk's only way to the server: its HTTP API (``/api/v1/kiosk``), with the device token."""

import json
from datetime import datetime, timezone
from email.utils import formatdate
from pathlib import Path

import requests

from kiosk import __version__
from wire.protocol import API_PATH, APPEAL_FIELDS, AUDIO_FIELD

TIMEOUT = (10, 120)  # seconds to connect, and to wait for an answer (a slow rural uplink sends a recording)


class Offline(Exception):
    """The server could not be reached or had trouble (network down, timeout, 5xx): try again later. ``answered``:
    the server (or a proxy before it) did answer, with an error, so the link works."""

    def __init__(self, message: str, answered: bool = False):
        super().__init__(message)
        self.answered = answered


class Revoked(Exception):
    """The server no longer accepts this kiosk's token (401): it is out of service until enrolled again."""


class Refused(Exception):
    """The server refused the request for good (4xx other than 401); ``message`` says why."""

    def __init__(self, status: int, message: str, field: str | None = None):
        super().__init__(f"{status}: {message}")
        self.status, self.message, self.field = status, message, field


class Client:
    def __init__(self, server: str, token: str | None, language: str = "zh_Hans"):
        self.server = server.rstrip("/")
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": f"minyi-kiosk/{__version__}",
                                     "Accept-Language": "en" if language == "en" else "zh-Hans"})
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def _call(self, method: str, path: str, **kwargs) -> tuple[int, dict]:
        try:
            response = self.session.request(method, self.server + API_PATH + path, timeout=TIMEOUT, **kwargs)
        except requests.RequestException as error:
            raise Offline(str(error)) from None
        if response.status_code >= 500 or response.status_code == 429:
            raise Offline(f"server answered {response.status_code}", answered=True)
        try:
            body = response.json()
        except ValueError:
            raise Offline(f"server answered {response.status_code} without JSON (a proxy page?)",
                          answered=True) from None
        if response.status_code == 401:
            raise Revoked(body.get("error", {}).get("message", "unauthorized"))
        if response.status_code >= 400:
            error = body.get("error", {})
            raise Refused(response.status_code, error.get("message", ""), error.get("field"))
        return response.status_code, body

    def enroll(self, code: str) -> tuple[str, dict]:
        """(device token, the kiosk's settings) for a one-time enrolment code."""
        _status, body = self._call("POST", "/enroll", json={"code": code, "version": __version__})
        return body["token"], body["kiosk"]

    def me(self) -> dict:
        return self._call("GET", "/me")[1]

    def send_appeal(self, queued) -> dict:
        """Deliver one queued appeal with its recording; a repeat of a delivered one answers the same appeal."""
        audio: Path = queued.audio_path
        content_type = "audio/wav" if audio.suffix == ".wav" else "audio/ogg"
        form = {key: getattr(queued, key) for key in APPEAL_FIELDS if getattr(queued, key, None)}
        form["transcript"] = queued.transcript
        for flag in ("voice_only", "public"):
            if getattr(queued, flag):
                form[flag] = "true"
        if queued.no_sms:
            form["sms"] = "false"
        with open(audio, "rb") as recording:
            return self._call("POST", "/appeals", data=form, files={AUDIO_FIELD: (audio.name, recording, content_type)})[1]

    def send_ballot(self, queued) -> dict:
        """Deliver one budget ballot cast here; a repeat of a delivered one answers the same ballot."""
        cast_at = datetime.fromtimestamp(queued.cast_at, timezone.utc).isoformat()
        return self._call("POST", "/ballots", json={"uuid": queued.uuid, "cycle_id": queued.cycle_id,
                                                    "code": queued.code or "", "cast_at": cast_at,
                                                    "parts": queued.parts})[1]

    def status(self, receipt_code: str) -> dict:
        return self._call("GET", f"/appeals/{requests.utils.quote(receipt_code, safe='')}")[1]

    def content(self) -> dict:
        return self._call("GET", "/content")[1]

    def model(self) -> dict | None:
        """The speech model this kiosk should have, or None while the server has none."""
        try:
            return self._call("GET", "/model")[1]
        except Refused as error:
            if error.status == 404:
                return None
            raise

    def download(self, path: str, destination: Path, progress=None) -> None:
        """Fetch ``path`` (from the server's root) into ``destination``, resuming what an interrupted download left
        in ``destination`` (a Range request; a server that answers the whole file restarts it)."""
        have = destination.stat().st_size if destination.exists() else 0
        headers = {"Range": f"bytes={have}-"} if have else {}
        try:
            with self.session.get(self.server + path, headers=headers, timeout=TIMEOUT, stream=True) as response:
                if response.status_code == 416:  # nothing left to fetch
                    return
                if response.status_code == 401:
                    raise Revoked("unauthorized")
                if response.status_code not in (200, 206):
                    raise Offline(f"server answered {response.status_code}")
                mode = "ab" if response.status_code == 206 else "wb"
                with open(destination, mode) as out:
                    for chunk in response.iter_content(2**20):
                        out.write(chunk)
                        if progress is not None:
                            progress(out.tell())
        except requests.RequestException as error:
            raise Offline(str(error)) from None

    def heartbeat(self, clock: float | None = None, **report) -> dict:
        """Report the kiosk's state; ``clock`` (its time now) goes as the HTTP ``Date``, so the server can tell
        when this kiosk's clock is wrong."""
        headers = {"Content-Type": "application/json"}
        try:
            if clock is not None:
                headers["Date"] = formatdate(clock, usegmt=True)
        except (ValueError, OverflowError, OSError):  # a clock beyond what a date can say: send none
            pass
        return self._call("POST", "/heartbeat", data=json.dumps(report, default=str), headers=headers)[1]
