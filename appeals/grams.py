"""How alike two texts read, without a word segmenter.

A text is known by two sets of pieces:

- its **pairs**: adjacent Chinese characters (村口水井 and 水井没水 share 水井) and three-letter pieces of other
  words (so "streetlight" and "street lights" are alike);
- its **character trigrams**, as PostgreSQL's pg_trgm makes them: each run of letters and digits, lower-cased,
  with two blanks before it and one after, cut into every three characters in a row.

Each set is compared by its cosine (shared pieces over the geometric mean of both sizes, so a short typed
problem is not outweighed by a long appeal that holds all of it). The pairs say best whether two appeals are
about the same problem: Chinese is written in two-character words (路灯, 水井) that trigrams cut across, so
水井没有水了 and 村口的水井干了，一个星期没有水 share 2 of 8 trigrams but 4 of 5 pairs. Similar appeals are
nonetheless ranked by ``likeness``, 0.8 of the trigram cosine and 0.2 of the pairs', so the five offered are,
nine times in ten at least, the five that exact character-trigram cosine finds (the yardstick the platform
was given; bench/similarity_quality.py and docs/performance.md measure both)."""

import math
import re

CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
WORD = re.compile(r"[^\W\d_\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,}|\d+")
#: What pg_trgm cuts into trigrams: runs of letters and digits (anything else, "_" too, separates them).
RUN = re.compile(r"[^\W_]+")
#: Words so common in appeals that sharing them says nothing (in the pairs only).
STOP = frozenset("the and for with that this there have has not our are was from but please".split())
#: How much the pairs count; the trigrams count the rest.
PAIRS_WEIGHT = 0.2


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


def cosine(a: frozenset, b: frozenset) -> float:
    return len(a & b) / math.sqrt(len(a) * len(b)) if a and b else 0.0


def blend(pairs_cosine: float, trigrams_cosine: float) -> float:
    return PAIRS_WEIGHT * pairs_cosine + (1 - PAIRS_WEIGHT) * trigrams_cosine


def likeness(a: tuple, b: tuple) -> float:
    """How alike two profiles rank, 0 (nothing shared) to 1 (the same pieces)."""
    return blend(cosine(a[0], b[0]), cosine(a[1], b[1]))


#: An appeal is compared by its beginning (where residents name the problem; most appeals are shorter): its
#: first STORED_CHARACTERS, or fewer, so that each set takes at most PART_BYTES and both fit in one index entry
#: (PostgreSQL's limit is 2,704 bytes).
STORED_CHARACTERS, PART_BYTES = 250, 1200
#: Between the pairs and the trigrams in a stored profile.
SEPARATOR = " | "


def stored(text: str) -> str:
    """The profile of ``text``'s beginning as one string (stored beside an appeal's body, so comparing reads
    it back instead of working it out again for every appeal)."""
    length = STORED_CHARACTERS
    while True:
        parts = [" ".join(sorted(part)) for part in profile((text or "")[:length])]
        if length <= 1 or all(len(part.encode()) <= PART_BYTES for part in parts):
            return SEPARATOR.join(parts)
        length = length * 3 // 4


def cosines_to_stored(wanted: tuple, value: str) -> tuple[float, float]:
    """The cosines of the pairs and of the trigrams of the profile ``wanted`` and the one ``stored`` into
    ``value``, without building sets (thousands per keystroke)."""
    first, _, second = (value or "").partition(SEPARATOR)
    return tuple(len(mine.intersection(theirs.split())) / math.sqrt(len(mine) * (theirs.count(" ") + 1))
                 if mine and theirs else 0.0 for mine, theirs in ((wanted[0], first), (wanted[1], second)))
