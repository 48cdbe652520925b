"""Deterministic synthetic data for the proposals benchmark, loaded with PostgreSQL COPY.

Everything is drawn from one ``random.Random(seed)``; timestamps are anchored to today's midnight
(UTC), so the same seed on the same day gives the same database. Supports, supports_count, hot and
status are derived from each other exactly as the app would have left them."""

import math
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from proposals.models import hot_score

# (zh, en) pairs. The first word of each topic is what the search benchmark looks for.
TOPICS = [
    ("路灯", "streetlight", "lighting"), ("垃圾", "rubbish", "sanitation"), ("道路", "road", "roads"),
    ("桥梁", "bridge", "roads"), ("水井", "well", "water"), ("自来水", "tap water", "water"),
    ("学校", "school", "education"), ("卫生室", "clinic", "health"), ("广场", "square", "culture"),
    ("公交", "bus", "roads"), ("停车", "parking", "roads"), ("排水沟", "drain", "water"),
    ("篮球场", "basketball court", "culture"), ("图书室", "library", "education"), ("养老", "elderly care", "elderly"),
    ("菜市场", "market", "agriculture"), ("公厕", "public toilet", "sanitation"), ("绿化", "trees", "sanitation"),
    ("监控", "camera", "safety"), ("网络", "internet", "culture"), ("灌溉", "irrigation", "agriculture"),
    ("护栏", "guardrail", "safety"), ("幼儿园", "kindergarten", "education"), ("健身", "fitness", "culture"),
]
CATEGORIES = [("roads", "道路交通", "Roads and transport"), ("water", "供水排水", "Water and drainage"),
              ("lighting", "照明", "Lighting"), ("sanitation", "环境卫生", "Sanitation"),
              ("education", "教育", "Education"), ("health", "医疗卫生", "Health"),
              ("agriculture", "农业", "Agriculture"), ("culture", "文化体育", "Culture and sport"),
              ("safety", "公共安全", "Public safety"), ("elderly", "养老服务", "Elderly care")]
#: Words that occur in about 0.1% of proposals of their language ("rare" searches). The two-character
#: Chinese word matters: pg_trgm cannot index a search term shorter than three characters.
RARE = ("桃花节", "beekeeping", "养蜂")
PLACES_ZH = ["村口", "小学旁", "河边", "老街", "新村", "后山", "集市", "村委会前", "东头", "西头"]
PLACES_EN = ["at the village entrance", "near the primary school", "by the river", "on the old street",
             "in the new quarter", "behind the hill", "at the market", "outside the village office"]
ACTIONS_ZH = ["维修", "新建", "改造", "增设", "清理", "扩建", "整治"]
ACTIONS_EN = ["Repair the", "Build a new", "Upgrade the", "Add more", "Clean up the", "Extend the", "Fix the"]
FILLER_ZH = ["大家每天都要经过这里。", "晚上很不方便，老人和孩子尤其危险。", "已经反映过几次，希望这次能解决。",
             "我们愿意出工出力。", "附近有三百多户村民受益。", "下雨天问题更严重。", "希望村里和乡里一起想办法。",
             "预算可以由村民众筹一部分。", "这件事拖了很久了。", "建议先做一个简单的方案。"]
FILLER_EN = ["Everyone passes here every day.", "It is dangerous at night, especially for children and the elderly.",
             "We have raised this before and hope it is solved this time.", "Residents are ready to volunteer.",
             "More than three hundred households would benefit.", "It gets worse when it rains.",
             "The village and the township could work on it together.", "Part of the cost could be crowdfunded.",
             "This has been waiting for a long time.", "A simple first plan would already help."]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂"
EN_NAMES = ["Wang Wei", "Li Na", "Zhang Min", "Liu Yang", "Chen Jie", "Yang Fang", "Zhao Lei", "Zhou Tao"]
TOWN_ZH = ["凤仪", "青山", "石桥", "河口", "龙泉", "松坪", "白塔", "金沙", "云台", "梅溪", "柳林", "大坝"]
TOWN_EN = ["Fengyi", "Qingshan", "Shiqiao", "Hekou", "Longquan", "Songping", "Baita", "Jinsha", "Yuntai",
           "Meixi", "Liulin", "Daba"]
REASONS = ["Duplicate of an earlier proposal.", "Outside the village budget this year.", "已由乡里统一安排。"]


@dataclass
class Sizes:
    townships: int = 10
    villages: int = 200
    users: int = 100_000
    proposals: int = 100_000
    supports: int = 1_000_000
    seed: int = 20261127


@dataclass
class Facts:
    """What the measurements need to know about the generated data."""

    townships: list = field(default_factory=list)
    villages: list = field(default_factory=list)
    categories: list = field(default_factory=list)
    visible_ids: list = field(default_factory=list)
    timings: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)
    search_terms: dict = field(default_factory=dict)


def _copy(conn, table, columns, rows):
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _setval(conn, table):
    conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


def _threshold(population: int) -> int:
    """voting.services.threshold with the default rules (10 supports or 5% of the scope)."""
    return max(10, math.ceil(5.0 / 100 * population))


def fill(conn, sizes: Sizes, password_hash: str) -> Facts:
    """Generate and COPY every table; returns facts for the measurements. ``conn`` is a psycopg connection."""
    rng = random.Random(sizes.seed)
    now = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    facts, clock = Facts(), time.perf_counter()

    def lap(name):
        nonlocal clock
        conn.commit()
        facts.timings[name] = time.perf_counter() - clock
        clock = time.perf_counter()

    # Regions: 1 county, townships, villages spread evenly over the townships.
    regions = [(1, "530121", "county", None, "凤仪县", "Fengyi County")]
    parent_of = {1: None}
    for t in range(sizes.townships):
        rid = 2 + t
        regions.append((rid, f"530121-{101 + t}", "township", 1, f"{TOWN_ZH[t % 12]}{t // 12 or ''}镇",
                        f"{TOWN_EN[t % 12]}{t // 12 or ''} Township"))
        parent_of[rid] = 1
        facts.townships.append(rid)
    for v in range(sizes.villages):
        rid, town = 2 + sizes.townships + v, facts.townships[v % sizes.townships]
        regions.append((rid, f"530121-{99 + town}-{v // sizes.townships + 1:03d}", "village", town,
                        f"{rng.choice(TOWN_ZH)}{rng.choice('东南西北上下')}村{v}",
                        f"{rng.choice(TOWN_EN)} {rng.choice(['East', 'West', 'Upper', 'Lower'])} Village {v}"))
        parent_of[rid] = town
        facts.villages.append(rid)
    _copy(conn, "regions", ["id", "code", "level", "parent_id", "name_zh", "name_en"], regions)
    _copy(conn, "categories", ["id", "code", "active", "name_zh", "name_en"],
          [(i + 1, code, True, zh, en) for i, (code, zh, en) in enumerate(CATEGORIES)])
    category_id = {code: i + 1 for i, (code, _zh, _en) in enumerate(CATEGORIES)}
    facts.categories = list(category_id.values())
    for table in ("regions", "categories"):
        _setval(conn, table)
    lap("regions and categories")

    # Residents, all verified, in villages of uneven size.
    weights = [rng.uniform(0.4, 1.6) for _ in facts.villages]
    homes = rng.choices(facts.villages, weights=weights, k=sizes.users)
    by_region = {rid: [] for rid, *_ in regions}
    start = now - timedelta(days=3 * 365)

    def users():
        for uid, village in enumerate(homes, start=1):
            created = start + timedelta(seconds=rng.uniform(0, 2 * 365 * 86400))
            name = (rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
                    if rng.random() < 0.75 else f"{rng.choice(EN_NAMES)} {uid}")
            for rid in (village, parent_of[village], 1):
                by_region[rid].append(uid)
            yield (uid, f"+86139{uid:08d}", None, password_hash, name, "resident", village,
                   created + timedelta(days=1), rng.choice(("census", "in_person")), None, True, 1, created)

    _copy(conn, "users", ["id", "phone", "email", "password_hash", "display_name", "role", "region_id",
                          "verified_at", "verification_method", "locale", "active", "session_version",
                          "created_at"], users())
    _setval(conn, "users")
    lap("users")

    # Proposals: ids in creation order over two years; a heavy-tailed popularity per proposal.
    n, span = sizes.proposals, 2 * 365 * 86400 - 3600
    created = [now - timedelta(seconds=span * (1 - i / n)) for i in range(n)]
    village = rng.choices(facts.villages, weights=weights, k=n)
    scope = rng.choices(("village", "township", "county"), weights=(85, 12, 3), k=n)
    scope_region = [v if s == "village" else parent_of[v] if s == "township" else 1 for v, s in zip(village, scope, strict=True)]
    cap = [len(by_region[r]) for r in scope_region]
    popularity = [rng.paretovariate(1.3) for _ in range(n)]
    count = _spread(rng, sizes.supports, popularity, cap)
    rows, facts.visible_ids = [], []
    settled_goals = {}
    for i in range(n):
        pid, lang = i + 1, ("en" if rng.random() < 0.4 else "zh_Hans")
        zh_topic, en_topic, cat = rng.choice(TOPICS)
        title, body = _text(rng, lang, zh_topic, en_topic)
        status = rng.choices(("active", "accepted", "rejected", "withdrawn", "expired"), weights=(88, 4, 3, 3, 2))[0]
        reached = count[i] >= _threshold(cap[i])
        qualified_at = created[i] + timedelta(days=rng.uniform(1, 60)) if reached else None
        if qualified_at and qualified_at > now:
            qualified_at = now - timedelta(minutes=1)
        if status == "active":
            status = "qualified" if reached else "open"
        reason = rng.choice(REASONS) if status in ("rejected", "withdrawn") else None
        lat = lon = address = None
        if rng.random() < 0.4:
            lat, lon = round(25.0 + rng.uniform(-0.5, 0.5), 6), round(102.7 + rng.uniform(-0.5, 0.5), 6)
        if rng.random() < 0.3:
            address = rng.choice(PLACES_ZH) + "附近"
        goal = deadline = settled = None
        if rng.random() < 0.12:
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
    lap("proposals generated")

    pledges = _pledges(rng, rows, by_region, scope_region, now, settled_goals)
    for row in rows:
        if row[0] in settled_goals:
            row[17] = settled_goals[row[0]]  # funded: decided from the pledges, like voting.pledges.settle
    _copy(conn, "proposals", ["id", "title", "body", "language", "category_id", "region_id", "author_id", "status",
                              "scope", "latitude", "longitude", "address", "goal_minor", "currency", "deadline",
                              "in_kind_counts", "settled_at", "funded", "supports_count", "hot", "qualified_at",
                              "closing_reason", "hidden_at", "hidden_reason", "created_at"], rows)
    _setval(conn, "proposals")
    lap("proposals")
    _copy(conn, "pledges", ["id", "proposal_id", "backer_id", "kind", "amount_minor", "currency", "hours", "skill",
                            "availability", "description", "quantity", "unit", "estimated_value_minor", "anonymous",
                            "status", "created_at", "closed_at"], pledges)
    _setval(conn, "pledges")
    lap("pledges")

    # Supports: distinct residents of the proposal's scope, after the proposal was created.
    def supports():
        sid = 0
        for i in range(n):
            end = min(now, rows[i][14] or now)
            window = max((end - created[i]).total_seconds(), 60)
            for uid in sorted(rng.sample(by_region[scope_region[i]], count[i])):
                sid += 1
                yield (sid, i + 1, uid, created[i] + timedelta(seconds=rng.uniform(0, window)))

    _copy(conn, "supports", ["id", "proposal_id", "user_id", "created_at"], supports())
    _setval(conn, "supports")
    lap("supports")

    facts.counts = {"regions": len(regions), "categories": len(CATEGORIES), "users": sizes.users, "proposals": n,
                    "supports": sum(count), "pledges": len(pledges), "max supports on one proposal": max(count),
                    "median supports": sorted(count)[n // 2],
                    "proposals with a future deadline": sum(1 for r in rows if r[14] and r[14] > now),
                    "hidden proposals": n - len(facts.visible_ids)}
    facts.search_terms = _term_counts(rows)
    return facts


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
