"""Language choice: the user's saved preference, then the language cookie, then Accept-Language."""

from flask import current_app, has_request_context, request
from flask_login import current_user

from server.extensions import babel

LANGUAGE_COOKIE = "minyi_lang"
LANGUAGE_LABELS = {"zh_Hans": "中文", "en": "English"}


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
    from voting.money import money

    app.jinja_env.filters["money"] = money
    from proposals.discussion import hidden_reason_text

    app.jinja_env.filters["hidden_reason"] = hidden_reason_text

    @app.context_processor
    def language_context():
        from flask_babel import get_locale

        locale = get_locale()
        code = "en" if locale and locale.language == "en" else "zh_Hans"
        from flask_login import current_user as user

        from accounts.notifications import unread_count

        return {
            "unread_notifications": unread_count(user) if user and user.is_authenticated else 0,
            "current_language": code,
            "html_lang": "en" if code == "en" else "zh-Hans",
            "language_labels": LANGUAGE_LABELS,
        }

    @app.after_request
    def vary_on_language(response):
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
        response.vary.add("HX-Request")
        return response
