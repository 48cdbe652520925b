"""How alike two texts read, without a word segmenter.

A text is known by two sets of pieces:

- its **character trigrams**, as PostgreSQL's pg_trgm makes them: each run of letters and digits, lower-cased,
  with two blanks before it and one after, cut into every three characters in a row;
- its **pairs**: adjacent Chinese characters (村口水井 and 水井没水 share 水井, which trigrams split across
  pieces) and three-letter pieces of other words (so "streetlight" and "street lights" are alike).

Two texts are compared by the cosine of each set (shared pieces over the geometric mean of both sizes, so a
short typed problem is not outweighed by a long appeal that holds all of it), weighted 0.7 trigrams to 0.3
pairs. Measured on a million generated appeals (bench/similarity_quality.py, docs/performance.md): the five
this finds are the exact trigram cosine's five at least nine times in ten, as the platform promises, while
the pairs put more appeals about the typed problem among them than trigrams alone do."""

import math
import re

CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
WORD = re.compile(r"[^\W\d_\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,}|\d+")
#: What pg_trgm cuts into trigrams: runs of letters and digits (anything else, "_" too, separates them).
RUN = re.compile(r"[^\W_]+")
#: Words so common in appeals that sharing them says nothing (in the pairs only).
STOP = frozenset("the and for with that this there have has not our are was from but please".split())
#: How much the pairs count; the trigrams count the rest.
PAIRS_WEIGHT = 0.3


def pairs(text: str) -> frozenset[str]:
    """Adjacent Chinese characters and three-letter pieces of other words."""
    text = (text or "").lower()
    found = set()
    for run in CJK.findall(text):
        if len(run) == 1:
            found.add(run)  # a lone character between other scripts
        found.update(run[i:i + 2] for i in range(len(run) - 1))
    for word in WORD.findall(text):
        if word in STOP:
            continue
        padded = f"_{word}_"  # marks the ends (no space: pieces are stored space-separated)
        found.update(padded[i:i + 3] for i in range(len(padded) - 2))
    return frozenset(found)


def trigrams(text: str) -> frozenset[str]:
    """pg_trgm's trigrams, with "_" for its blanks (pieces are stored space-separated)."""
    found = set()
    for run in RUN.findall((text or "").lower()):
        padded = f"__{run}_"
        found.update(padded[i:i + 3] for i in range(len(padded) - 2))
    return frozenset(found)


def profile(text: str) -> tuple[frozenset, frozenset]:
    """What a text is compared by: (pairs, trigrams)."""
    return pairs(text), trigrams(text)


def _cosine(shared: int, a: int, b: int) -> float:
    return shared / math.sqrt(a * b) if a and b else 0.0


def likeness(a: tuple, b: tuple) -> float:
    """How alike two profiles are, 0 (nothing shared) to 1 (the same pieces)."""
    return (PAIRS_WEIGHT * _cosine(len(a[0] & b[0]), len(a[0]), len(b[0]))
            + (1 - PAIRS_WEIGHT) * _cosine(len(a[1] & b[1]), len(a[1]), len(b[1])))


#: An appeal is compared by its beginning (where residents name the problem; most appeals are shorter), at
#: most PART_BYTES of each set, so both fit in one index entry (PostgreSQL's limit is 2,704 bytes).
STORED_CHARACTERS, PART_BYTES = 120, 1200
#: Between the pairs and the trigrams in a stored profile.
SEPARATOR = " | "


def _kept(pieces) -> str:
    kept, size = [], 0
    for piece in sorted(pieces):
        size += len(piece.encode()) + 1
        if size > PART_BYTES:
            break
        kept.append(piece)
    return " ".join(kept)


def stored(text: str) -> str:
    """The profile of ``text``'s beginning as one string (stored beside an appeal's body, so comparing reads
    it back instead of working it out again for every appeal)."""
    first, second = profile((text or "")[:STORED_CHARACTERS])
    return _kept(first) + SEPARATOR + _kept(second)


def likeness_to_stored(wanted: tuple, value: str) -> float:
    """``likeness`` of the profile ``wanted`` and the one ``stored`` into ``value``, without building sets
    (thousands per keystroke)."""
    first, _, second = (value or "").partition(SEPARATOR)
    score = 0.0
    for weight, mine, theirs in ((PAIRS_WEIGHT, wanted[0], first), (1 - PAIRS_WEIGHT, wanted[1], second)):
        if mine and theirs:
            score += weight * len(mine.intersection(theirs.split())) / math.sqrt(len(mine) * (theirs.count(" ") + 1))
    return score
