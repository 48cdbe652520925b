"""Regions, categories, residents, departments and their staff."""

import secrets
from datetime import timedelta

from server.commands.scale.places import places
from server.commands.scale.words import CATEGORIES, EN_NAMES, GIVEN, SURNAMES, TOWN_EN, TOWN_ZH

#: Staff logins (all with the demo password): admin, moderator, and one official per department.
ADMIN_EMAIL, MODERATOR_EMAIL = "admin@example.org", "moderator@example.org"


def resident_phone(user_id: int) -> str:
    """The login of generated resident ``user_id`` (E.164, as core.validation.normalize_phone gives)."""
    return f"+86139{user_id:08d}"


def regions(ctx) -> None:
    """One county, its townships and villages (spread evenly over the townships), and the categories."""
    sizes, rng, facts = ctx.sizes, ctx.rng, ctx.facts
    rows = [(1, "530121", "county", None, "凤仪县", "Fengyi County")]
    ctx.parent_of[1] = None
    for t in range(sizes.townships):
        rid = 2 + t
        rows.append((rid, f"530121-{101 + t}", "township", 1, f"{TOWN_ZH[t % 12]}{t // 12 or ''}镇",
                     f"{TOWN_EN[t % 12]}{t // 12 or ''} Township"))
        ctx.parent_of[rid] = 1
        facts.townships.append(rid)
    for v in range(sizes.villages):
        rid, town = 2 + sizes.townships + v, facts.townships[v % sizes.townships]
        rows.append((rid, f"530121-{99 + town}-{v // sizes.townships + 1:03d}", "village", town,
                     f"{rng.choice(TOWN_ZH)}{rng.choice('东南西北上下')}村{v}",
                     f"{rng.choice(TOWN_EN)} {rng.choice(['East', 'West', 'Upper', 'Lower'])} Village {v}"))
        ctx.parent_of[rid] = town
        facts.villages.append(rid)
    shapes = places(sizes.townships, sizes.villages)  # outlines and centres, for the maps
    ctx.load.copy("regions", ["id", "code", "level", "parent_id", "name_zh", "name_en", "outline", "centre_latitude",
                              "centre_longitude"], [(*row, *shapes[i]) for i, row in enumerate(rows)])
    # Servers already running hold the region tree in memory: a new token makes them read it again.
    ctx.load.copy("revisions", ["name", "token"], [("regions", secrets.token_hex(8))])
    ctx.load.copy("categories", ["id", "code", "active", "name_zh", "name_en"],
                  [(i + 1, code, True, zh, en) for i, (code, zh, en) in enumerate(CATEGORIES)])
    facts.categories = [i + 1 for i in range(len(CATEGORIES))]
    ctx.load.sequences("regions", "categories")
    ctx.by_region = {rid: [] for rid, *_ in rows}
    ctx.village_weights = [rng.uniform(0.4, 1.6) for _ in facts.villages]
    facts.counts.update(regions=len(rows), categories=len(CATEGORIES))
    ctx.lap("regions and categories")


def residents(ctx) -> None:
    """Verified residents in villages of uneven size, registered over the two years before the last."""
    rng, start = ctx.rng, ctx.now - timedelta(days=3 * 365)
    homes = rng.choices(ctx.facts.villages, weights=ctx.village_weights, k=ctx.sizes.users)

    def rows():
        for uid, village in enumerate(homes, start=1):
            created = start + timedelta(seconds=rng.uniform(0, 2 * 365 * 86400))
            name = (rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
                    if rng.random() < 0.75 else f"{rng.choice(EN_NAMES)} {uid}")
            for rid in (village, ctx.parent_of[village], 1):
                ctx.by_region[rid].append(uid)
            yield (uid, resident_phone(uid), None, ctx.password_hash, name, "resident", village,
                   created + timedelta(days=1), rng.choice(("census", "in_person")), None, True, 1, created)

    ctx.load.copy("users", ["id", "phone", "email", "password_hash", "display_name", "role", "region_id",
                            "verified_at", "verification_method", "locale", "active", "session_version",
                            "created_at"], rows())
    ctx.load.sequences("users")
    ctx.facts.counts["residents"] = ctx.sizes.users
    ctx.facts.logins.append(("resident", resident_phone(1), f"… {resident_phone(ctx.sizes.users)}"))
    ctx.lap("residents")


def staff(ctx) -> None:
    """One county department per category (answering in 7 days, with project funds), an official for each,
    a moderator and an admin."""
    facts, first = ctx.facts, ctx.sizes.users + 1
    departments = [(i + 1, f"dept-{code}", f"凤仪县{zh}局", f"Fengyi {en} Office", 1, 7, 50_000_000)
                   for i, (code, zh, en) in enumerate(CATEGORIES)]
    ctx.load.copy("departments", ["id", "code", "name_zh", "name_en", "region_id", "answer_days",
                                  "project_budget_minor"], departments)
    ctx.load.copy("department_categories", ["department_id", "category_id"], [(d[0], d[0]) for d in departments])
    ctx.load.sequences("departments")
    people = []
    for i, (dept, code, zh, _en, *_rest) in enumerate(departments):
        uid, email = first + i, f"{code.removeprefix('dept-')}@example.org"
        people.append((uid, email, f"{zh} 办事员", "official", None, dept))
        facts.officials[dept] = uid
        facts.logins.append(("official", email, zh))
    people.append((first + len(departments), MODERATOR_EMAIL, "内容审核员 周敏", "moderator", 1, None))
    people.append((first + len(departments) + 1, ADMIN_EMAIL, "系统管理员", "admin", None, None))
    facts.logins[:0] = [("admin", ADMIN_EMAIL, "系统管理员"), ("moderator", MODERATOR_EMAIL, "内容审核员 周敏")]
    ctx.load.copy("users", ["id", "email", "password_hash", "display_name", "role", "region_id", "department_id",
                            "locale", "active", "session_version", "created_at"],
                  [(uid, email, ctx.password_hash, name, role, region, dept, "zh_Hans", True, 1,
                    ctx.now - timedelta(days=3 * 365)) for uid, email, name, role, region, dept in people])
    ctx.load.sequences("users")
    facts.counts["departments"] = len(departments)
    ctx.lap("departments and staff")
