"""Appeals that read alike: suggested while a resident types (so a problem already reported is joined, not
reported again) and grouped for officials (so it is answered once). How alike: ``appeals.grams``."""

from datetime import timedelta

from sqlalchemy import select

from accounts.regions import region_tree
from appeals.grams import blend, cosine, cosines_to_stored, pairs, profile
from appeals.models import WAITING, Appeal, AppealStatus
from appeals.queries import PUBLIC
from core.db import db, utcnow

#: Below this, two appeals are not offered as the same problem.
SUGGEST_AT = 0.25
#: Officials' groups are stricter: a group is answered at once.
GROUP_AT = 0.35
#: At most this many appeals (the most recent of the township) are compared with what is typed.
COMPARED_MAX = 10_000


def similar_appeals(text: str, village, *, category=None, exclude_id=None, limit=5, days=90):
    """Open public appeals about the same area (the village's township) that read like ``text``, best first,
    as (appeal, likeness) pairs; the same village and the same category count a little more. An appeal is
    offered when its pairs or its likeness say it reads alike (``appeals.grams``)."""
    scored = []
    for appeal_id, rank, alike, region_id, category_id in candidates(text, village, exclude_id=exclude_id,
                                                                      days=days):
        bonus = 0.05 if region_id == village.id else 0.0  # the same village makes the same problem likelier
        if category is not None and category_id == category.id:
            bonus += 0.05
        if max(rank, alike) + bonus >= SUGGEST_AT:
            scored.append((appeal_id, min(rank + bonus, 1.0)))
    scored = sorted(scored, key=lambda pair: (-pair[1], -pair[0]))[:limit]
    loaded = {a.id: a for a in db.session.scalars(select(Appeal).where(Appeal.id.in_([i for i, _s in scored])))}
    return [(loaded[i], score) for i, score in scored if i in loaded]


def in_scope(village, *, days=90):
    """Where similar appeals are looked for: public, open or answered appeals of the village's township,
    of the last ``days`` days (a repeated problem is a recent one)."""
    tree = region_tree()
    path = tree.path(village.id)
    area = path[-2] if len(path) > 1 else village.id  # the township
    return (Appeal.region_id.in_(tree.subtree(area)), PUBLIC,
            Appeal.status.in_((*WAITING, AppealStatus.ANSWERED)),
            Appeal.created_at > utcnow() - timedelta(days=days))


def candidates(text: str, village, *, exclude_id=None, days=90) -> list[tuple[int, float, float, int, int]]:
    """Every appeal in scope (up to COMPARED_MAX, the most recent) with how much it reads like ``text``, as
    (id, likeness, cosine of pairs, village id, category id), best likeness first. Exact, not approximate:
    the scope is a township's last three months, a few thousand appeals at the size of a province, read from one index
    (``ix_appeals_joinable``) with the grams stored beside each body."""
    wanted = profile(text)
    if len(wanted[0]) < 2 or village is None:
        return []
    query = (select(Appeal.id, Appeal.body_grams, Appeal.region_id, Appeal.category_id)
             .where(*in_scope(village, days=days)).order_by(Appeal.created_at.desc()).limit(COMPARED_MAX))
    if exclude_id is not None:
        query = query.where(Appeal.id != exclude_id)
    scored = []
    for appeal_id, stored, region_id, category_id in db.session.execute(query):
        alike, trigrams = cosines_to_stored(wanted, stored)
        scored.append((appeal_id, blend(alike, trigrams), alike, region_id, category_id))
    return sorted(scored, key=lambda row: (-row[1], -row[0]))


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
        by_village.setdefault(appeal.region_id, []).append(appeal)
    for village_appeals in by_village.values():
        if len(village_appeals) < 2:  # alone in its village: nothing to compare it with
            continue
        members = [(appeal, pairs(appeal.body)) for appeal in village_appeals]
        for i, (a, ga) in enumerate(members):
            for b, gb in members[i + 1:]:
                if cosine(ga, gb) >= threshold:  # the pairs: whether it is the same problem
                    parent[root(a.id)] = root(b.id)
    groups: dict[int, list] = {}
    for appeal in appeals:
        groups.setdefault(root(appeal.id), []).append(appeal)
    found = [sorted(g, key=lambda a: a.id) for g in groups.values() if len(g) > 1]
    return sorted(found, key=lambda g: (-len(g), g[0].id))
