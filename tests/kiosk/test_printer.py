"""The printed slip (kiosk.printer): what it holds, read back from the bytes a printer gets; that a printer which
fails never fails the caller; and the ``printer`` setting."""

import re
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest
import qrcode
from escpos.printer import Dummy, File, Serial, Usb
from PIL import Image

from kiosk.config import ConfigError, PrinterSpec, load, parse_printer
from kiosk.printer import SlipPrinter, find_font, receipt_page_url, slip_lines
from tests.helpers import kiosk_cli

WHEN = datetime(2026, 12, 7, 14, 5)
URL = receipt_page_url("https://minyi.example.org/", "ABCDEFGH")
#: GS ! n with n = 0x22: three times as wide and as high (58 mm paper); ESC t may switch the code page first.
BIG_CODE = re.compile(rb"\x1d!\x22(?:\x1bt.)?ABCD-EFGH\n")


def config_with(tmp_path, text):
    path = tmp_path / "config.toml"
    path.write_text(f'data_dir = "{tmp_path / "kiosk"}"\n{text}\n')
    return load(path)


def pictures(data: bytes) -> list[Image.Image]:
    """The raster pictures (GS v 0) in ESC/POS bytes, black as 0."""
    found = []
    for match in re.finditer(rb"\x1dv0.", data, re.DOTALL):
        at = match.end()
        width_bytes, height = data[at] + 256 * data[at + 1], data[at + 2] + 256 * data[at + 3]
        raster = data[at + 4:at + 4 + width_bytes * height]
        found.append(Image.frombytes("1", (width_bytes * 8, height), bytes(255 - b for b in raster)))
    return found


def holds_qr_code_of(picture: Image.Image, content: str) -> bool:
    """Whether the picture is the QR code of ``content``: its modules, sampled at their centres, are those of the
    code the qrcode library makes of it."""
    modules = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_L)
    modules.add_data(content)
    modules.make(fit=True)
    matrix = modules.get_matrix()
    grey = picture.convert("L")
    left, top, right, bottom = Image.eval(grey, lambda v: 255 - v).getbbox()
    box = (right - left) / len(matrix)
    if abs((bottom - top) - (right - left)) > 1 or box < 1:
        return False
    return all((grey.getpixel((int(left + (x + 0.5) * box), int(top + (y + 0.5) * box))) < 128) == dark
               for y, row in enumerate(matrix) for x, dark in enumerate(row))


def test_a_slip_holds_the_code_in_large_type_the_qr_code_the_village_and_the_time(tmp_path):
    device = tmp_path / "lp0"
    printer = SlipPrinter.from_config(config_with(tmp_path, f'printer = "file:{device}"'))

    assert printer.print_slip("ABCD-EFGH", village="Lijia", when=WHEN, status_url=URL, language="en") is True
    assert printer.last_error is None
    data = device.read_bytes()
    assert BIG_CODE.search(data)
    assert any(holds_qr_code_of(picture, URL) for picture in pictures(data))
    assert URL == "https://minyi.example.org/appeals/receipt?code=ABCD-EFGH"
    assert b"Village: Lijia\n" in data and b"Time: 2026-12-07 14:05\n" in data
    assert b"come back to" in data and b"scan the QR code" in data
    assert data.startswith(b"\x1b@") and data.endswith(b"\x1dV\x01")  # reset first, a (partial) cut last


def test_a_chinese_slip_draws_its_words_and_prints_the_code_as_type(tmp_path):
    assert find_font(), "a font with Chinese characters is needed (make system-deps installs fonts-noto-cjk)"
    device = tmp_path / "lp0"
    printer = SlipPrinter.from_config(config_with(tmp_path, f'printer = "file:{device}"\nprinter_paper_mm = 80'))

    assert printer.print_slip("abcd efgh", village="李家村", when=WHEN, status_url=URL, language="zh_Hans")
    data = device.read_bytes()
    assert re.search(rb"\x1d!\x33(?:\x1bt.)?ABCD-EFGH\n", data)  # four times the size on 80 mm paper
    drawn = pictures(data)
    assert len(drawn) == 4 and sum(holds_qr_code_of(picture, URL) for picture in drawn) == 1  # title, label, below
    assert all(picture.width == 576 for picture in drawn if not holds_qr_code_of(picture, URL))
    assert b"Village" not in data and b"Time" not in data
    words = slip_lines(village="李家村", when=WHEN, language="zh_Hans")
    assert words["below"][:2] == ["村：李家村", "时间：2026-12-07 14:05"]
    assert words["title"] == ["诉求回执"] and "听我的诉求答复" in words["below"][2]


def test_without_a_chinese_font_the_slip_is_in_english_and_leaves_out_a_chinese_village(tmp_path):
    device = tmp_path / "lp0"
    printer = SlipPrinter(lambda: File(str(device)), font=None)

    assert printer.print_slip("ABCD-EFGH", village="李家村", when=WHEN, status_url=URL, language="zh_Hans")
    data = device.read_bytes()
    assert BIG_CODE.search(data) and any(holds_qr_code_of(picture, URL) for picture in pictures(data))
    assert b"Time: 2026-12-07 14:05\n" in data and b"Village" not in data
    assert len(pictures(data)) == 1


class Unplugged(Dummy):
    """A printer pulled out halfway through the slip."""

    def _raw(self, msg):
        super()._raw(msg[:len(msg) // 2])
        raise OSError(19, "No such device")


class Answering(Dummy):
    """A printer that answers status queries (DLE EOT 4) with ``status``."""
    status = b"\x12"

    def _read(self):
        return self.status


class OutOfPaper(Answering):
    status = bytes([114])


class PaperLow(Answering):
    status = bytes([30])


class Stuck(Dummy):
    """A printer whose write never returns (out of paper behind /dev/usb/lp0, a wedged USB line)."""
    release = threading.Event()

    def _raw(self, msg):
        self.release.wait(30)
        super()._raw(msg)


@pytest.mark.parametrize("make, error", [
    (lambda tmp_path: File(str(tmp_path / "no-such-folder" / "lp0")), "Could not open"),
    (lambda tmp_path: Unplugged(), "No such device"),
    (lambda tmp_path: OutOfPaper(), "out of paper"),
], ids=["cannot be opened", "unplugged while printing", "no paper"])
def test_a_failing_printer_is_reported_not_raised(tmp_path, make, error, caplog):
    made = []
    printer = SlipPrinter(lambda: made.append(make(tmp_path)) or made[-1], font=find_font(), timeout=10)
    started = time.monotonic()

    assert printer.print_slip("ABCD-EFGH", village="Lijia", when=WHEN, status_url=URL, language="en") is False
    assert time.monotonic() - started < 10
    assert error in printer.last_error and error in caplog.text
    if isinstance(made[-1], OutOfPaper):
        assert b"ABCD-EFGH" not in made[-1].output  # nothing sent to an empty roll


def test_a_stuck_printer_is_given_up_within_the_timeout_and_prints_nothing_late(tmp_path):
    made = []
    printer = SlipPrinter(lambda: made.append(Stuck()) or made[-1], font=None, timeout=0.5)
    started = time.monotonic()
    try:
        assert printer.print_slip("ABCD-EFGH", village="", when=WHEN, status_url=URL, language="en") is False
        assert time.monotonic() - started < 2
        assert "did not finish within 0.5 s" in printer.last_error
        # The next slip waits for the stuck one no longer than its own timeout, and then is dropped.
        assert printer.print_slip("BCDE-FGHJ", village="", when=WHEN, status_url=URL, language="en") is False
        assert time.monotonic() - started < 3.5
    finally:
        Stuck.release.set()
    time.sleep(0.3)
    assert len(made) == 1 and b"BCDE-FGHJ" not in made[0].output


def test_a_printer_low_on_paper_still_prints_and_says_so(tmp_path):
    made = []
    printer = SlipPrinter(lambda: made.append(PaperLow()) or made[-1], font=None)

    assert printer.print_slip("ABCD-EFGH", village="", when=WHEN, status_url=URL, language="en") is True
    assert printer.paper_low and BIG_CODE.search(made[0].output)


def test_a_wrong_receipt_code_is_reported_not_raised(tmp_path):
    printer = SlipPrinter(lambda: Dummy(), font=None)

    assert printer.print_slip("nonsense", village="", when=WHEN, status_url=URL, language="en") is False
    assert "not a receipt code" in printer.last_error


def test_no_printer_is_configured_by_default(tmp_path):
    assert SlipPrinter.from_config(config_with(tmp_path, "")) is None


@pytest.mark.parametrize("setting, kind, attributes", [
    ("usb:0x0416:0x5011", Usb, {"usb_args": {"idVendor": 0x0416, "idProduct": 0x5011}, "out_ep": 0x01}),
    ("usb:0416:5011:0x81:0x03", Usb, {"usb_args": {"idVendor": 0x0416, "idProduct": 0x5011}, "in_ep": 0x81,
                                      "out_ep": 0x03}),
    ("serial:/dev/ttyUSB0:115200", Serial, {"devfile": "/dev/ttyUSB0", "baudrate": 115200}),
    ("serial:/dev/ttyS0", Serial, {"devfile": "/dev/ttyS0", "baudrate": 9600}),
    ("file:/dev/usb/lp0", File, {"devfile": "/dev/usb/lp0"}),
])
def test_the_printer_setting_names_the_connection(tmp_path, setting, kind, attributes):
    printer = SlipPrinter.from_config(config_with(tmp_path, f'printer = "{setting}"'))
    device = printer.connect()

    assert type(device) is kind
    assert {name: getattr(device, name) for name in attributes} == attributes
    assert printer.timeout == (20.0 + 40_000 * 10 / device.baudrate if kind is Serial else 20.0)


@pytest.mark.parametrize("setting", ["lp0", "/dev/usb/lp0", "usb:0416", "usb:0416:zz11", "usb:0:5011",
                                     "serial:ttyUSB0", "serial:/dev/ttyUSB0:fast", "file:lp0", "cups:POS58"])
def test_a_wrong_printer_setting_is_refused_with_the_forms_it_may_take(tmp_path, setting):
    with pytest.raises(ConfigError, match=r"printer must be .*usb:VENDOR:PRODUCT.*lsusb.*serial:DEVICE.*file:PATH"
                                          rf".*not '{re.escape(setting)}'"):
        config_with(tmp_path, f'printer = "{setting}"')


def test_other_printer_settings_are_checked(tmp_path, monkeypatch):
    with pytest.raises(ConfigError, match="printer_paper_mm must be 58 or 80, not 57"):
        config_with(tmp_path, "printer_paper_mm = 57")
    with pytest.raises(ConfigError, match="printer_font '/no/such.ttf' is not a font file"):
        config_with(tmp_path, 'printer_font = "/no/such.ttf"')
    monkeypatch.setenv("MINYI_KIOSK_PRINTER", "serial:COM3")
    with pytest.raises(ConfigError, match="printer must be"):
        config_with(tmp_path, "")
    assert parse_printer(" ") is None and parse_printer("file:/dev/usb/lp1") == PrinterSpec("file", "/dev/usb/lp1")


def test_print_test_prints_a_sample_slip_or_says_why_not(kiosk_env, tmp_path):
    device = tmp_path / "lp0"
    printed = kiosk_cli({**kiosk_env, "MINYI_KIOSK_PRINTER": f"file:{device}"}, "print-test")
    assert f"Printed a test slip on file:{device}." in printed.stdout
    assert re.search(rb"\x1d!\x22(?:\x1bt.)?TEST-2345\n", device.read_bytes())

    missing = kiosk_cli({**kiosk_env, "MINYI_KIOSK_PRINTER": f"file:{tmp_path}/gone/lp0"}, "print-test", check=False)
    assert missing.returncode == 1 and "Nothing was printed" in missing.stderr and "Could not open" in missing.stderr
    assert kiosk_cli(kiosk_env, "print-test", check=False).returncode == 2


def test_the_documented_settings_name_the_printer_and_load():
    documented = (Path(__file__).resolve().parents[2] / "deploy" / "kiosk" / "config.toml")
    assert all(f"# {name} = " in documented.read_text() or f"\n{name} = " in documented.read_text()
               for name in ("printer", "printer_paper_mm", "printer_font"))
    assert load(documented).printer == ""
