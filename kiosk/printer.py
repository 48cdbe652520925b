"""The printed slip: many residents cannot write the receipt code down, so a kiosk with a receipt printer (ESC/POS
over USB, serial or a device file) prints it, in large type, with a QR code of the appeal's public page, the date,
the village and how to hear the answer.

The slip is composed whole first (on python-escpos's ``Dummy``) and then sent in one write, so a slip is never
half made of a failed drawing. Words in Chinese are drawn as a picture with a font that has them (cheap printers
differ in their Chinese character sets, but all print pictures); without such a font the slip is in English. The
code and the QR code always print.

Printing never raises to its caller and never holds up the appeal, which is already in the outbox: it runs on a
thread of its own, the caller waits at most ``timeout`` seconds, and a failure is logged and kept in
``last_error`` so the screen can ask the resident to write the code down."""

import logging
import subprocess
import textwrap
import threading
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import qrcode
from babel.support import Translations
from escpos.capabilities import Profile
from escpos.escpos import Escpos
from escpos.printer import Dummy, File, Serial, Usb
from PIL import Image, ImageDraw, ImageFont

from kiosk.config import PrinterSpec, parse_printer
from wire.protocol import normalize_receipt

log = logging.getLogger(__name__)

TRANSLATIONS = Path(__file__).parent / "translations"
#: The page where anyone follows an appeal by its receipt code (server/public/appeals.py, ``receipt``).
RECEIPT_PAGE = "/appeals/receipt"
#: Printable dots across the paper (203 dpi), by paper width in millimetres.
DOTS = {58: 384, 80: 576}
#: Fonts with Chinese characters where Debian and Raspberry Pi OS put them (setup.sh installs fonts-noto-cjk).
CJK_FONTS = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
             "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
             "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
             "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
             "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
             "/usr/share/fonts/truetype/arphic/uming.ttc")
#: Height of drawn words in dots: the printer's own font A is 24 dots high.
TEXT_DOTS = 24
#: A generous size of one slip, to give a slow serial line the time it needs before we call the printer stuck.
SLIP_BYTES = 40_000
#: Punctuation that may not begin a line.
CLOSING = "。，、：；！？）」』”’.,:;!?)"


def receipt_page_url(server: str, receipt_code: str) -> str:
    """The public page of the appeal with this receipt code (what the slip's QR code holds)."""
    return f"{server.rstrip('/')}{RECEIPT_PAGE}?code={normalize_receipt(receipt_code) or receipt_code}"


@lru_cache(maxsize=4)
def _catalog(language: str):
    return Translations.load(str(TRANSLATIONS), [language], "messages")


@lru_cache(maxsize=8)
def find_font(configured: str = "") -> str | None:
    """The path of a font with Chinese characters: the configured one, a usual one, or any fontconfig knows."""
    if configured:
        return configured if Path(configured).expanduser().is_file() else None
    for path in CJK_FONTS:
        if Path(path).is_file():
            return path
    try:
        listed = subprocess.run(["fc-list", ":lang=zh-cn", "file"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    paths = sorted(line.split(":")[0].strip() for line in listed.stdout.splitlines() if line.strip())
    return paths[0] if paths else None


@lru_cache(maxsize=8)
def _font(path: str, size: int):
    """The font at ``path``; in a collection, its Simplified Chinese face when it has one (Noto CJK: "SC")."""
    faces = []
    for index in range(10):
        try:
            faces.append(ImageFont.truetype(path, size, index=index))
        except OSError:
            break
        if " SC" in " ".join(faces[-1].getname()):
            return faces[-1]
    return faces[0] if faces else ImageFont.truetype(path, size)


def slip_lines(*, village: str, when: datetime, language: str) -> dict[str, list[str]]:
    """The slip's words in ``language``: a title, the label over the code, and the lines under the QR code."""
    catalog = _catalog(language)

    def _t(message, **values):
        text = catalog.gettext(message)
        return text % values if values else text

    below = [_t("Village: %(village)s", village=village)] if village else []
    below += [_t("Time: %(when)s", when=when.strftime("%Y-%m-%d %H:%M")),
              _t("To hear the answer, come back to this kiosk, touch Hear the answer to my appeal and type this "
                 "code."),
              _t("Or scan the QR code with a phone to read the answer.")]
    return {"title": [_t("Appeal receipt")], "label": [_t("Your receipt code:")], "below": below}


class _SlipProfile(Profile):
    """python-escpos's default profile, knowing the paper's width (to centre pictures and refuse wide ones)."""

    def __init__(self, paper_mm: int):
        super().__init__(columns=DOTS[paper_mm] // 12, features=dict(Profile.profile_data["features"]))
        self.profile_data = {**Profile.profile_data,
                             "media": {"dpi": 203, "width": {"mm": paper_mm, "pixels": DOTS[paper_mm]}}}


def _wrap_drawn(text: str, font, width: int) -> list[str]:
    """``text`` broken into lines no wider than ``width`` dots: anywhere (Chinese has no spaces), but never
    before closing punctuation, which takes the character before it along to the next line."""
    lines, line = [], ""
    for char in text:
        if line and font.getlength(line + char) > width:
            carried = line[-1] if char in CLOSING and len(line) > 1 else ""
            lines.append(line[:len(line) - len(carried)].rstrip())
            line = (carried + char).lstrip()
        else:
            line += char
    return lines + [line] if line else lines


def _drawn(lines: list[str], font_path: str, width: int, *, scale: float = 1.0, centre: bool = False):
    """Lines of words as a black-on-white picture ``width`` dots wide."""
    font = _font(font_path, round(TEXT_DOTS * scale))
    wrapped = [part for line in lines for part in _wrap_drawn(line, font, width - 8)]
    step = round(TEXT_DOTS * scale * 1.4)
    picture = Image.new("L", (width, step * len(wrapped) + 4), 255)
    draw = ImageDraw.Draw(picture)
    for row, line in enumerate(wrapped):
        left = (width - font.getlength(line)) / 2 if centre else 4
        draw.text((left, 2 + row * step), line, font=font, fill=0)
    return picture


def _qr_box(content: str, width: int) -> int:
    """Dots per QR module: as large as fits in two thirds of the paper, at most 8."""
    code = qrcode.QRCode(border=1)
    code.add_data(content)
    code.make(fit=True)
    return max(1, min(8, (width * 2 // 3) // (code.modules_count + 2)))


def compose(receipt_code: str, *, village: str, when: datetime, status_url: str, language: str,
            paper_mm: int = 58, font: str | None = None) -> bytes:
    """The slip's ESC/POS bytes. Words that are not plain ASCII are drawn with ``font``; without one the words
    are in English and a village name that is not ASCII is left out."""
    code = normalize_receipt(receipt_code)
    if code is None:
        raise ValueError(f"{receipt_code!r} is not a receipt code")
    words = slip_lines(village=village, when=when, language=language)
    if not font and not all(line.isascii() for part in words.values() for line in part):
        words = slip_lines(village=village if village.isascii() else "", when=when, language="en")
    width = DOTS[paper_mm]
    slip = Dummy(profile=_SlipProfile(paper_mm))

    def say(lines, scale=1.0, centre=False):
        if all(line.isascii() for line in lines):
            for line in lines:
                slip.textln(textwrap.fill(line, width // 12 // (2 if scale > 1 else 1)))
        else:
            slip.image(_drawn(lines, font, width, scale=scale, centre=centre))

    slip.hw("INIT")
    slip.set(align="center", bold=True, double_width=True, double_height=True)
    say(words["title"], scale=1.5, centre=True)
    slip.set(align="center", bold=False, normal_textsize=True)
    slip.ln()
    say(words["label"], centre=True)
    # The code in large type: 3 times (58 mm) or 4 times (80 mm) the normal size, on a line of its own.
    magnify = 3 if paper_mm == 58 else 4
    slip.set(align="center", bold=True)
    slip.set(custom_size=True, width=magnify, height=magnify)
    slip.textln(code)
    slip.set(bold=False, custom_size=True, width=1, height=1)
    slip.qr(status_url, size=_qr_box(status_url, width), center=True)
    slip.set(align="left")
    say(words["below"])
    slip.cut(mode="PART")
    return slip.output


class SlipPrinter:
    """One receipt printer: prints slips one at a time, each on its own thread, waiting at most ``timeout`` s."""

    def __init__(self, connect, *, paper_mm: int = 58, font: str | None = None, timeout: float = 20.0,
                 name: str = "printer"):
        #: Makes a python-escpos printer (not yet opened): called anew for every slip, as printers come and go.
        self.connect = connect
        self.paper_mm, self.font, self.timeout, self.name = paper_mm, font, timeout, name
        #: Why the last slip did not print (None after one that did); the paper running low is noted too.
        self.last_error: str | None = None
        self.paper_low = False
        self._device = threading.Lock()  # one slip at a time on the printer

    @classmethod
    def from_config(cls, config) -> "SlipPrinter | None":
        """The printer ``config`` names (kiosk.config.Config), or None when there is none."""
        spec = parse_printer(config.printer)
        if spec is None:
            return None
        timeout = 20.0 + (SLIP_BYTES * 10 / spec.baud if spec.kind == "serial" else 0.0)
        font = find_font(config.printer_font)
        if font is None:
            log.warning("No font with Chinese characters (install fonts-noto-cjk): slips will be in English.")
        return cls(lambda: _connect(spec, config.printer_paper_mm), paper_mm=config.printer_paper_mm, font=font,
                   timeout=timeout, name=config.printer)

    def print_slip(self, receipt_code: str, *, village: str, when: datetime, status_url: str,
                   language: str) -> bool:
        """Print the slip of one appeal; True when it printed. Never raises; returns within ``timeout`` seconds.
        When it did not print, ``last_error`` says why (and the log too)."""
        job = {"done": threading.Event(), "abandoned": threading.Event(), "error": None}
        try:
            thread = threading.Thread(target=self._run, args=(job, receipt_code),
                                      kwargs=dict(village=village, when=when, status_url=status_url,
                                                  language=language), name="minyi-slip", daemon=True)
            thread.start()
            finished = job["done"].wait(self.timeout)
        except Exception as error:  # a thread that cannot start: still never the caller's problem
            job["error"], finished = f"The slip could not be started: {error}", True
        if not finished:
            job["abandoned"].set()
            job["error"] = (f"The printer did not finish within {self.timeout:g} s: is it unplugged, out of paper "
                            "or switched off?")
        self.last_error = job["error"]
        if self.last_error:
            log.warning("The slip of %s was not printed on %s: %s", receipt_code, self.name, self.last_error)
        return self.last_error is None

    def _run(self, job, receipt_code, **details):
        try:
            if not self._device.acquire(timeout=self.timeout):
                raise SlipError("The printer is still busy with an earlier slip.")
            try:
                data = compose(receipt_code, paper_mm=self.paper_mm, font=self.font, **details)
                if not job["abandoned"].is_set():  # the caller gave up: a late slip would puzzle the next resident
                    self._send(data)
            finally:
                self._device.release()
        except SlipError as error:
            job["error"] = str(error)
        except Exception as error:  # an unplugged cable, a full kernel buffer, a bad font: all just "not printed"
            log.debug("The slip failed", exc_info=True)
            job["error"] = f"{error.__class__.__name__}: {error}"
        finally:
            job["done"].set()

    def _send(self, data: bytes):
        printer = self.connect()
        try:
            printer.open()
            self._check_paper(printer)
            printer._raw(data)  # the composed slip in one write (python-escpos's way to replay a Dummy's output)
            if hasattr(printer, "flush"):
                printer.flush()
        finally:
            printer.close()

    def _check_paper(self, printer):
        """Refuse to print on an empty roll, where the printer can tell (it answers on USB and serial lines)."""
        self.paper_low = False
        if type(printer)._read is Escpos._read:
            return  # it cannot answer (a device file): print and hope
        try:
            status = printer.paper_status()
        except Exception as error:  # many cheap printers do not answer: not knowing is no reason not to print
            log.info("The printer did not tell its paper status: %s", error)
            return
        if status == 0:
            raise SlipError("The printer is out of paper.")
        self.paper_low = status == 1
        if self.paper_low:
            log.warning("The printer's paper is running low: put in a new roll soon.")


class SlipError(Exception):
    """Why a slip did not print, in words for the log and the screen's operator."""


def _connect(spec: PrinterSpec, paper_mm: int) -> Escpos:
    profile = _SlipProfile(paper_mm)
    if spec.kind == "usb":
        endpoints = {"in_ep": spec.in_ep, "out_ep": spec.out_ep} if spec.in_ep else {}
        return Usb(spec.vendor, spec.product, timeout=10_000, profile=profile, **endpoints)
    if spec.kind == "serial":
        return Serial(spec.device, baudrate=spec.baud, timeout=1, profile=profile)
    return File(spec.device, profile=profile)
