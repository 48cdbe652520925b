"""Proposals with heavy-tailed supports and crowdfunding pledges.

Supports per proposal follow a Pareto law and come from distinct residents of the proposal's scope (village,
township or county), after the proposal was created; supports_count, hot (``hot_score``), status and
qualified_at are derived from them, and a settled proposal is funded exactly when its pledges reached the goal
(as voting.pledges.settle decides)."""

from datetime import timedelta

from proposals.models import hot_score
from server.commands.scale.words import (
    ACTIONS_EN,
    ACTIONS_ZH,
    CATEGORIES,
    FILLER_EN,
    FILLER_ZH,
    PLACES_EN,
    PLACES_ZH,
    RARE,
    REASONS,
    TOPICS,
)
from voting.supports import threshold_for

PROPOSAL_COLUMNS = ["id", "title", "body", "language", "category_id", "region_id", "author_id", "status", "scope",
                    "latitude", "longitude", "address", "goal_minor", "currency", "deadline", "in_kind_counts",
                    "settled_at", "funded", "supports_count", "hot", "qualified_at", "closing_reason", "hidden_at",
                    "hidden_reason", "created_at"]


def fill(ctx) -> None:
    """Proposals over the last two years, their pledges and supports."""
    rng, now, facts, sizes = ctx.rng, ctx.now, ctx.facts, ctx.sizes
    parent_of, by_region = ctx.parent_of, ctx.by_region
    # Ids in creation order over two years; a heavy-tailed popularity per proposal.
    n, span = sizes.proposals, 2 * 365 * 86400 - 3600
    created = [now - timedelta(seconds=span * (1 - i / n)) for i in range(n)]
    village = rng.choices(facts.villages, weights=ctx.village_weights, k=n)
    scope = rng.choices(("village", "township", "county"), weights=(85, 12, 3), k=n)
    scope_region = [v if s == "village" else parent_of[v] if s == "township" else 1
                    for v, s in zip(village, scope, strict=True)]
    cap = [len(by_region[r]) for r in scope_region]
    popularity = [rng.paretovariate(1.3) for _ in range(n)]
    count = _spread(rng, sizes.supports, popularity, cap)
    category_id = {code: i + 1 for i, (code, _zh, _en) in enumerate(CATEGORIES)}
    rows, settled_goals = [], {}
    for i in range(n):
        pid, lang = i + 1, ("en" if rng.random() < 0.4 else "zh_Hans")
        zh_topic, en_topic, cat = rng.choice(TOPICS)
        title, body = _text(rng, lang, zh_topic, en_topic)
        status = rng.choices(("active", "rejected", "withdrawn", "expired"), weights=(92, 3, 3, 2))[0]
        reached = count[i] >= threshold_for(cap[i])
        qualified_at = created[i] + timedelta(days=rng.uniform(1, 60)) if reached else None
        if qualified_at and qualified_at > now:
            qualified_at = now - timedelta(minutes=1)
        # Only a proposal that reached its threshold can be qualified, or accepted by officials (as a project), and
        # such a proposal never expires.
        if status == "expired" and reached:
            status = "active"
        if status == "active":
            status = ("accepted" if rng.random() < 0.3 else "qualified") if reached else "open"
        reason = rng.choice(REASONS) if status in ("rejected", "withdrawn") else None
        lat = lon = address = None
        if rng.random() < 0.4:
            lat, lon = round(25.0 + rng.uniform(-0.5, 0.5), 6), round(102.7 + rng.uniform(-0.5, 0.5), 6)
        if rng.random() < 0.3:
            address = rng.choice(PLACES_ZH) + "附近"
        goal = deadline = settled = None
        if rng.random() < (0.4 if reached else 0.12):  # popular proposals draw backers with money too
            goal = rng.randint(50, 5000) * 10_000  # 500 to 50,000 yuan, in fen
            deadline = created[i] + timedelta(days=rng.uniform(30, 120))
            if deadline <= now:
                settled = deadline + timedelta(hours=1)
                settled_goals[pid] = goal
        hidden = now - timedelta(days=1) if rng.random() < 0.003 else None
        if hidden is None:
            facts.visible_ids.append(pid)
        rows.append([pid, title, body, lang, category_id[cat], village[i], rng.choice(by_region[village[i]]),
                     status, scope[i], lat, lon, address, goal, "CNY", deadline, rng.random() < 0.3, settled, None,
                     count[i], hot_score(count[i], created[i]), qualified_at, reason, hidden,
                     "Reported as abusive" if hidden else None, created[i]])
    ctx.lap("proposals generated")

    pledges = _pledges(rng, rows, by_region, scope_region, now, settled_goals)
    for row in rows:
        if row[0] in settled_goals:
            row[17] = settled_goals[row[0]]  # funded: decided from the pledges, like voting.pledges.settle
    ctx.load.copy("proposals", PROPOSAL_COLUMNS, rows)
    ctx.load.sequences("proposals")
    ctx.lap("proposals")
    ctx.load.copy("pledges", ["id", "proposal_id", "backer_id", "kind", "amount_minor", "currency", "hours", "skill",
                              "availability", "description", "quantity", "unit", "estimated_value_minor",
                              "anonymous", "status", "created_at", "closed_at"], pledges)
    ctx.load.sequences("pledges")
    ctx.lap("pledges")

    def supports():
        sid = 0
        for i in range(n):
            end = min(now, rows[i][14] or now)
            window = max((end - created[i]).total_seconds(), 60)
            for uid in sorted(rng.sample(by_region[scope_region[i]], count[i])):
                sid += 1
                yield (sid, i + 1, uid, created[i] + timedelta(seconds=rng.uniform(0, window)))

    ctx.load.copy("supports", ["id", "proposal_id", "user_id", "created_at"], supports())
    ctx.load.sequences("supports")
    ctx.lap("supports")
    ctx.accepted = [(r[0], r[5], r[4], r[1], r[24]) for r in rows if r[7] == "accepted" and r[22] is None]
    facts.counts.update({
        "proposals": n, "supports": sum(count), "pledges": len(pledges),
        "max supports on one proposal": max(count, default=0), "median supports": sorted(count)[n // 2] if n else 0,
        "proposals with a future deadline": sum(1 for r in rows if r[14] and r[14] > now),
        "hidden proposals": n - len(facts.visible_ids)})
    facts.search_terms = _term_counts(rows)


def _spread(rng, total, weights, cap):
    """Integer counts proportional to ``weights`` that sum to ``total`` and never exceed ``cap``."""
    total = min(total, sum(cap))
    count = [0] * len(weights)
    left = total
    while left > 0:
        open_ = [i for i in range(len(weights)) if count[i] < cap[i]]
        mass = sum(weights[i] for i in open_)
        given = 0
        for i in open_:
            add = min(cap[i] - count[i], int(left * weights[i] / mass))
            count[i] += add
            given += add
        if given == 0:  # the remainder, one at a time, to random proposals with room
            for i in rng.sample(open_, min(left, len(open_))):
                count[i] += 1
                given += 1
        left -= given
    return count


def _text(rng, lang, zh_topic, en_topic):
    extra = rng.random() < 0.002
    if lang == "en":
        title = f"{rng.choice(ACTIONS_EN)} {en_topic} {rng.choice(PLACES_EN)}"
        sentences = [f"The {en_topic} {rng.choice(PLACES_EN)} needs attention."]
        sentences += rng.choices(FILLER_EN, k=rng.randint(2, 7))
        if extra:
            sentences.append(f"We could also start {RARE[1]} here.")
        return title, " ".join(sentences)
    title = f"{rng.choice(PLACES_ZH)}{zh_topic}{rng.choice(ACTIONS_ZH)}"
    sentences = [f"{rng.choice(PLACES_ZH)}的{zh_topic}需要{rng.choice(ACTIONS_ZH)}。"]
    sentences += rng.choices(FILLER_ZH, k=rng.randint(2, 8))
    if extra:
        sentences.append(rng.choice((f"还可以顺便办一个{RARE[0]}。", f"村里还可以发展{RARE[2]}。")))
    return title, "".join(sentences)


def _pledges(rng, rows, by_region, scope_region, now, settled_goals):
    """0–15 pledges per proposal with a goal; settled proposals get committed or released ones."""
    out, pid_seq = [], 0
    for i, row in enumerate(rows):
        goal, deadline = row[12], row[14]
        if goal is None:
            continue
        live_total, made = 0, []
        for _ in range(rng.randint(0, 15)):
            pid_seq += 1
            kind = rng.choices(("money", "hours", "materials"), weights=(70, 20, 10))[0]
            amount = hours = skill = description = quantity = unit = value = None
            if kind == "money":
                amount = rng.randint(1, 5000) * 100
            elif kind == "hours":
                hours, skill, value = rng.randint(1, 40), rng.choice(["carpentry", "电工", "driving"]), None
            else:
                description, quantity, unit = rng.choice(["水泥", "gravel", "木材"]), rng.randint(1, 50), "袋"
                value = rng.randint(10, 500) * 100
            when = row[24] + (min(deadline, now) - row[24]) * rng.random()
            cancelled = rng.random() < 0.05
            if not cancelled:  # what voting.pledges.progress counts toward the goal
                live_total += amount if kind == "money" else (value or 0) if row[15] else 0
            made.append([pid_seq, row[0], rng.choice(by_region[scope_region[i]]), kind, amount, "CNY", hours, skill,
                         None, description, quantity, unit, value, rng.random() < 0.2,
                         "cancelled" if cancelled else "pledged", when, when + timedelta(hours=1) if cancelled else None])
        if row[0] in settled_goals:
            funded = live_total >= goal and row[7] in ("open", "qualified")
            settled_goals[row[0]] = funded
            for p in made:
                if p[14] == "pledged":
                    p[14], p[16] = ("committed" if funded else "released"), row[16]
        out.extend(made)
    return out


def _term_counts(rows):
    terms = {"zh": TOPICS[0][0], "en": TOPICS[0][1], "zh_rare": RARE[0], "en_rare": RARE[1], "zh_rare2": RARE[2]}
    result = {}
    for key, term in terms.items():
        low = term.lower()
        result[key] = (term, sum(1 for r in rows if low in r[1].lower() or low in r[2].lower()))
    return result
