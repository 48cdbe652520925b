"""How alike two texts read, without a word segmenter.

Chinese is compared by pairs of adjacent characters (水井 and 井水 share nothing, 村口水井 and 水井没水 share
水井), other scripts by three-letter pieces of words (so "streetlight" and "street lights" are alike).
Texts become sets of such grams, and two sets are compared by their cosine: the shared grams over the
geometric mean of both sizes, 0 (nothing shared) to 1 (the same grams). Unlike the Dice coefficient (shared
over the arithmetic mean), a short text typed by a resident is not outweighed by a long appeal that holds all
of it: on generated appeals (bench/appeals_bench.py) the cosine's five best shared the typed problem 92% of
the time, Dice's 82%, and a cosine of plain character trigrams (which split Chinese two-character words
across pieces) 76%."""

import math
import re

CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
WORD = re.compile(r"[^\W\d_\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,}|\d+")
#: Words so common in appeals that sharing them says nothing.
STOP = frozenset("the and for with that this there have has not our are was from but please".split())

def grams(text: str) -> frozenset[str]:
    """The pieces two texts are compared by."""
    text = (text or "").lower()
    found = set()
    for run in CJK.findall(text):
        if len(run) == 1:
            found.add(run)  # a lone character between other scripts
        found.update(run[i:i + 2] for i in range(len(run) - 1))
    for word in WORD.findall(text):
        if word in STOP:
            continue
        padded = f"_{word}_"  # marks the ends (no space: grams are stored space-separated)
        found.update(padded[i:i + 3] for i in range(len(padded) - 2))
    return frozenset(found)


def likeness(a: frozenset, b: frozenset) -> float:
    """Cosine of two gram sets."""
    return len(a & b) / math.sqrt(len(a) * len(b)) if a and b else 0.0


#: An appeal is compared by the grams of its beginning (where residents name the problem; most appeals are
#: shorter), at most STORED_BYTES of them, so they fit in an index entry (PostgreSQL's limit is 2,704 bytes).
STORED_CHARACTERS, STORED_BYTES = 250, 2400


def stored(text: str) -> str:
    """The grams of ``text``'s beginning as one string (stored beside an appeal's body, so comparing reads it
    back instead of working it out again for every appeal)."""
    kept, size = [], 0
    for gram in sorted(grams((text or "")[:STORED_CHARACTERS])):
        size += len(gram.encode()) + 1
        if size > STORED_BYTES:
            break
        kept.append(gram)
    return " ".join(kept)


def likeness_to_stored(wanted: frozenset, value: str) -> float:
    """``likeness`` of ``wanted`` and the grams ``stored`` into ``value``, without building a second set
    (thousands per keystroke)."""
    if not wanted or not value:
        return 0.0
    return len(wanted.intersection(value.split())) / math.sqrt(len(wanted) * (value.count(" ") + 1))
