"""Bilingual demo data for ``make run`` and ``minyi demo``: loaded once, recognisable, small."""

from datetime import timedelta

from sqlalchemy import func, select

from accounts import census, organisation, services
from accounts.users import CensusEntry, Role, User
from appeals.models import Appeal, AppealEvent, AppealStatus, EventKind
from appeals.routing import due_at
from appeals.services import month_of
from appeals.titles import title_from
from core.db import db, utcnow
from kiosk_fleet import kiosks
from projects.money import record_expenditure
from projects.progress import complete_milestone, post_update
from projects.promotion import promote_to_project
from proposals.discussion import post_comment
from proposals.models import Proposal, ProposalStatus, hot_score
from server.commands.demo_places import place_demo
from voting.pledges import pledge_to
from voting.supports import cast_support

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
]

STAFF = [  # role, email, name, region, department
    (Role.ADMIN, "admin@example.org", "系统管理员", None, None),
    (Role.MODERATOR, "moderator@example.org", "内容审核员 周敏", "FY", None),
    (Role.OFFICIAL, "roads@example.org", "交通局 王建国", None, "fy-roads"),
    (Role.OFFICIAL, "water@example.org", "水务局 李秀英", None, "fy-water"),
    (Role.OFFICIAL, "sanitation@example.org", "Sanitation officer Chen Li", None, "fy-sanitation"),
    (Role.OFFICIAL, "education@example.org", "教育局 赵老师", None, "fy-education"),
    (Role.OFFICIAL, "qingshi@example.org", "青石镇 刘镇长", "FY-QS", "qs-office"),
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

PROPOSALS = [  # village, category, author index, language, title, body, status, days ago
    ("FY-QS-01", "roads", 0, "zh_Hans", "修缮村口到小学的石板路",
     "村口到青石小学的石板路坑洼不平，下雨天孩子们上学很容易滑倒。建议重新铺设并加装扶手，村民愿意出工出料。",
     ProposalStatus.OPEN, 3),
    ("FY-QS-01", "health", 1, "zh_Hans", "在村委会设立老年人健康小屋",
     "村里老人多，去镇卫生院要走一个小时。希望在村委会设一间健康小屋，每周有医生来量血压、测血糖。",
     ProposalStatus.QUALIFIED, 20),
    ("FY-QS-02", "electricity", 2, "zh_Hans", "柳树湾主路安装太阳能路灯",
     "主路晚上一片漆黑，老人和学生出行不安全。建议安装二十盏太阳能路灯，不增加电费。",
     ProposalStatus.OPEN, 7),
    ("FY-HK-01", "sanitation", 3, "en", "Sorting bins and a compost corner by the market",
     "Rubbish from the Sunday market piles up by the river. Three sorting bins and a compost corner would keep "
     "the riverbank clean; several stall holders offered to look after them.",
     ProposalStatus.OPEN, 2),
    ("FY-HK-02", "education", 4, "zh_Hans", "石桥村图书角",
     "把村小学空置的教室改成图书角，周末对全村开放。我们可以捐书，也可以轮流值班。",
     ProposalStatus.ACCEPTED, 45),
    ("FY-HK-01", "water", 3, "en", "Rainwater tanks for the upper hamlet",
     "Houses on the hill lose water pressure every summer. Shared rainwater tanks would tide them over dry weeks.",
     ProposalStatus.OPEN, 10),
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


def _back_demo_proposals(made, residents, now):
    """Supports and pledges through the same services residents use."""
    path = made["修缮村口到小学的石板路"]
    path.goal_minor, path.deadline, path.in_kind_counts = 2_000_000, now + timedelta(days=20), True
    lights = made["柳树湾主路安装太阳能路灯"]
    lights.scope = "township"
    for voter in residents[:3]:
        cast_support(lights, actor=voter)
    for voter in residents[:2]:
        cast_support(path, actor=voter)
    pledge_to(path, actor=residents[1], kind="money", amount_minor=50_000)
    pledge_to(path, actor=residents[0], kind="hours", hours=16, skill="砌石 masonry", availability="农闲时 after harvest",
              estimated_value_minor=160_000)
    pledge_to(path, actor=residents[2], kind="materials", description="水泥 cement", quantity="20", unit="袋 bags",
              estimated_value_minor=60_000, anonymous=True)
    cast_support(made["Sorting bins and a compost corner by the market"], actor=residents[3])


    first = post_comment(path, actor=residents[1], stance="for", body="孙子每天走这条路上学，我愿意出工。")
    post_comment(path, actor=residents[0], stance="for", body="谢谢王阿姨！农闲时大家一起干。", reply_to=first)
    post_comment(path, actor=residents[2], stance="neutral",
                 body="建议先请镇上量一下路面，算清楚要多少水泥。Let's measure first.")
    post_comment(made["Sorting bins and a compost corner by the market"], actor=residents[3], stance="against",
                 body="Bins alone will not help unless someone empties them twice a week.")


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
    return [(u.role, u.login_name, u.display_name + ("" if u.is_verified or u.role != "resident" else " (unverified)"))
            for u in users]


KIOSKS = [  # village, name, hours since last heard from
    ("FY-QS-01", "青石村村委会", 0),
    ("FY-HK-02", "Shiqiao village shop", 3),
]


def _demo_kiosks(regions, categories, now):
    """Two enrolled kiosks: one online, one not heard from for hours (flagged on the admin's list)."""
    admin = db.session.scalar(select(User).where(User.role == Role.ADMIN))
    made = {}
    for village, name, hours in KIOSKS:
        kiosk, code = kiosks.create_kiosk(actor=admin, name=name, village=regions[village],
                                          category=categories["other"])
        kiosks.enroll(code, version="0.1.0")
        kiosks.heartbeat(kiosk, version="0.1.0", queue_length=0 if hours == 0 else 2, free_disk_bytes=12 * 2**30,
                         model="vosk-model-small-cn-0.22", last_sync_at=now - timedelta(hours=hours))
        kiosk.last_seen_at = now - timedelta(hours=hours)
        made[village] = kiosk
    return made


def _demo_project(officials, now):
    """One project made of a resident's appeal, under way: a milestone done, a progress report, a payment."""
    appeal = db.session.scalar(select(Appeal).where(Appeal.department_id.is_not(None), Appeal.public.is_(True))
                               .order_by(Appeal.id))
    if appeal is None:
        return
    official = next((u for u in officials.values() if u is not None and u.department_id == appeal.department_id), None)
    if official is None:
        return
    today = now.date()
    project = promote_to_project(
        actor=official, title="修复问题并回访村民 Fix it and check back with the village",
        description="根据村民诉求立项：先勘察，再施工，最后回访。Survey, repair, then ask the residents.",
        department=official.department, lead=official, budget_public_minor=1_500_000,
        start_on=today - timedelta(days=10), target_on=today + timedelta(days=50), appeals=[appeal],
        milestones=[("勘察 Survey", today - timedelta(days=3), 1), ("施工 Repair", today + timedelta(days=30), 3),
                    ("回访 Check back", today + timedelta(days=45), 1)])
    complete_milestone(project.milestones[0], actor=official, done_on=today - timedelta(days=4))
    post_update(project, actor=official, body="勘察完成，材料已订购。The survey is done; materials are ordered.")
    record_expenditure(project, actor=official, amount_minor=320_000, spent_on=today - timedelta(days=2),
                                payee="凤仪建材 Fengyi Building Supplies", purpose="材料 Materials", source="public",
                                receipt_number="DEMO-0001")


def load_demo(census_key: bytes | None = None):
    """Load the demo once. Returns [(role, login, name)] or None when data already exists."""
    if db.session.scalar(select(func.count()).select_from(User)):
        return None
    regions = {}
    for code, parent, zh, en in REGIONS:
        regions[code] = organisation.create_region(actor=None, code=code, name_zh=zh, name_en=en,
                                                   parent=regions.get(parent))
    categories = {code: organisation.create_category(actor=None, code=code, name_zh=zh, name_en=en)
                  for code, zh, en in CATEGORIES}
    departments = {code: organisation.create_department(actor=None, code=code, name_zh=zh, name_en=en,
                                                        region=regions[region],
                                                        categories=[categories[c] for c in cats])
                   for code, region, zh, en, cats in DEPARTMENTS}
    logins = []
    for role, email, name, region, department in STAFF:
        services.create_user(actor=None, role=role, email=email, password=DEMO_PASSWORD, display_name=name,
                             region=regions.get(region), department=departments.get(department))
        logins.append((role.value, email, name))
    officials = {d: db.session.scalar(select(User).where(User.department == departments[d])) for d in departments}
    residents = []
    for phone, email, name, village, verified in RESIDENTS:
        user = services.register_resident(phone=phone, email=email, password=DEMO_PASSWORD, display_name=name,
                                          village=regions[village], locale="en" if name == "Anna Schmidt" else None)
        if verified:
            services.verify_in_person(user, actor=officials["qs-office"] if village.startswith("FY-QS")
                                      else db.session.scalar(select(User).where(User.role == Role.ADMIN)))
        residents.append(user)
        logins.append(("resident", user.login_name, name + ("" if verified else " (unverified)")))

    from flask import current_app
    key = census_key or current_app.config["MINYI_CENSUS_KEY"].encode()
    db.session.add(CensusEntry(region=regions["FY-QS-02"], id_hash=census.id_hash(
        id_number_with_check(DEMO_ID_NUMBER_BASE), key)))

    now = utcnow()
    demo_kiosks = _demo_kiosks(regions, categories, now)
    # Oldest first, so ids follow creation time as they do in real use.
    made = {}
    for village, category, author, language, title, body, status, days in sorted(PROPOSALS, key=lambda p: -p[-1]):
        created = now - timedelta(days=days)
        made[title] = Proposal(title=title, body=body, language=language, category=categories[category],
                               region=regions[village], author=residents[author], status=status,
                               created_at=created, hot=hot_score(0, created))
        db.session.add(made[title])
    db.session.flush()
    _back_demo_proposals(made, residents, now)
    for village, category, author, language, body, status, days, public in sorted(APPEALS, key=lambda a: -a[-2]):
        department = next(d for d in departments.values() if categories[category] in d.categories)
        created = now - timedelta(days=days)
        appeal = Appeal(title=title_from(body), body=body, language=language, category=categories[category], region=regions[village],
                        author=residents[author] if author is not None else None, department=department,
                        channel="web" if author is not None else "kiosk", public=public, status=status,
                        kiosk=demo_kiosks.get(village) if author is None else None,
                        created_at=created, month=month_of(created), due_at=due_at(department, created))
        db.session.add(appeal)
        db.session.flush()
        db.session.add(AppealEvent(appeal_id=appeal.id, kind=EventKind.SUBMITTED, created_at=created,
                                   actor_id=appeal.author_id))
        if status in (AppealStatus.ANSWERED, AppealStatus.RESOLVED):
            appeal.answered_at = created + timedelta(days=2)
            appeal.response_seconds, appeal.answered_late = 2 * 86400, False
            db.session.add(AppealEvent(appeal_id=appeal.id, kind=EventKind.ANSWERED, created_at=appeal.answered_at,
                                       body=DEMO_ANSWERS[language]))
        if status == AppealStatus.RESOLVED:
            appeal.closed_at = created + timedelta(days=5)
            db.session.add(AppealEvent(appeal_id=appeal.id, kind=EventKind.RESOLVED, created_at=appeal.closed_at))
    _demo_project(officials, now)
    place_demo(regions)
    db.session.commit()
    logins.append(("census ID", id_number_with_check(DEMO_ID_NUMBER_BASE), "陈伟 can verify with this number"))
    return logins
