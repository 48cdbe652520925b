"""Every kiosk screen fits the official 7-inch display (800x480) and a 1280x800 screen without scrolling, in
Chinese and English: nothing runs off or is cut off, the main action is in view, text is at least 24 px on the
small display and every touch target at least 64 x 64 px; each screen starts at its top."""

import threading
from types import SimpleNamespace

import pytest
from werkzeug.serving import make_server

from kiosk.config import Config
from kiosk.machine import Machine
from kiosk.outbox import Outbox
from kiosk.ui import create_ui
from kiosk.voice import Voice

SIZES = [(800, 480), (1280, 800)]
LANGUAGES = ["zh_Hans", "en"]
CATEGORIES = [("water", "供水", "Water supply"), ("roads", "道路交通", "Roads and bridges"),
              ("electricity", "电力", "Electricity"), ("health", "医疗卫生", "Health"),
              ("education", "教育", "Education"), ("sanitation", "环境卫生", "Sanitation"),
              ("safety", "社会治安", "Public safety"), ("other", "其他", "Something else")]
LONG = "我们村的自来水已经停了三天了，老人和孩子每天要走两公里去河边挑水，请尽快派人来修。" * 3

#: Each screen as a resident meets it: the machine's state on that screen (the longest plausible texts).
SCREENS = {
    "idle": {},
    "recording": {"transcript": LONG},
    "review": {"transcript": LONG},
    "unclear": {"unclear": "no_words"},
    "category": {},
    "phone": {"phone": "13800138000", "message": "That phone number looks too short."},
    "sent": {"receipt": "3ABK-7QXM", "seconds_left": 27},
    "lookup": {"code": "3ABK7Q", "message": "The receipt code has eight characters."},
    "status": {"status": {"kind": "found", "status": "answered", "answers": [{"body": LONG}]}, "seconds_left": 12},
    "nothing_heard": {},
    "no_microphone": {},
    "ballot_none": {},
    "ballot_code": {"ballot_code": "1234567", "message": "The ballot code has eight digits."},
    "ballot_project": {"ballot_index": 1},
    "ballot_review": {"ballot_yes": {1, 3}},
    "ballot_cast": {"seconds_left": 27},
}

#: A budget ballot as the kiosk's content gives it (the longest plausible names).
BUDGET = {"cycle_id": 1, "title": "2027 county budget", "limits_money": True, "max_choices": None,
          "voting_until": "2027-05-01",
          "parts": [{"id": 1, "name": "上坝村", "amount_minor": 3_000_000,
                     "projects": [{"id": 1, "title": "修缮村委会前的道路并安装十二盏太阳能路灯", "cost_minor": 1_250_050},
                                  {"id": 2, "title": "Repair the footbridge over the river to the school",
                                   "cost_minor": 2_500_000}]},
                    {"id": 2, "name": "Shangba County", "amount_minor": 7_000_000,
                     "projects": [{"id": 3, "title": "County clinic van", "cost_minor": 3_000_000}]}]}

MEASURE = """() => {
  const visible = [...document.querySelectorAll('#screen *')].filter(e => e.offsetParent !== null);
  const box = e => e.getBoundingClientRect();
  const inside = (e, outer) => { const r = box(e), o = box(outer);
    return r.top >= o.top - 1 && r.bottom <= o.bottom + 1 && r.left >= o.left - 1 && r.right <= o.right + 1; };
  const scroller = e => e.closest('.transcript, .answer');
  const screen = document.getElementById('screen');
  const texts = visible.filter(e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()));
  return {
    overflow: document.documentElement.scrollHeight - innerHeight,
    sideways: document.documentElement.scrollWidth - innerWidth,
    scrolled: scrollY,
    cut: visible.filter(e => !scroller(e) && !inside(e, screen)).map(e => e.tagName + ': ' + e.textContent.trim().slice(0, 30)),
    small_targets: [...document.querySelectorAll('#screen button')].filter(e => e.offsetParent !== null)
      .filter(e => box(e).width < 64 || box(e).height < 64).map(e => e.textContent.trim()),
    small_text: texts.filter(e => parseFloat(getComputedStyle(e).fontSize) < 24).map(e => e.textContent.trim().slice(0, 30)),
    main: (() => { const b = document.querySelector('.actions .go, .icons button'); if (!b) return 'none';
      const r = box(b); return r.top >= 0 && r.bottom <= innerHeight && r.right <= innerWidth ? 'in view' : 'out of view'; })(),
  };
}"""


@pytest.fixture(scope="module", params=LANGUAGES)
def kiosk_ui(request, tmp_path_factory, pulseaudio):
    """A kiosk's touch screen in one language, its state set screen by screen (its voice speaks into the test's
    sound server)."""
    language = request.param
    config = Config(server="http://127.0.0.1:9", data_dir=tmp_path_factory.mktemp("kiosk"), language=language)
    content = {"kiosk": {"village": {"name": "上坝村" if language == "zh_Hans" else "Shangba Village"}},
               "categories": [{"code": c, "name_zh": zh, "name_en": en} for c, zh, en in CATEGORIES],
               "budgets": [BUDGET]}
    machine = Machine(config=config, outbox=Outbox(config.data_dir, "3AB"), voice=Voice(language), content=content)
    machine.tick = lambda: None  # the screen under test stays as set (no time-out)
    app = create_ui(machine)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_port}/", machine=machine, language=language)
    machine.voice.quiet()
    server.shutdown()
    thread.join(timeout=10)


@pytest.mark.parametrize("width, height", SIZES, ids=["800x480", "1280x800"])
def test_every_screen_fits(browser, kiosk_ui, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    problems = {}
    for name, state in SCREENS.items():
        kiosk_ui.machine._reset()
        kiosk_ui.machine.screen = name
        if name.startswith("ballot"):
            kiosk_ui.machine.ballot = BUDGET
            kiosk_ui.machine.ballot_items = [(part, p) for part in BUDGET["parts"] for p in part["projects"]]
        for key, value in state.items():
            setattr(kiosk_ui.machine, key, value)
        page.goto(kiosk_ui.url)
        found = page.evaluate(MEASURE)
        wrong = {key: value for key, value in found.items()
                 if (key == "main" and value != "in view") or (key != "main" and value)}
        if width == 800 or not wrong.get("small_text"):
            pass
        else:
            wrong.pop("small_text")  # 24 px is the floor of the small display; larger screens scale up from it
        if wrong:
            problems[name] = wrong
    context.close()
    assert problems == {}


def test_a_new_screen_starts_at_its_top(browser, kiosk_ui):
    """The thank-you screen used to open scrolled, its heading cut off: now no screen scrolls, and a swap goes
    to the top whatever came before."""
    context = browser.new_context(viewport={"width": 800, "height": 480})
    page = context.new_page()
    machine = kiosk_ui.machine
    machine._reset()
    machine.screen, machine.phone = "phone", "1380013"
    page.goto(kiosk_ui.url)
    page.evaluate("window.scrollTo(0, 500)")
    machine.screen, machine.receipt = "sent", "3ABK-7QXM"
    page.locator("#receipt").wait_for()  # the page asks for the changed screen by itself
    assert page.evaluate("scrollY") == 0
    heading = page.locator("h1").bounding_box()
    assert heading["y"] >= 0 and heading["y"] + heading["height"] <= 480
    context.close()
