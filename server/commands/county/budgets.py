"""Participatory budgets in the demo county: last year's cycle, finished, and this year's, in its voting phase,
with a few hundred ballots. Both run through budgeting's own services at the moments they happened: projects
submitted, reviewed (one cost corrected and one rejected, each with its public reason), ballots cast. Residents
write in Chinese, a few in English, as in the rest of the demo. The named residents have not voted this year, so
whoever tries the demo can."""

import random
from datetime import timedelta

from accounts import services
from accounts.passwords import hash_password
from accounts.users import Role, User
from budgeting import ballots, cycles, queries, results
from budgeting.queries import projects_of
from core.db import clock_at, db
from server.commands.county.people import GIVEN, SURNAMES

#: Residents who signed up in each village for this year's vote, besides the neighbours.
VOTERS_PER_VILLAGE = 35
#: Their phone numbers: +86 138 0013 9xxx.
FIRST_VOTER_PHONE = 13800139001
#: Of the verified residents asked, how many vote (in each part they may).
TURNOUT = 0.85

#: The cycles' names, as the county wrote them.
CYCLES = {"finished": "凤仪县 2026 年参与式预算", "voting": "凤仪县 2027 年参与式预算"}

#: part ("FY", "FY-QS", "FY-HK") → [(zh, en, cost in yuan, appeal: how many voters like it, 0 to 1)].
PROJECTS = {
    "FY": [("县城至各乡镇公交候车亭", "Bus shelters on the county's rural bus lines", 380_000, 0.55),
           ("县图书馆流动书车", "A mobile library van for the villages", 260_000, 0.35),
           ("河道垃圾拦截与清理", "Catching and clearing rubbish in the river", 420_000, 0.45),
           ("老年人助餐点", "Lunch points for older residents", 300_000, 0.5)],
    "FY-QS": [("青石村文化广场照明", "Lights for the Qingshi Village square", 90_000, 0.5),
              ("柳树湾村健身器材", "Exercise equipment in Liushuwan", 60_000, 0.35),
              ("青石镇小学饮水机", "Drinking-water fountains at the Qingshi school", 45_000, 0.6)],
    "FY-HK": [("石桥村人行便桥修缮", "Repair the Shiqiao footbridge", 150_000, 0.6),
              ("河口村垃圾分类收集点", "Sorted-rubbish points in Hekou Village", 70_000, 0.4),
              ("集市街遮阴树", "Shade trees along the market street", 55_000, 0.3)],
}
#: Money per part, in yuan: the county-wide part, then each township's.
AMOUNTS = {"FY": 900_000, "FY-QS": 150_000, "FY-HK": 180_000}


def plan_budgets(county) -> None:
    """Last year's cycle from opening to its results, and this year's up to today's ballots."""
    county.at(county.ago(330), _open, county, "finished", days=(300, 285, 265), style="spending_limit")
    county.at(county.ago(70), _open, county, "voting", days=(45, 25, -14), style="both")


def add_voters(county, password: str) -> None:
    """Residents who signed up for this year's vote and were verified at their township office, weeks before."""
    rng, shared, phone = county.rng, hash_password(password), FIRST_VOTER_PHONE
    for village, region in county.regions.items():
        if region.level != "village":
            continue
        verifier = county.officials["qs-office" if village.startswith("FY-QS") else "hk-office"]
        for _ in range(VOTERS_PER_VILLAGE):
            joined = county.ago(rng.uniform(50, 90))
            with clock_at(joined):
                user = User(phone=f"+86{phone}", password_hash=shared, role=Role.RESIDENT, region=region,
                            display_name=rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2)))),
                            created_at=joined)
                db.session.add(user)
                db.session.flush()
            with clock_at(joined + timedelta(days=rng.uniform(1, 5))):
                services.verify_in_person(user, actor=verifier)
            county.voters.append(user)
            phone += 1


def _open(county, which, days, style):
    """Open the cycle; residents submit projects in the month before collecting ends, then the phases follow."""
    collecting, reviewing, voting = ((county.now - timedelta(days=d)).date() for d in days)
    regions, rng = county.regions, county.rng
    cycle = cycles.open_cycle(
        regions["FY"], actor=county.admin, title=CYCLES[which], total_minor=sum(AMOUNTS.values()) * 100,
        collecting_until=collecting, reviewing_until=reviewing, voting_until=voting, ballot_style=style,
        max_choices=3 if style == "both" else None,
        parts={regions[code]: AMOUNTS[code] * 100 for code in ("FY-QS", "FY-HK")})
    villages = [code for code, region in regions.items() if region.level == "village"]
    liked = {}
    for code, projects in PROJECTS.items():
        for n, (zh, en, cost, appeal) in enumerate(projects):
            village = rng.choice([v for v in villages if v.startswith(code)])
            author = county.verified[village][n % len(county.verified[village])]
            title = en if village == "FY-HK-01" or rng.random() < 0.15 else zh
            liked[title] = appeal
            county.at(county.ago(days[0] + rng.uniform(2, 25)), _submit, county, cycle, code, author, title,
                      cost * 100)
    county.at(county.ago(days[0] - 0.4), cycles.advance_phase, cycle, actor=county.admin)
    county.at(county.ago(days[0] - 3), _review, county, cycle)
    county.at(county.ago(days[1] - 0.4), cycles.advance_phase, cycle, actor=county.admin)
    last = county.ago(max(days[2], 1))
    for person in _asked(county, which):
        if rng.random() < TURNOUT:
            moment = county.ago(days[1] - 1) + (last - county.ago(days[1] - 1)) * rng.random()
            county.at(moment, _cast, cycle, person, liked, rng.random())
    if which == "finished":
        county.at(county.ago(days[2] - 0.4), cycles.advance_phase, cycle, actor=county.admin)
        county.at(county.ago(days[2] - 6), _count, cycle)  # as the worker does, once kiosks' ballots are in


def _count(cycle):
    results.count_cycle(cycle.id)


def _submit(county, cycle, code, author, title, cost_minor):
    """A resident submits a project for their township; the county-wide ones are the county's own, entered by its
    admin into the region-wide part (residents' projects go to their most local part)."""
    if code != "FY":
        cycles.submit_project(cycle, actor=author, title=title, description="", cost_minor=cost_minor)
    else:
        cycles._new_project(cycles.part_for(cycle, cycle.region_id), county.admin, title, "", cost_minor)


def _review(county, cycle):
    """Every project feasible, but the river clean-up found dearer and Hekou's shade trees rejected, each with
    the public reason."""
    dearer, rejected = PROJECTS["FY"][2][:2], PROJECTS["FY-HK"][2][:2]
    for part in cycle.parts:
        for project in projects_of(part):
            if project.title in rejected:
                cycles.review_project(project, actor=county.admin, feasible=False, cost_minor=project.cost_minor,
                                      reason="林业站意见：街下埋有管线，不宜种树。")
            elif project.title in dearer:
                cycles.review_project(project, actor=county.admin, feasible=True,
                                      cost_minor=project.cost_minor + 4_000_000,
                                      reason="设计院核算后，增加了加固河岸的费用。")
            else:
                cycles.review_project(project, actor=county.admin, feasible=True, cost_minor=project.cost_minor)


def _asked(county, which) -> list:
    """Who votes: last year every verified resident; this year also the new voters, but not the named residents
    (left for whoever tries the demo)."""
    people = [user for group in county.verified.values() for user in group]
    if which == "finished":
        return people
    named = {user.id for user in county.residents}
    return [user for user in people if user.id not in named] + county.voters


def _cast(cycle, person, liked, mood):
    """The person's ballot in each part they may vote in: the projects they like, as far as the limits allow."""
    rng = random.Random(person.id * 7919 + cycle.id + int(mood * 1000))
    for part in queries.parts_of(person, cycle):
        chosen, spent = [], 0
        for project in sorted(ballots.ballot_projects(part), key=lambda _p: rng.random()):
            fits = spent + project.cost_minor <= part.amount_minor and (
                not cycle.limits_count or len(chosen) < cycle.max_choices)
            if fits and rng.random() < liked.get(project.title, 0.3):
                chosen.append(project.id)
                spent += project.cost_minor
        ballots.cast_ballot(part, actor=person, project_ids=chosen)
