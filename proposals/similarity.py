"""How alike two appeals read, without a word segmenter.

Chinese is compared by pairs of adjacent characters (水井 and 井水 share nothing, 村口水井 and 水井没水 share
水井), other scripts by three-letter pieces of words (so "streetlight" and "street lights" are alike).
Texts become sets of such grams, and two sets are compared with the Dice coefficient: twice the shared
grams over the sum of both sizes, 0 (nothing shared) to 1 (the same grams)."""

import re
from datetime import timedelta

from sqlalchemy import select

from accounts.db import db, utcnow
from accounts.regions import region_tree
from proposals.appeals import WAITING, Appeal, AppealStatus

CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
WORD = re.compile(r"[^\W\d_\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,}|\d+")
#: Words so common in appeals that sharing them says nothing.
STOP = frozenset("the and for with that this there have has not our are was from but please".split())

#: Below this, two appeals are not offered as the same problem.
SUGGEST_AT = 0.25
#: Officials' groups are stricter: a group is answered at once.
GROUP_AT = 0.35
#: Recent open appeals of the township compared with what is typed: a repeated problem is a recent one.
CANDIDATES = 300


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
        padded = f" {word} "
        found.update(padded[i:i + 3] for i in range(len(padded) - 2))
    return frozenset(found)


def likeness(a: frozenset, b: frozenset) -> float:
    """Dice coefficient of two gram sets."""
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def similar_appeals(text: str, village, *, category=None, exclude_id=None, limit=5, days=90):
    """Open public appeals about the same area (the village's township) that read like ``text``, best first,
    as (appeal, likeness) pairs. Only the most recent few hundred are compared (CANDIDATES)."""
    wanted = grams(text)
    if len(wanted) < 2 or village is None:
        return []
    tree = region_tree()
    path = tree.path(village.id)
    area = path[-2] if len(path) > 1 else village.id  # the township
    # Only what the comparison needs (the bodies), then the few appeals worth showing in full.
    query = (select(Appeal.id, Appeal.body, Appeal.region_id, Appeal.category_id)
             .where(Appeal.region_id.in_(tree.subtree(area)), Appeal.public.is_(True),
                    Appeal.status.in_((*WAITING, AppealStatus.ANSWERED)),
                    Appeal.created_at > utcnow() - timedelta(days=days))
             .order_by(Appeal.id.desc()).limit(CANDIDATES))
    if exclude_id is not None:
        query = query.where(Appeal.id != exclude_id)
    scored = []
    for appeal_id, body, region_id, category_id in db.session.execute(query):
        score = likeness(wanted, grams(body))
        if region_id == village.id:
            score += 0.05  # the same village makes the same problem more likely
        if category is not None and category_id == category.id:
            score += 0.05
        if score >= SUGGEST_AT:
            scored.append((appeal_id, min(score, 1.0)))
    scored = sorted(scored, key=lambda pair: (-pair[1], -pair[0]))[:limit]
    loaded = {a.id: a for a in db.session.scalars(select(Appeal).where(Appeal.id.in_([i for i, _s in scored])))}
    return [(loaded[i], score) for i, score in scored if i in loaded]


def group_similar(appeals, threshold=GROUP_AT) -> list[list]:
    """Appeals about the same problem in the same village, as groups of two or more, biggest first
    (single-link: A is like B and B like C puts all three together)."""
    parent = {a.id: a.id for a in appeals}

    def root(node):
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    by_village: dict[int, list] = {}
    for appeal in appeals:
        by_village.setdefault(appeal.region_id, []).append((appeal, grams(appeal.body)))
    for members in by_village.values():
        for i, (a, ga) in enumerate(members):
            for b, gb in members[i + 1:]:
                if likeness(ga, gb) >= threshold:
                    parent[root(a.id)] = root(b.id)
    groups: dict[int, list] = {}
    for appeal in appeals:
        groups.setdefault(root(appeal.id), []).append(appeal)
    found = [sorted(g, key=lambda a: a.id) for g in groups.values() if len(g) > 1]
    return sorted(found, key=lambda g: (-len(g), g[0].id))
