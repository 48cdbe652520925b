"""Deterministic synthetic appeals for the appeals benchmark, loaded with PostgreSQL COPY on top of the
regions, categories and residents of ``fill.fill``: one department per category, one official each, and
appeals spread over the last year with answers, resolutions, ratings and a timeline."""

import random
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from fill import CATEGORIES, FILLER_EN, FILLER_ZH, PLACES_EN, PLACES_ZH, TOPICS, _copy, _setval

RECEIPT = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PROBLEMS_ZH = ["坏了", "不亮了", "漏水", "堵了", "没人管", "太危险", "很脏", "停了三天"]
PROBLEMS_EN = ["is broken", "does not work", "leaks", "is blocked", "is dangerous", "is dirty", "stopped"]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def fill_appeals(conn, facts, *, appeals: int, residents: int, seed: int) -> dict:
    """Departments, officials and ``appeals`` appeals; returns what the measurements need."""
    rng = random.Random(seed + 1)
    now = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    timings, clock = {}, time.perf_counter()

    def lap(name):
        nonlocal clock
        conn.commit()
        timings[name] = time.perf_counter() - clock
        clock = time.perf_counter()

    departments = [(i + 1, f"dept-{code}", f"{zh}局", f"{en} office", 1, None)
                   for i, (code, zh, en) in enumerate(CATEGORIES)]
    _copy(conn, "departments", ["id", "code", "name_zh", "name_en", "region_id", "answer_days"], departments)
    _copy(conn, "department_categories", ["department_id", "category_id"], [(d[0], d[0]) for d in departments])
    _setval(conn, "departments")
    first_official = residents + 1
    officials = [(first_official + i, None, f"official{i + 1}@example.org", "x", f"Official {i + 1}", "official",
                  None, None, None, "en", True, 1, now, d[0]) for i, d in enumerate(departments)]
    _copy(conn, "users", ["id", "phone", "email", "password_hash", "display_name", "role", "region_id",
                          "verified_at", "verification_method", "locale", "active", "session_version",
                          "created_at", "department_id"], officials)
    _setval(conn, "users")
    lap("departments and officials")

    codes, rows, events, ratings = set(), [], [], []
    villages, span = facts.villages, 365 * 86400
    weights = [rng.uniform(0.4, 1.6) for _ in villages]
    homes = rng.choices(villages, weights=weights, k=appeals)
    for i in range(appeals):
        aid = i + 1
        created = now - timedelta(seconds=span * (1 - i / appeals) + 60)
        age = (now - created).total_seconds()
        category = rng.randint(1, len(CATEGORIES))
        lang = "en" if rng.random() < 0.3 else "zh_Hans"
        zh_topic, en_topic, _cat = rng.choice(TOPICS)
        body = (f"The {en_topic} {rng.choice(PLACES_EN)} {rng.choice(PROBLEMS_EN)}. "
                + " ".join(rng.choices(FILLER_EN, k=rng.randint(1, 3))) if lang == "en" else
                f"{rng.choice(PLACES_ZH)}的{zh_topic}{rng.choice(PROBLEMS_ZH)}。" + "".join(rng.choices(FILLER_ZH, k=2)))
        while True:
            raw = "".join(rng.choices(RECEIPT, k=8))
            if raw not in codes:
                codes.add(raw)
                break
        hours = rng.lognormvariate(3.5, 1.0)  # median about 33 hours to the first answer
        answered = created + timedelta(hours=hours) if hours * 3600 < age else None
        due = created + timedelta(days=7)
        if answered is None:
            status = rng.choice(("submitted", "accepted", "in_progress"))
        else:
            status = rng.choices(("resolved", "answered", "rejected", "duplicate"), weights=(65, 20, 8, 7))[0]
        closed = answered + timedelta(hours=rng.uniform(1, 72)) if status in ("resolved", "rejected", "duplicate") \
            and answered and (answered + timedelta(hours=72)) < now else None
        if status in ("resolved", "rejected", "duplicate") and closed is None:
            status = "answered"
        reopened = 1 if status != "resolved" and answered and rng.random() < 0.03 else 0
        author = rng.randint(1, residents)
        rows.append((aid, f"{raw[:4]}-{raw[4:]}", body, lang, category, homes[i], author, category, "web",
                     rng.random() < 0.9, status, due, answered, int(hours * 3600) if answered else None,
                     (answered > due) if answered else None,
                     created.astimezone(SHANGHAI).strftime("%Y-%m"), closed,
                     "Not the county's task." if status == "rejected" else None, reopened,
                     min(int(rng.paretovariate(1.6)) - 1, 500), created, answered or created))
        events.append((aid, "submitted", author, None, True, "{}", created))
        if answered:
            events.append((aid, "answered", first_official + category - 1,
                           "已安排人员处理。" if lang != "en" else "A team is on it.", True, "{}", answered))
            if rng.random() < 0.2:
                ratings.append((aid, author, rng.choices((1, 2, 3, 4, 5), weights=(5, 8, 15, 35, 37))[0], answered))
    _copy(conn, "appeals", ["id", "receipt_code", "body", "language", "category_id", "region_id", "author_id",
                            "department_id", "channel", "public", "status", "due_at", "answered_at",
                            "response_seconds", "answered_late", "month", "closed_at", "closing_reason", "reopened_count",
                            "cosigns_count", "created_at", "updated_at"], rows)
    _setval(conn, "appeals")
    lap("appeals")
    _copy(conn, "appeal_events", ["appeal_id", "kind", "actor_id", "body", "public", "params", "created_at"], events)
    _copy(conn, "appeal_ratings", ["appeal_id", "user_id", "score", "created_at"], ratings)
    lap("timeline and ratings")
    public = [r[0] for r in rows if r[9]]
    waiting = {d[0]: [r[0] for r in rows if r[7] == d[0] and r[10] in ("submitted", "accepted", "in_progress")]
               for d in departments}
    return {"timings": timings, "officials": {d[0]: first_official + i for i, d in enumerate(departments)},
            "public_ids": public, "waiting": waiting, "counts": {
                "appeals": len(rows), "timeline events": len(events), "ratings": len(ratings),
                "waiting for an answer": sum(len(v) for v in waiting.values()),
                "public": len(public)}, "texts": [(r[2], r[5], r[4]) for r in rows[-2000:]]}
