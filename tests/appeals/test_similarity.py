"""Similar appeals: every joinable appeal of the township's last three months is compared (not only the
latest few), by the grams stored beside each body, which follow the body when it changes."""

from datetime import timedelta

import pytest
from sqlalchemy import insert

from appeals.grams import cosine, cosines_to_stored, likeness, profile, stored
from appeals.models import Appeal
from appeals.similarity import SUGGEST_AT, candidates, similar_appeals
from core.db import db, utcnow


def stored_all(text):
    first, second = profile(text)
    return " ".join(sorted(first)) + " | " + " ".join(sorted(second))


def test_an_older_appeal_is_found_behind_hundreds_of_newer_ones(app, make_appeal, make_region):
    old = make_appeal(body="村口的水井漏水了，一个星期没有修")
    village, now = old.region, utcnow()
    township = db.session.get(type(village), village.parent_id)
    neighbour = make_region("village", parent=township)
    # 600 newer appeals about other things, in the same township (loaded in one statement).
    bodies = ["The bus shelter at the market has no roof", "学校门口的路灯不亮了", "垃圾桶满了没有人清理",
              "The football pitch floods when it rains"]
    db.session.execute(insert(Appeal), [
        {"title": bodies[i % 4], "body": bodies[i % 4], "body_grams": stored(bodies[i % 4]), "category_id": old.category_id,
         "region_id": neighbour.id, "department_id": old.department_id, "author_id": old.author_id,
         "receipt_code": f"W{i:03d}-AAAA", "status": "submitted", "due_at": now + timedelta(days=7),
         "month": old.month, "created_at": now - timedelta(minutes=600 - i)} for i in range(600)])
    db.session.commit()
    found = similar_appeals("水井漏水", neighbour)
    assert [appeal.id for appeal, _score in found] == [old.id]
    # Outside the township's last three months it is not offered.
    assert similar_appeals("水井漏水", neighbour, days=0) == []


def test_the_stored_grams_follow_the_body(app, make_appeal):
    appeal = make_appeal(body="The streetlight on the bridge is broken")
    assert min(cosines_to_stored(profile("street lights broken"), appeal.body_grams)) > 0.3
    appeal.body = "没有自来水"
    db.session.commit()
    db.session.expire_all()
    assert appeal.body_grams == stored("没有自来水")
    assert [row[0] for row in candidates("停水了，没有自来水", appeal.region)] == [appeal.id]


def test_a_short_typed_problem_is_not_outweighed_by_a_long_appeal():
    typed = profile("路灯坏了")
    long_one = profile("村口的路灯坏了。晚上很不方便，老人和孩子尤其危险。已经反映过几次，希望这次能解决。")
    other = profile("路边的树倒了")
    assert cosine(typed[0], long_one[0]) > SUGGEST_AT > max(cosine(typed[0], other[0]), likeness(typed, other))
    shorter = "村口的路灯坏了。晚上很不方便"
    assert cosines_to_stored(typed, stored(shorter)) == pytest.approx(
        (cosine(typed[0], profile(shorter)[0]), cosine(typed[1], profile(shorter)[1])))


def test_a_long_appeal_is_filed_and_found_by_its_beginning(app, make_appeal):
    """The longest appeal a resident may write: all its grams are far more than an index entry can hold, so it
    is compared by its beginning."""
    import random

    rng = random.Random(5)
    characters = "水井路灯学校垃圾桥梁村口老人孩子医生公交车站排水沟广场健身绿化监控网络灌溉护栏幼儿园"
    body = "".join(rng.choice(characters) for _ in range(4990))
    appeal = make_appeal(body=body)
    assert len(stored_all(body).encode()) > 2704 >= len(appeal.body_grams.encode())
    assert [row[0] for row in candidates(body[:200], appeal.region)] == [appeal.id]


def test_the_trigrams_are_pg_trgms(postgres_scratch_url):
    """The likeness the platform promises to agree with is the cosine of PostgreSQL's own trigrams: the ones
    worked out here give, text for text, the similarity pg_trgm gives (shared over all, of the same sets)."""
    import psycopg

    from appeals.grams import trigrams

    texts = ["村口的水井干了，一个星期没有水", "水井没有水了", "The streetlight at the bridge is broken",
             "broken street_lights near bridge 12", "路灯坏了 lamp", "ÉCOLE fermée", "a", "12345"]
    with psycopg.connect(postgres_scratch_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for a in texts:
            for b in texts:
                ta, tb = trigrams(a), trigrams(b)
                ours = len(ta & tb) / len(ta | tb)
                theirs = conn.execute("SELECT similarity(%s, %s)", (a, b)).fetchone()[0]
                assert abs(ours - theirs) < 1e-6, (a, b, ours, theirs)
