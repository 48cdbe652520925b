"""A year of appeals to the departments: answered (most within days, some late), resolved, rejected or
closed as duplicates, some reopened, co-signed by neighbours and rated, each with its public timeline."""

from datetime import timedelta

from appeals.grams import stored as stored_grams
from appeals.models import RECEIPT_LETTERS
from appeals.titles import title_from
from core.db import local_zone
from server.commands.scale.words import FILLER_EN, FILLER_ZH, PLACES_EN, PLACES_ZH, PROBLEMS_EN, PROBLEMS_ZH, TOPICS
from wire.protocol import RECEIPT_ALPHABET

APPEAL_COLUMNS = ["id", "receipt_code", "title", "body", "body_grams", "language", "category_id", "region_id", "author_id",
                  "department_id", "channel", "public", "status", "due_at", "answered_at", "response_seconds",
                  "answered_late", "month", "closed_at", "closing_reason", "reopened_count", "cosigns_count",
                  "created_at", "updated_at"]
WAITING = ("submitted", "accepted", "in_progress")


def body_of(rng, lang: str) -> str:
    """A short appeal about a local problem, as residents write them."""
    zh_topic, en_topic, _cat = rng.choice(TOPICS)
    if lang == "en":
        return (f"The {en_topic} {rng.choice(PLACES_EN)} {rng.choice(PROBLEMS_EN)}. "
                + " ".join(rng.choices(FILLER_EN, k=rng.randint(1, 3))))
    return f"{rng.choice(PLACES_ZH)}的{zh_topic}{rng.choice(PROBLEMS_ZH)}。" + "".join(rng.choices(FILLER_ZH, k=2))


def fill(ctx) -> None:
    """``sizes.appeals`` appeals over the last year, with events, co-signs and ratings."""
    rng, now, facts, zone = ctx.rng, ctx.now, ctx.facts, local_zone()  # an appeal's month is the residents'
    n, span, residents = ctx.sizes.appeals, 365 * 86400, ctx.sizes.users
    homes = rng.choices(facts.villages, weights=ctx.village_weights, k=n)
    codes, rows, events, ratings, cosigns = set(), [], [], [], []
    for i in range(n):
        aid, village = i + 1, homes[i]
        created = now - timedelta(seconds=span * (1 - i / n) + 60)
        age = (now - created).total_seconds()
        category = rng.choice(facts.categories)
        lang = "en" if rng.random() < 0.3 else "zh_Hans"
        body = body_of(rng, lang)
        while True:
            raw = rng.choice(RECEIPT_LETTERS) + "".join(rng.choices(RECEIPT_ALPHABET, k=7))
            if raw not in codes:
                codes.add(raw)
                break
        hours = rng.lognormvariate(3.5, 1.0)  # median about 33 hours to the first answer
        answered = created + timedelta(hours=hours) if hours * 3600 < age else None
        due = created + timedelta(days=7)
        if answered is None:
            status = rng.choice(WAITING)
        else:
            status = rng.choices(("resolved", "answered", "rejected", "duplicate"), weights=(65, 20, 8, 7))[0]
        closed = answered + timedelta(hours=rng.uniform(1, 72)) if answered and status != "answered" \
            and answered + timedelta(hours=72) < now else None
        if status in ("resolved", "rejected", "duplicate") and closed is None:
            status = "answered"
        reopened = 1 if status != "resolved" and answered and rng.random() < 0.03 else 0
        neighbours = ctx.by_region[village] or ctx.by_region[ctx.parent_of[village]]
        author = rng.choice(neighbours) if neighbours else rng.randint(1, residents)
        signers = sorted(set(rng.sample(neighbours, min(int(rng.paretovariate(1.6)) - 1, 200, len(neighbours))))
                         - {author})
        cosigns += [(aid, uid, created + timedelta(hours=rng.uniform(0, 48))) for uid in signers]
        rows.append((aid, f"{raw[:4]}-{raw[4:]}", title_from(body), body, stored_grams(body), lang, category, village,
                     author, category, "web",
                     rng.random() < 0.9, status, due, answered, int(hours * 3600) if answered else None,
                     (answered > due) if answered else None, created.astimezone(zone).strftime("%Y-%m"), closed,
                     "Not the county's task." if status == "rejected" else None, reopened, len(signers),
                     created, closed or answered or created))
        events.append((aid, "submitted", author, None, True, {}, created))
        if answered:
            events.append((aid, "answered", facts.officials[category],
                           "已安排人员处理。" if lang != "en" else "A team is on it.", True, {}, answered))
            if closed:
                events.append((aid, status, facts.officials[category], None, True, {}, closed))
            if rng.random() < 0.2:
                ratings.append((aid, author, rng.choices((1, 2, 3, 4, 5), weights=(5, 8, 15, 35, 37))[0], answered))
    ctx.load.copy("appeals", APPEAL_COLUMNS, rows)
    ctx.load.sequences("appeals")
    ctx.lap("appeals")
    ctx.load.copy("appeal_events", ["appeal_id", "kind", "actor_id", "body", "public", "params", "created_at"],
                  events)
    ctx.load.copy("appeal_cosigns", ["appeal_id", "user_id", "created_at"], cosigns)
    ctx.load.copy("appeal_ratings", ["appeal_id", "user_id", "score", "created_at"], ratings)
    ctx.load.sequences("appeal_events", "appeal_ratings")
    ctx.lap("timelines, co-signs and ratings")
    facts.public_appeal_ids = [r[0] for r in rows if r[10]]
    facts.waiting = {d: [r[0] for r in rows if r[8] == d and r[11] in WAITING] for d in facts.officials}
    facts.appeal_texts = [(r[2], r[6], r[5]) for r in rows[-2000:]]
    facts.counts.update({"appeals": n, "timeline events": len(events), "co-signs": len(cosigns),
                         "appeal ratings": len(ratings),
                         "appeals waiting for an answer": sum(len(v) for v in facts.waiting.values()),
                         "public appeals": len(facts.public_appeal_ids)})
