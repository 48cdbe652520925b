"""Proposals over the year, each at a stage of its life: open and gathering supports, qualified, made a project,
funded or not at its deadline, rejected, withdrawn, expired. Supports come from verified residents of the proposal's
scope, so a qualified or accepted proposal really has the supports its threshold asks (voting.supports)."""

from datetime import timedelta

from appeals.routing import responsible_department
from core.storage import uploads
from proposals.discussion import post_comment
from proposals.images import add_image
from proposals.services import create_proposal, expire_stale, reject_proposal, withdraw_proposal
from server.commands.county import pictures
from server.commands.county.projects import plan_project
from server.commands.county.words import EXTRA_PROPOSALS
from voting.pledges import pledge_to, settle_due
from voting.supports import cast_support, threshold

#: Fates that end in a project, and the project's stage.
PROJECT_FATES = {"completed", "in_progress", "planned"}


def plan_proposal(county, *, village, category, author, language, title, body, fate, days, scope="village",
                  goal=None, deadline_days=None, photo=True, extra=None, supports=None):
    """Put the proposal forward ``days`` ago, then plan what happens to it."""
    made = {}
    created = county.ago(days, hours=county.rng.uniform(0, 10))

    def put_forward():
        deadline = created + timedelta(days=deadline_days) if goal else None
        made["p"] = proposal = create_proposal(
            actor=author, title=title, body=body, category=county.categories[category],
            village=county.regions[village], language=language, scope=scope, goal_minor=goal, deadline=deadline,
            in_kind_counts=bool(goal))
        if photo:
            add_image(proposal, actor=author, data=pictures.picture(category, days * 31 + len(title)),
                      storage=uploads(), alt_text=title[:200])
        if extra:
            extra(proposal)

    county.at(created, put_forward)
    backers = [u for u in _scope_residents(county, village, scope) if u.id != author.id]
    county.rng.shuffle(backers)
    below = {"open": county.rng.randint(1, 7), "released": 4, "withdrawn": 2, "rejected": 6,
             "expired": county.rng.randint(0, 5)}
    # Others qualify: the threshold is 10 in every village and township of the demo (voting.supports.threshold_for).
    wanted = supports if supports is not None else below.get(fate, min(len(backers), 10 + county.rng.randint(0, 4)))
    span = min(days * 0.8, 30)
    for k, backer in enumerate(backers[:wanted]):
        county.at(created + timedelta(days=span * (k + 1) / (wanted + 1), hours=county.rng.uniform(1, 12)),
                  _support, made, backer)
    official = county.official_for(responsible_department(county.categories[category], county.regions[village]))
    qualified_by = created + timedelta(days=span + 1)
    if fate in PROJECT_FATES:
        plan_project(county, made, official, fate, qualified_by + timedelta(days=county.rng.uniform(3, 12)), category)
    elif fate == "rejected":
        county.at(qualified_by + timedelta(days=6), lambda: reject_proposal(
            made["p"], actor=official, reason="村委会前的空地已规划为停车场，暂不建设广场。The land is kept for parking."))
    elif fate == "withdrawn":
        county.at(created + timedelta(days=12), lambda: withdraw_proposal(
            made["p"], actor=author, reason="The market committee will paint it themselves. 市场管委会会自己画。"))
    elif fate == "expired":
        county.at(created + timedelta(days=181), expire_stale)
    if goal:
        county.at(created + timedelta(days=deadline_days, hours=1), settle_due)
    return made


def _support(made, backer):
    proposal = made["p"]
    if proposal.status in ("open", "qualified") and proposal.supports_count < max(threshold(proposal), 10) + 4:
        cast_support(proposal, actor=backer)


def _scope_residents(county, village, scope):
    if scope == "village":
        return list(county.verified.get(village, []))
    prefix = village[:5] if scope == "township" else "FY"
    return [u for code, people in county.verified.items() if code.startswith(prefix) for u in people]


def _pledges(county, proposal, backers, total):
    """Money, hours and materials from ``backers`` adding up to about ``total`` fen."""
    left = total
    for k, backer in enumerate(backers):
        if left <= 0:
            break
        if k % 4 == 1:
            pledge_to(proposal, actor=backer, kind="hours", hours=8 * (1 + k % 3), skill="挖沟 digging",
                      availability="周末 weekends", estimated_value_minor=12_000 * (1 + k % 3))
            left -= 12_000 * (1 + k % 3)
        elif k % 4 == 3:
            pledge_to(proposal, actor=backer, kind="materials", description="水泥 cement", quantity="10",
                      unit="袋 bags", estimated_value_minor=30_000)
            left -= 30_000
        else:
            amount = min(left, 50_000 + 10_000 * (k % 5))
            pledge_to(proposal, actor=backer, kind="money", amount_minor=amount)
            left -= amount


def plan_extra_proposals(county) -> None:
    """The proposals of words.EXTRA_PROPOSALS, by residents of their villages."""
    for number, (village, category, language, title, body, fate, days) in enumerate(EXTRA_PROPOSALS):
        people = county.verified[village]
        author = people[number % len(people)]
        goal = {"funded": 300_000, "released": 2_000_000}.get(fate)
        backers = [u for u in people if u.id != author.id]

        def money(proposal, fate=fate, backers=backers, goal=goal):
            if goal:
                county.at(proposal.created_at + timedelta(days=3), _pledges, county, proposal, backers[:8],
                          goal if fate == "funded" else goal // 6)

        plan_proposal(county, village=village, category=category, author=author, language=language, title=title,
                      body=body, fate=fate, days=days, goal=goal, deadline_days=30 if goal else None,
                      photo=number % 2 == 0, extra=money)


def discuss(county, proposal, people) -> None:
    """A short thread under a proposal."""
    first = post_comment(proposal, actor=people[1], stance="for", body="孙子每天走这条路上学，我愿意出工。")
    post_comment(proposal, actor=people[0], stance="for", body="谢谢王阿姨！农闲时大家一起干。", reply_to=first)
    post_comment(proposal, actor=people[2], stance="neutral",
                 body="建议先请镇上量一下路面，算清楚要多少水泥。Let's measure first.")
