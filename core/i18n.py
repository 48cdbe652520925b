"""Bilingual names: content carries both zh-Hans and English; readers see their language."""

from flask import has_request_context
from flask_babel import get_locale
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

LANGUAGES = ("zh_Hans", "en")


def current_language() -> str:
    """'en' or 'zh_Hans' for the current request; zh_Hans outside a request."""
    if has_request_context():
        locale = get_locale()
        if locale is not None and locale.language == "en":
            return "en"
    return "zh_Hans"


class BilingualName:
    """Mixin for reference data (regions, departments, categories) named in both languages."""

    #: Name in simplified Chinese.
    name_zh: Mapped[str] = mapped_column(String(120))
    #: Name in English.
    name_en: Mapped[str] = mapped_column(String(120))

    @property
    def name(self) -> str:
        if current_language() == "en":
            return self.name_en or self.name_zh
        return self.name_zh or self.name_en
