"""Bilingual demo data for ``make run`` and ``minyi demo``: loaded once, a county with a year of history (the
named people and items here, the rest made by server.commands.county through the app's own services)."""

import uuid
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from accounts import census, organisation, services
from accounts.users import CensusEntry, Role, User
from appeals.kiosk import submit_kiosk_appeal
from appeals.models import AppealStatus
from appeals.services import submit_appeal
from appeals.workflow import answer_appeal
from core.db import clock_at, db, utcnow
from core.storage import uploads
from kiosk_fleet import kiosks
from projects.money import record_expenditure
from projects.permissions import today
from projects.progress import complete_milestone, post_update
from projects.promotion import promote_to_project
from proposals.discussion import post_comment
from server.commands.county import County
from server.commands.county.appeals import handle, plan_year, recording
from server.commands.county.budgets import add_voters, plan_budgets
from server.commands.county.people import add_neighbours, neighbour_phones
from server.commands.county.proposals import discuss, plan_extra_proposals, plan_proposal
from server.commands.demo_places import place_demo
from voting.pledges import pledge_to

DEMO_PASSWORD = "minyi-demo"

REGIONS = [  # code, parent code, Chinese, English
    ("FY", None, "凤仪县", "Fengyi County"),
    ("FY-QS", "FY", "青石镇", "Qingshi Town"),
    ("FY-HK", "FY", "河口乡", "Hekou Township"),
    ("FY-QS-01", "FY-QS", "青石村", "Qingshi Village"),
    ("FY-QS-02", "FY-QS", "柳树湾村", "Liushuwan Village"),
    ("FY-HK-01", "FY-HK", "河口村", "Hekou Village"),
    ("FY-HK-02", "FY-HK", "石桥村", "Shiqiao Village"),
]

CATEGORIES = [
    ("roads", "道路交通", "Roads and transport"),
    ("water", "供水", "Water supply"),
    ("sanitation", "环境卫生", "Sanitation"),
    ("education", "教育", "Education"),
    ("electricity", "电力", "Electricity"),
    ("health", "医疗卫生", "Health"),
    ("safety", "公共安全", "Public safety"),
    ("other", "其他", "Other"),
]

DEPARTMENTS = [  # code, region, Chinese, English, categories
    ("fy-roads", "FY", "凤仪县交通运输局", "Fengyi Transport Bureau", ["roads"]),
    ("fy-water", "FY", "凤仪县水务局", "Fengyi Water Bureau", ["water"]),
    ("fy-sanitation", "FY", "凤仪县环境卫生管理站", "Fengyi Sanitation Office", ["sanitation"]),
    ("fy-education", "FY", "凤仪县教育局", "Fengyi Education Bureau", ["education"]),
    ("qs-office", "FY-QS", "青石镇人民政府", "Qingshi Town Government",
     ["electricity", "health", "safety", "other"]),
    ("hk-office", "FY-HK", "河口乡人民政府", "Hekou Township Government",
     ["electricity", "health", "safety", "other"]),
]

STAFF = [  # role, email, name, region, department
    (Role.ADMIN, "admin@example.org", "系统管理员", None, None),
    (Role.MODERATOR, "moderator@example.org", "内容审核员 周敏", "FY", None),
    (Role.OFFICIAL, "roads@example.org", "交通局 王建国", None, "fy-roads"),
    (Role.OFFICIAL, "water@example.org", "水务局 李秀英", None, "fy-water"),
    (Role.OFFICIAL, "sanitation@example.org", "Sanitation officer Chen Li", None, "fy-sanitation"),
    (Role.OFFICIAL, "education@example.org", "教育局 赵老师", None, "fy-education"),
    (Role.OFFICIAL, "qingshi@example.org", "青石镇 刘镇长", "FY-QS", "qs-office"),
    (Role.OFFICIAL, "hekou@example.org", "河口乡 马乡长", "FY-HK", "hk-office"),
]

RESIDENTS = [  # phone, email, name, village, verified
    ("13800138001", None, "张大爷", "FY-QS-01", True),
    ("13800138002", None, "王阿姨", "FY-QS-01", True),
    ("13800138003", "li.ming@example.org", "李明", "FY-QS-02", True),
    (None, "anna@example.org", "Anna Schmidt", "FY-HK-01", True),
    ("13800138005", None, "赵小红", "FY-HK-02", False),
    ("13800138006", None, "陈伟", "FY-QS-02", False),
]

# A census line for the unverified demo resident 陈伟, so self-verification can be tried.
DEMO_ID_NUMBER_BASE = "53012119800101123"

PROPOSALS = [  # village, category, author index, language, title, body, fate, days ago, supports
    ("FY-QS-01", "roads", 0, "zh_Hans", "修缮村口到小学的石板路",
     "村口到青石小学的石板路坑洼不平，下雨天孩子们上学很容易滑倒。建议重新铺设并加装扶手，村民愿意出工出料。",
     "open", 3, 2),
    ("FY-QS-01", "health", 1, "zh_Hans", "在村委会设立老年人健康小屋",
     "村里老人多，去镇卫生院要走一个小时。希望在村委会设一间健康小屋，每周有医生来量血压、测血糖。",
     "qualified", 20, None),
    ("FY-QS-02", "electricity", 2, "zh_Hans", "柳树湾主路安装太阳能路灯",
     "主路晚上一片漆黑，老人和学生出行不安全。建议安装二十盏太阳能路灯，不增加电费。",
     "open", 7, 3),
    ("FY-HK-01", "sanitation", 3, "en", "Sorting bins and a compost corner by the market",
     "Rubbish from the Sunday market piles up by the river. Three sorting bins and a compost corner would keep "
     "the riverbank clean; several stall holders offered to look after them.",
     "open", 2, 1),
    ("FY-HK-02", "education", 4, "zh_Hans", "石桥村图书角",
     "把村小学空置的教室改成图书角，周末对全村开放。我们可以捐书，也可以轮流值班。",
     "in_progress", 45, None),
    ("FY-HK-01", "water", 3, "en", "Rainwater tanks for the upper hamlet",
     "Houses on the hill lose water pressure every summer. Shared rainwater tanks would tide them over dry weeks.",
     "open", 10, 4),
]

DEMO_ANSWERS = {"zh_Hans": "已安排工作人员现场查看，维修将在本周内完成。感谢您的反映。",
                "en": "Staff have looked at it on site; the repair will be done this week. Thank you for telling us."}

APPEALS = [  # village, category, author index (None: kiosk), language, body, status, days ago, public
    ("FY-QS-01", "water", 0, "zh_Hans", "青石村三组自来水已经停了三天，老人挑水很困难，请尽快派人维修。",
     AppealStatus.IN_PROGRESS, 2, True),
    ("FY-QS-01", "roads", None, "zh_Hans", "村口的桥栏杆断了一截，晚上看不见，很危险。",
     AppealStatus.SUBMITTED, 1, True),
    ("FY-QS-02", "sanitation", 2, "zh_Hans", "柳树湾垃圾收集点一周没有清运，气味很大。",
     AppealStatus.ANSWERED, 9, True),
    ("FY-HK-01", "roads", 3, "en", "The bus to the county town no longer stops at Hekou on Saturdays. "
     "Elderly residents cannot reach the hospital.", AppealStatus.ACCEPTED, 4, True),
    ("FY-HK-02", "education", 4, "zh_Hans", "学校食堂的价格涨了，能否公开一下收费标准？",
     AppealStatus.RESOLVED, 30, True),
    ("FY-HK-02", "other", 4, "zh_Hans", "我家低保申请一直没有消息，想了解进度。",
     AppealStatus.SUBMITTED, 5, False),
]

KIOSKS = [  # village, name, hours since last heard from
    ("FY-QS-01", "青石村村委会", 0),
    ("FY-HK-02", "Shiqiao village shop", 3),
]


def id_number_with_check(base17: str) -> str:
    """Complete a 17-digit base with its GB 11643 check character."""
    total = sum(int(d) * w for d, w in zip(base17, census._CN_WEIGHTS, strict=False))
    return base17 + census._CN_CHECK[total % 11]


def demo_logins():
    """The demo accounts that still exist, for reprinting on later runs."""
    wanted = [email for _, email, *_ in STAFF] + [email for _, email, *_ in RESIDENTS if email]
    phones = ["+86" + phone for phone, *_ in RESIDENTS if phone]
    users = db.session.scalars(select(User).where(User.email.in_(wanted) | User.phone.in_(phones))
                               .order_by(User.id)).all()
    logins = [(u.role, u.login_name, u.display_name + ("" if u.is_verified or u.role != "resident"
                                                      else " (unverified)")) for u in users]
    first, last = neighbour_phones(len([r for r in REGIONS if r[0].count("-") == 2]))
    if db.session.scalar(select(User.id).where(User.phone == first)) is not None:
        logins.append(("resident", f"{first} … {last}", "neighbours (verified)"))
    if logins:
        logins.append(("census ID", id_number_with_check(DEMO_ID_NUMBER_BASE), "陈伟 can verify with this number"))
    return logins


def login_lines(users) -> list[str]:
    """The block of demo logins `minyi demo` and `minyi serve --demo-logins` print."""
    return ["Demo logins (password for all: %s):" % DEMO_PASSWORD] + [
        f"  {role:<10} {login:<28} {name}" for role, login, name in users]


def _places_and_people(county, census_key):
    """Regions, categories, departments, staff and the named residents, a little over a year ago."""
    for code, parent, zh, en in REGIONS:
        county.regions[code] = organisation.create_region(actor=None, code=code, name_zh=zh, name_en=en,
                                                          parent=county.regions.get(parent))
    county.categories = {code: organisation.create_category(actor=None, code=code, name_zh=zh, name_en=en)
                         for code, zh, en in CATEGORIES}
    county.departments = {code: organisation.create_department(
        actor=None, code=code, name_zh=zh, name_en=en, region=county.regions[region],
        categories=[county.categories[c] for c in cats]) for code, region, zh, en, cats in DEPARTMENTS}
    for role, email, name, region, department in STAFF:
        user = services.create_user(actor=None, role=role, email=email, password=DEMO_PASSWORD, display_name=name,
                                    region=county.regions.get(region), department=county.departments.get(department))
        if department:
            county.officials[department] = user
        if role == Role.ADMIN:
            county.admin = user
    for phone, email, name, village, verified in RESIDENTS:
        user = services.register_resident(phone=phone, email=email, password=DEMO_PASSWORD, display_name=name,
                                          village=county.regions[village],
                                          locale="en" if name == "Anna Schmidt" else None)
        if verified:
            services.verify_in_person(user, actor=county.officials["qs-office" if village.startswith("FY-QS")
                                                                    else "hk-office"])
            county.verified.setdefault(village, []).append(user)
        county.residents.append(user)
    db.session.add(CensusEntry(region=county.regions["FY-QS-02"], id_hash=census.id_hash(
        id_number_with_check(DEMO_ID_NUMBER_BASE), census_key)))


def _kiosks(county):
    """Two kiosks enrolled ten months ago: one online now, one not heard from for hours (flagged on the admin's
    list)."""
    for village, name, _hours in KIOSKS:
        with clock_at(county.ago(300)):
            kiosk, code = kiosks.create_kiosk(actor=county.admin, name=name, village=county.regions[village],
                                              category=county.categories["other"])
            kiosks.enroll(code, version="0.1.0")
        county.kiosks[village] = kiosk


def _kiosks_now(county):
    for village, _name, hours in KIOSKS:
        kiosk = county.kiosks[village]
        with clock_at(county.ago(0, hours=hours)):
            kiosks.heartbeat(kiosk, version="0.1.0", queue_length=0 if hours == 0 else 2,
                             free_disk_bytes=12 * 2**30, model="vosk-model-small-cn-0.22", last_sync_at=utcnow())
            kiosk.last_seen_at = utcnow()


def _named_proposals(county):
    residents = county.residents
    for village, category, author, language, title, body, fate, days, supports in PROPOSALS:
        extra = None
        if title == "修缮村口到小学的石板路":
            def extra(path):
                county.at(path.created_at + timedelta(hours=20), _path_backing, county, path)
        elif title.startswith("Sorting bins"):
            def extra(bins):
                county.at(bins.created_at + timedelta(hours=6), post_comment, bins, actor=residents[3],
                          stance="against", body="Bins alone will not help unless someone empties them twice a week.")
        plan_proposal(county, village=village, category=category, author=residents[author], language=language,
                      title=title, body=body, fate=fate, days=days, supports=supports, extra=extra,
                      scope="township" if category == "electricity" else "village",
                      goal=2_000_000 if title == "修缮村口到小学的石板路" else None, deadline_days=days + 20)


def _path_backing(county, path):
    """Pledges of money, hours and materials, and a conversation, as the named residents would."""
    residents = county.residents
    pledge_to(path, actor=residents[1], kind="money", amount_minor=50_000)
    pledge_to(path, actor=residents[0], kind="hours", hours=16, skill="砌石 masonry", availability="农闲时 after harvest",
              estimated_value_minor=160_000)
    pledge_to(path, actor=residents[2], kind="materials", description="水泥 cement", quantity="20", unit="袋 bags",
              estimated_value_minor=60_000, anonymous=True)
    discuss(county, path, residents)


def _named_appeals(county):
    """The named appeals, each at the stage it is listed with."""
    for village, category, author, language, body, status, days, public in APPEALS:
        made, created = {}, county.ago(days)

        def send(made=made, village=village, category=category, author=author, language=language, body=body,
                 public=public):
            if author is None:
                kiosk = county.kiosks[village]
                made["a"], _ = submit_kiosk_appeal(
                    kiosk, uuid=str(uuid.UUID(int=county.rng.getrandbits(128))),
                    receipt_code=kiosk.receipt_prefix + "DEMX2",
                    transcript=body, audio_data=recording(seed=len(body)), storage=uploads().area("audio"),
                    category=category, public=public)
            else:
                made["a"] = submit_appeal(actor=county.residents[author], body=body,
                                          category=county.categories[category], village=county.regions[village],
                                          public=public, language=language)

        county.at(created, send)
        steps = {AppealStatus.IN_PROGRESS: ["accept", "start"], AppealStatus.ACCEPTED: ["accept"],
                 AppealStatus.ANSWERED: ["accept", "named_answer"],
                 AppealStatus.RESOLVED: ["accept", "named_answer", "resolve"]}.get(status, [])
        for k, action in enumerate(steps):
            county.at(created + timedelta(hours=5 + 24 * k), _named_step, county, made, action)
        if status == AppealStatus.IN_PROGRESS:
            county.at(created + timedelta(hours=30), _project_of_appeal, county, made)


def _named_step(county, made, action):
    if action == "named_answer":
        appeal = made["a"]
        answer_appeal(appeal, actor=county.official_for(appeal.department), body=DEMO_ANSWERS[appeal.language])
    else:
        handle(made, county, action)


def _project_of_appeal(county, made):
    """A project made of a resident's appeal, just begun: a milestone done, a progress report, a payment."""
    appeal = made["a"]
    official = county.official_for(appeal.department)
    day = today()
    project = promote_to_project(
        actor=official, title="修复问题并回访村民 Fix it and check back with the village",
        description="根据村民诉求立项：先勘察，再施工，最后回访。Survey, repair, then ask the residents.",
        department=official.department, lead=official, budget_public_minor=1_500_000,
        start_on=day, target_on=day + timedelta(days=60), appeals=[appeal],
        milestones=[("勘察 Survey", day, 1), ("施工 Repair", day + timedelta(days=30), 3),
                    ("回访 Check back", day + timedelta(days=45), 1)])
    complete_milestone(project.milestones[0], actor=official, done_on=day)
    post_update(project, actor=official, body="勘察完成，材料已订购。The survey is done; materials are ordered.")
    record_expenditure(project, actor=official, amount_minor=320_000, spent_on=day,
                       payee="凤仪建材 Fengyi Building Supplies", purpose="材料 Materials", source="public",
                       receipt_number="DEMO-0001")


def load_demo(census_key: bytes | None = None):
    """Load the demo once. Returns [(role, login, name)] or None when data already exists."""
    if db.session.scalar(select(func.count()).select_from(User)):
        return None
    county = County(now=utcnow())
    with clock_at(county.ago(420)):
        _places_and_people(county, census_key or current_app.config["MINYI_CENSUS_KEY"].encode())
    add_neighbours(county, DEMO_PASSWORD)
    add_voters(county, DEMO_PASSWORD)
    _kiosks(county)
    plan_extra_proposals(county)
    _named_proposals(county)
    plan_year(county)
    _named_appeals(county)
    plan_budgets(county)
    county.play()
    _kiosks_now(county)
    place_demo(county.regions)
    db.session.commit()
    return demo_logins()
