"""The kiosk's touch screen: a small Flask app on 127.0.0.1 that Chromium shows in kiosk mode.

The page is one self-replacing htmx fragment (``#screen``) that refreshes itself, so the big button, the end of
a recording and time-outs show up without a touch; every touch is a POST that answers the new fragment."""

from pathlib import Path

from flask import Flask, abort, render_template, request
from flask_babel import Babel

from kiosk.budget_voting import yuan
from kiosk.machine import Machine
from wire.protocol import RECEIPT_ALPHABET

ROOT = Path(__file__).resolve().parent.parent

#: Simple pictures for the usual categories (by code); others get a generic one.
CATEGORY_ICONS = {"water": "🚰", "roads": "🛣️", "electricity": "💡", "health": "🏥", "education": "🏫",
                  "sanitation": "🧹", "safety": "🛡️", "other": "💬"}
#: The code of "I do not know" on the category screen (no category has it: the kiosk's own takes the appeal).
UNKNOWN_CATEGORY = "unknown"


def create_ui(machine: Machine) -> Flask:
    app = Flask(__name__, static_folder=str(ROOT / "static"), template_folder="templates")
    language = machine.config.spoken_language
    app.config.update(BABEL_DEFAULT_LOCALE=language, BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent /
                                                                                     "translations"))
    Babel(app, locale_selector=lambda: language)
    machine.app = app

    @app.context_processor
    def shown():
        return {"m": machine, "language": "zh-Hans" if language == "zh_Hans" else "en",
                "village": (machine.content.get("kiosk") or {}).get("village", {}).get("name", ""),
                "alphabet": RECEIPT_ALPHABET, "icons": CATEGORY_ICONS, "unknown": UNKNOWN_CATEGORY, "yuan": yuan,
                "refresh": "every 500ms" if machine.screen == "recording" else "every 1s"}

    @app.get("/")
    def page():
        return render_template("kiosk/page.html")

    @app.get("/screen")
    def screen():
        """The screen, when it changed since the page showed ``seen`` (else 204: htmx keeps what is there)."""
        machine.tick()
        if request.args.get("seen") == machine.fingerprint():
            return "", 204
        return render_template("kiosk/_screen.html")

    actions = {
        "press": machine.press, "again": machine.again, "cancel": machine.cancel, "send": machine.send,
        "confirm": machine.confirm, "sms": machine.sms, "wrong": machine.wrong, "send-voice": machine.send_voice, "back": machine.back,
        "lookup": machine.lookup, "look-up": machine.look_up, "news": machine.news,
        "repeat": machine.repeat, "louder": lambda: machine.volume(True), "softer": lambda: machine.volume(False),
        "home": machine.home, "touch": machine.touch,
        "vote": machine.vote, "ballot-next": machine.ballot_start, "ballot-again": machine.ballot_start,
        "ballot-yes": lambda: machine.ballot_answer(True), "ballot-no": lambda: machine.ballot_answer(False),
        "ballot-cast": machine.ballot_cast,
    }

    @app.post("/do/<action>")
    def do(action):
        if action not in actions:
            abort(404)
        actions[action]()
        return render_template("kiosk/_screen.html")

    @app.post("/key/<kind>/<key>")
    def key(kind, key):
        """A key of a keypad or a category: only that part of the screen is swapped."""
        if kind == "code":
            machine.code_key(key)
        elif kind == "phone":
            machine.phone_key(key)
        elif kind == "ballot":
            machine.ballot_key(key)
        elif kind == "category":
            machine.choose_category(key)  # the next question follows: the whole screen changes
            return render_template("kiosk/_screen.html")
        else:
            abort(404)
        return render_template("kiosk/_entry.html", fragment=True)

    @app.after_request
    def headers(response):
        response.headers["Content-Security-Policy"] = ("default-src 'self'; script-src 'self'; style-src 'self'; "
                                                       "frame-ancestors 'none'")
        response.headers["Cache-Control"] = "no-store"
        return response

    app.jinja_env.globals["request"] = request
    return app
