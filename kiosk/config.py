"""The kiosk's settings: ``config.toml`` (see ``deploy/kiosk/config.toml``), each key overridable by an
environment variable ``MINYI_KIOSK_<KEY>``; the device token and the kiosk's identity live in the data folder."""

import json
import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

from kiosk.files import write_whole

DEFAULT_PATH = Path("/etc/minyi-kiosk/config.toml")
#: The server takes recordings up to 200 s (MINYI_KIOSK_AUDIO_MAX_SECONDS); a little room for the encoding.
MAX_RECORDING_SECONDS = 190.0


class ConfigError(Exception):
    """A setting is missing or wrong; the message says which and how to fix it."""


#: The forms the ``printer`` setting takes, as the error for a wrong one lists them.
PRINTER_FORMS = ('"" (no printer), "usb:VENDOR:PRODUCT" (hexadecimal ids from lsusb, e.g. "usb:0x0416:0x5011"; '
                 'endpoints may follow: "usb:0x0416:0x5011:0x81:0x03"), "serial:DEVICE[:BAUD]" (e.g. '
                 '"serial:/dev/ttyUSB0:9600") or "file:PATH" (e.g. "file:/dev/usb/lp0")')
PAPER_WIDTHS_MM = (58, 80)


@dataclass(frozen=True)
class PrinterSpec:
    """Where the receipt printer is: ``usb`` (vendor and product ids, endpoints if not the usual), ``serial``
    (device and baud rate) or ``file`` (a device file such as /dev/usb/lp0)."""
    kind: str
    device: str = ""
    vendor: int = 0
    product: int = 0
    in_ep: int | None = None
    out_ep: int | None = None
    baud: int = 9600


def parse_printer(value: str) -> PrinterSpec | None:
    """The ``printer`` setting read: None for no printer; a ConfigError naming the forms for a wrong one."""
    value = (value or "").strip()
    if not value:
        return None
    kind, _, rest = value.partition(":")
    try:
        if kind == "usb":
            numbers = [int(part, 16) for part in rest.split(":")]
            if len(numbers) in (2, 4) and all(0 < n <= 0xFFFF for n in numbers[:2]) and all(
                    0 < n <= 0xFF for n in numbers[2:]):
                return PrinterSpec("usb", vendor=numbers[0], product=numbers[1],
                                   in_ep=numbers[2] if len(numbers) == 4 else None,
                                   out_ep=numbers[3] if len(numbers) == 4 else None)
        elif kind == "serial" and rest.startswith("/"):
            device, _, baud = rest.partition(":")
            if not baud:
                return PrinterSpec("serial", device=device)
            if baud.isdigit() and int(baud) > 0:
                return PrinterSpec("serial", device=device, baud=int(baud))
        elif kind == "file" and rest.startswith("/"):
            return PrinterSpec("file", device=rest)
    except ValueError:
        pass
    raise ConfigError(f"printer must be {PRINTER_FORMS}; not {value!r}.")


@dataclass
class Config:
    #: The Minyi server, e.g. https://minyi.example.org (written by ``minyi-kiosk enroll``).
    server: str = ""
    #: Where the outbox, the recordings, the token and the cached content live.
    data_dir: Path = field(default_factory=lambda: Path.home() / ".local" / "share" / "minyi-kiosk")
    #: The Vosk model folder; empty: the one ``minyi-kiosk model install`` keeps current (data_dir/models/current).
    model_dir: str = ""
    #: What the kiosk speaks and shows: zh_Hans or en (from the server at enrolment, unless set here).
    language: str = ""
    #: Silence that ends a recording, in seconds (older speakers pause: 3 s by default).
    silence_seconds: float = 3.0
    #: Longest recording, in seconds, and how long before its end a spoken warning comes.
    max_seconds: float = 180.0
    warn_seconds: float = 20.0
    #: The microphone (a sounddevice name or number; empty: the system's default).
    input_device: str = ""
    #: GPIO pin of the big button (BCM numbering).
    button_pin: int = 17
    #: Seconds without a touch before a screen goes back to the start (announced first).
    idle_seconds: float = 90.0
    #: Seconds a receipt or an answer stays on screen once it has been spoken (announced; a touch keeps it).
    done_seconds: float = 30.0
    #: Below this average word confidence (0-1) the kiosk does not trust what it recognized, and offers to send
    #: the recording itself: the officials listen to it.
    min_confidence: float = 0.6
    #: Whether the appeals made here go on the public message board (without a name; a voice-only one once an
    #: official has written it down). The village decides; the screen tells the resident.
    public: bool = False
    #: Where the touch screen is served (Chromium in kiosk mode shows it).
    ui_port: int = 8080
    #: Seconds between heartbeats and between delivery attempts when all is sent.
    heartbeat_seconds: float = 300.0
    #: Delivery back-off: first wait and longest wait, in seconds (doubled per failure, with jitter).
    retry_first_seconds: float = 5.0
    retry_max_seconds: float = 900.0
    #: The receipt printer (ESC/POS) for the printed slip; empty: none (see PRINTER_FORMS).
    printer: str = ""
    #: Its paper width in millimetres: 58 or 80.
    printer_paper_mm: int = 58
    #: A font with Chinese characters for the slip's words; empty: the usual places (fonts-noto-cjk, ...).
    printer_font: str = ""

    @property
    def token_path(self) -> Path:
        return self.data_dir / "token"

    @property
    def identity_path(self) -> Path:
        return self.data_dir / "kiosk.json"

    def token(self) -> str | None:
        try:
            return self.token_path.read_text().strip() or None
        except FileNotFoundError:
            return None

    def identity(self) -> dict:
        """What the server said about this kiosk at enrolment (name, village, receipt prefix, ...)."""
        try:
            return json.loads(self.identity_path.read_text())
        except FileNotFoundError:
            return {}
        except ValueError:
            raise ConfigError(f"{self.identity_path} is damaged: enrol the kiosk again "
                              "(minyi-kiosk enroll --server URL --code CODE).") from None

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def model_path(self) -> Path:
        return Path(self.model_dir).expanduser() if self.model_dir else self.models_dir / "current"

    @property
    def server_url(self) -> str:
        return (self.server or self.identity().get("server") or "").rstrip("/")

    @property
    def spoken_language(self) -> str:
        return self.language or self.identity().get("language") or "zh_Hans"


def _convert(name: str, kind, raw):
    try:
        if kind is Path:
            return Path(str(raw)).expanduser()
        if kind is bool:
            if isinstance(raw, bool):
                return raw
            return {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}[str(raw).lower()]
        if kind in (int, float):
            return kind(raw)
        return str(raw)
    except (TypeError, ValueError, KeyError):
        what = {int: "whole number", bool: "true or false"}.get(kind, "number")
        raise ConfigError(f"{name} must be a {what}, not {raw!r}.") from None


def load(path: str | os.PathLike | None = None) -> Config:
    """The settings from ``path`` (or $MINYI_KIOSK_CONFIG, or /etc/minyi-kiosk/config.toml when it exists),
    then the environment."""
    path = Path(path or os.environ.get("MINYI_KIOSK_CONFIG") or DEFAULT_PATH)
    values = {}
    if path.exists():
        try:
            values = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{path} is not valid TOML: {error}") from None
    known = {f.name: f for f in fields(Config)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s) {', '.join(unknown)}.")
    settings = {}
    for name, spec in known.items():
        raw = os.environ.get(f"MINYI_KIOSK_{name.upper()}", values.get(name))
        if raw is not None:
            kind = {"Path": Path, "str": str, "int": int, "float": float, "bool": bool}[
                spec.type if isinstance(spec.type, str) else spec.type.__name__]
            settings[name] = _convert(name, kind, raw)
    config = Config(**settings)
    if config.language and config.language not in ("zh_Hans", "en"):
        raise ConfigError(f"language must be zh_Hans or en, not {config.language!r}.")
    if not 0 <= config.min_confidence <= 1:
        raise ConfigError("min_confidence must be between 0 and 1.")
    if config.silence_seconds <= 0 or config.max_seconds <= config.warn_seconds:
        raise ConfigError("silence_seconds must be above 0 and max_seconds above warn_seconds.")
    if config.max_seconds > MAX_RECORDING_SECONDS:
        raise ConfigError(f"max_seconds may be at most {MAX_RECORDING_SECONDS:g} (the server refuses longer "
                          "recordings).")
    parse_printer(config.printer)
    if config.printer_paper_mm not in PAPER_WIDTHS_MM:
        raise ConfigError(f"printer_paper_mm must be 58 or 80, not {config.printer_paper_mm}.")
    if config.printer_font and not Path(config.printer_font).expanduser().is_file():
        raise ConfigError(f"printer_font {config.printer_font!r} is not a font file: give the path of a TrueType "
                          "or OpenType font with Chinese characters (fc-list :lang=zh lists them), or leave it out.")
    return config


def save_enrolment(config: Config, server: str, token: str, kiosk: dict) -> None:
    """Keep the device token (readable by this user only) and the kiosk's identity in the data folder, each
    written whole or not at all."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    write_whole(config.identity_path, json.dumps({**kiosk, "server": server}, ensure_ascii=False, indent=2).encode())
    write_whole(config.token_path, (token + "\n").encode(), 0o600)
    config.server = server
