"""Language choice: the user's saved preference, then the language cookie, then Accept-Language."""

from datetime import datetime

from flask import current_app, has_request_context, request
from flask_babel import get_locale, lazy_pgettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from accounts.notifications import unread_count
from accounts.regions import region_tree
from core.money import money
from proposals.discussion import hidden_reason_text
from server.extensions import babel

LANGUAGE_COOKIE = "minyi_lang"
LANGUAGE_LABELS = {"zh_Hans": "中文", "en": "English"}

#: How an appeal reached the department, as its pages, the inbox and the recording form say it.
CHANNEL_LABELS = {
    "web": _l("website"), "kiosk": _l("voice kiosk"), "phone": _l("by phone"), "letter": _l("by letter"),
    "visit": _l("in person"),
}

#: Statuses are translated with a context: "accepted" is 已采纳 for a proposal but 已受理 for an appeal.
STATUS_LABELS = {
    "proposal": {
        "open": lazy_pgettext("proposal status", "Open"), "qualified": lazy_pgettext("proposal status", "Qualified"),
        "accepted": lazy_pgettext("proposal status", "Accepted"),
        "rejected": lazy_pgettext("proposal status", "Rejected"),
        "withdrawn": lazy_pgettext("proposal status", "Withdrawn"),
        "expired": lazy_pgettext("proposal status", "Expired"),
    },
    "appeal": {
        "submitted": lazy_pgettext("appeal status", "Submitted"), "accepted": lazy_pgettext("appeal status", "Accepted"),
        "in_progress": lazy_pgettext("appeal status", "In progress"),
        "answered": lazy_pgettext("appeal status", "Answered"), "resolved": lazy_pgettext("appeal status", "Resolved"),
        "rejected": lazy_pgettext("appeal status", "Rejected"), "duplicate": lazy_pgettext("appeal status", "Duplicate"),
    },
    "project": {
        "planned": lazy_pgettext("project status", "Planned"),
        "in_progress": lazy_pgettext("project status", "In progress"),
        "completed": lazy_pgettext("project status", "Completed"),
    },
    "kiosk": {
        "online": lazy_pgettext("kiosk state", "Online"), "offline": lazy_pgettext("kiosk state", "Offline"),
        "new": lazy_pgettext("kiosk state", "Not enrolled yet"),
        "revoked": lazy_pgettext("kiosk state", "Out of service"),
    },
}


def percent(value) -> str:
    """0.875 → "88%" (or "88%" in Chinese); None → "—"."""
    from flask_babel import format_percent

    return "—" if value is None else format_percent(value)


def hours(value) -> str:
    """A duration given in hours, in hours up to two days and in days beyond; None → "—"."""
    from flask_babel import format_decimal, gettext

    if value is None:
        return "—"
    if value < 48:
        return gettext("%(n)s hours", n=format_decimal(round(value, 1)))
    return gettext("%(n)s days", n=format_decimal(round(value / 24, 1)))


def status_badge(status: str, kind: str) -> Markup:
    """The coloured status label of a proposal or an appeal."""
    return Markup('<span class="badge status-{}">{}</span>').format(status, STATUS_LABELS[kind].get(status, status))


def normalize_language(value: str | None) -> str | None:
    """Map browser and form values (zh, zh-CN, zh-Hans, en-GB, ...) to a supported language."""
    if not value:
        return None
    value = value.replace("-", "_").lower()
    if value.startswith("zh"):
        return "zh_Hans"
    if value.startswith("en"):
        return "en"
    return None


def select_locale() -> str:
    if not has_request_context():
        return "en"  # the CLI speaks English, like its --help
    if current_user and current_user.is_authenticated and current_user.locale:
        return current_user.locale
    chosen = normalize_language(request.cookies.get(LANGUAGE_COOKIE))
    if chosen:
        return chosen
    for value, _quality in request.accept_languages:
        language = normalize_language(value)
        if language:
            return language
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app) -> None:
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(app.root_path + "/translations"))

    # Content keeps the language it was written in; screen readers need to know it.
    app.jinja_env.filters["html_lang"] = lambda code: "en" if code == "en" else "zh-Hans"
    app.jinja_env.filters.update(percent=percent, hours=hours, fromiso=datetime.fromisoformat)
    app.jinja_env.globals.update(status_badge=status_badge, status_labels=STATUS_LABELS, channel_labels=CHANNEL_LABELS,
                                 region_name=lambda region_id: region_tree().full_name(region_id))

    app.jinja_env.filters["money"] = money

    app.jinja_env.filters["hidden_reason"] = hidden_reason_text

    @app.context_processor
    def language_context():
        locale = get_locale()
        code = "en" if locale and locale.language == "en" else "zh_Hans"
        user = current_user
        return {
            # A function, so fragments that never show the navigation never count.
            "unread_notifications": lambda: unread_count(user) if user and user.is_authenticated else 0,
            "current_language": code,
            "html_lang": "en" if code == "en" else "zh-Hans",
            "language_labels": LANGUAGE_LABELS,
        }

    @app.after_request
    def vary_on_language(response):
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
        return response
