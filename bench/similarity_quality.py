"""How good the similar-appeal suggestions are at scale (bench/appeals_bench.py).

For a sample of texts a resident might type in a random village, the five appeals ``appeals.similarity``
returns are compared with the exact five best of the same scope (the township's joinable appeals of the last
three months) under three measures, computed here by brute force from the bodies:

- the cosine of plain character trigrams (pg_trgm's: each run of letters and digits padded, every three
  characters), the measure the platform promises to agree with (recall@5 at least 0.9), written here
  independently of the app's;
- the app's own (``appeals.grams.likeness``: 0.8 of that cosine, 0.2 of the cosine of pairs);
- the cosine of pairs alone (Chinese character pairs, three-letter pieces of other words; what the app used
  before).

Recall@5 counts a returned appeal as right when its exact score is at least the fifth best (ties count).
"Same problem@5" is the share of the five that name the typed problem's subject (路灯, "streetlight"…), as
generated, a measure of what a resident sees rather than of agreement between measures."""

import math
import re
import statistics

from sqlalchemy import select

from appeals.grams import likeness, pairs, profile
from appeals.models import Appeal
from appeals.similarity import candidates, in_scope
from server.commands.scale.words import PLACES_EN, PLACES_ZH, PROBLEMS_EN, PROBLEMS_ZH, TOPICS

RUN = re.compile(r"[^\W_]+")


def trigrams(text: str) -> set:
    found = set()
    for run in RUN.findall(text.lower()):
        padded = "  " + run + " "
        found.update(padded[i:i + 3] for i in range(len(padded) - 2))
    return found


def cosine(a, b) -> float:
    return len(a & b) / math.sqrt(len(a) * len(b)) if a and b else 0.0


def typed(rng):
    """A short appeal as typed, and the subject it is about."""
    zh, en, _category = rng.choice(TOPICS)
    if rng.random() < 0.6:
        return f"{rng.choice(PLACES_ZH)}的{zh}{rng.choice(PROBLEMS_ZH)}", zh
    return f"the {en} {rng.choice(PLACES_EN)} {rng.choice(PROBLEMS_EN)}", en


def measure(session, villages, rng, samples: int = 100) -> dict:
    """Recall@5 against each exact measure, and same problem@5 for the app and for each measure's own top 5."""
    measures = {"character-trigram cosine": lambda q, b: cosine(q[1], trigrams(b)),
                "app (0.8 trigrams, 0.2 pairs)": lambda q, b: likeness(q[0], profile(b)),
                "cosine of pairs": lambda q, b: cosine(q[0][0], pairs(b))}
    recall = {name: [] for name in measures}
    same = {name: [] for name in ["app", *measures]}
    scope_sizes = []
    for _ in range(samples):
        village = rng.choice(villages)
        text, subject = typed(rng)
        returned = [row[0] for row in candidates(text, village)[:5]]
        rows = session.execute(select(Appeal.id, Appeal.body).where(*in_scope(village))).all()
        if len(rows) < 5:
            continue
        scope_sizes.append(len(rows))
        body_of = dict(rows)
        same["app"].append(sum(subject in body_of[i].lower() for i in returned) / 5)
        query = (profile(text), trigrams(text))
        for name, score in measures.items():
            scores = {i: score(query, body) for i, body in rows}
            best = sorted(scores, key=lambda i: (-scores[i], -i))[:5]
            fifth = scores[best[-1]]
            recall[name].append(sum(scores[i] >= fifth - 1e-12 for i in returned) / 5)
            same[name].append(sum(subject in body_of[i].lower() for i in best) / 5)
    return {"samples": len(scope_sizes), "scope median": statistics.median(scope_sizes) if scope_sizes else 0,
            "recall": {k: statistics.mean(v) for k, v in recall.items() if v},
            "same problem": {k: statistics.mean(v) for k, v in same.items() if v}}
