"""An appeal's title: the one typed, or its text's first sentence cut to a short line.

Residents on the web may type a title; kiosk residents, Open311 clients and those who leave it empty get the
first sentence of what they said. The board and the inbox list titles, so a long first sentence is cut where a
reader expects it: between words in English, between characters in Chinese, with an ellipsis."""

import re

from core.fields import text_field

#: The longest title a person may type.
TITLE_MAX = 120
#: The longest title taken from the text (ellipsis included): one line on a phone's board.
DERIVED_MAX = 60
#: The end of a sentence: a Chinese full stop, exclamation or question mark anywhere, a Latin one before a space.
SENTENCE_END = re.compile(r"[。！？]|[.!?](?=\s|$)")
#: What a cut title must not end with before its ellipsis.
TRAILING = " \t,，、;；:：-–—(（[「『\"'“‘"
ELLIPSIS = "…"


def title_from(body: str | None, limit: int = DERIVED_MAX) -> str:
    """The first sentence of ``body`` (its first line at most), cut to ``limit`` characters at a word or
    character boundary with an ellipsis; a plain full stop at its end is left out."""
    lines = [line.strip() for line in (body or "").splitlines() if line.strip()]
    text = " ".join(lines[0].split()) if lines else ""
    end = SENTENCE_END.search(text)
    sentence = text[:end.end()] if end else text
    sentence = sentence.rstrip(".。").strip() or text
    if len(sentence) <= limit:
        return sentence
    piece = sentence[:limit - 1]
    if _inside_word(sentence, len(piece)):
        space = piece.rfind(" ")
        if space > limit // 3:  # a word longer than two thirds of the line is cut where it stands
            piece = piece[:space]
    return piece.rstrip(TRAILING) + ELLIPSIS


def _inside_word(text: str, at: int) -> bool:
    """Whether a cut before ``text[at]`` splits a word written with spaces (Latin letters, digits)."""
    before, after = text[at - 1], text[at]
    return _spaced(before) and _spaced(after)


def _spaced(char: str) -> bool:
    """A letter or digit of a script that separates words with spaces (not Chinese or Japanese)."""
    return char.isalnum() and not ("\u2e80" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"
                                   or "\U00020000" <= char <= "\U0003ffff")


def appeal_title(title: str | None, body: str | None) -> str:
    """The title typed (checked), or one taken from ``body`` when none was."""
    return text_field(title, "title", TITLE_MAX, required=False) or title_from(body)
