"""Projects made of the demo's qualified proposals: planned, under way or finished and rated, with weighted
milestones done on their days, progress reports with photos, and payments on the public money trail."""

from datetime import timedelta

from core.storage import uploads
from projects.models import ProjectStatus
from projects.money import record_expenditure
from projects.permissions import today
from projects.progress import complete_milestone, complete_project, post_update
from projects.promotion import promote_to_project
from projects.ratings import may_rate, rate_project
from server.commands.county import pictures
from server.commands.county.words import PAYEES, PROJECT_RATINGS, STEPS, UPDATES

#: Days from promotion to the start, and the project's length, by the stage it has reached today.
LENGTH = {"completed": (10, 120), "in_progress": (7, 150), "planned": (40, 90)}


def plan_project(county, made, official, fate, promoted_at, category) -> None:
    """Promote the proposal ``made["p"]`` at ``promoted_at`` (once qualified), then plan the work."""
    rng = county.rng
    start_after, length = LENGTH[fate]
    if fate == "planned":  # promoted lately, starting after today
        promoted_at = min(promoted_at, county.ago(3))
    start = promoted_at + timedelta(days=start_after)
    if fate == "in_progress":  # under way today, about half done
        length = max(length, int((county.now - start).days * 1.8) + 20)
    if fate == "completed":
        length = min(length, max(20, (county.now - start).days - 40))
    target = start + timedelta(days=length)
    budget = rng.randint(8, 60) * 500_000  # 40,000 to 300,000 yuan, in fen
    weights = [(title, weight) for title, weight in STEPS]

    def promote():
        proposal = made["p"]
        made["project"] = promote_to_project(
            actor=official, title=proposal.title, description=proposal.body, department=official.department,
            lead=official, budget_public_minor=budget, start_on=start.date(), target_on=target.date(),
            proposals=[proposal], milestones=[(title, (start + timedelta(days=length * (k + 1) / len(weights))).date(),
                                               weight) for k, (title, weight) in enumerate(weights)])

    county.at(promoted_at, promote)
    county.projects += 1
    late = county.projects % 2 == 0  # the dashboard counts projects finished on time and late
    last_done = start
    for k in range(len(weights)):
        done = start + timedelta(days=length * (k + 1) / len(weights) + rng.uniform(-4, 6))
        if not late:
            done = min(done, target - timedelta(days=len(weights) - k))
        last_done = max(last_done, done)
        county.at(done, _milestone_done, made, official, k)
        if k < len(UPDATES):
            county.at(done + timedelta(hours=5), _report, made, official, k, category)
        if k in (1, 2, 3):
            county.at(done + timedelta(days=1), _pay, made, official, k, budget)
    finished = last_done + timedelta(hours=6) if not late else target + timedelta(days=rng.uniform(4, 12))
    county.at(finished, _finish, made, official)
    for k in range(rng.randint(4, 9)):
        county.at(finished + timedelta(days=1 + k * 2.5), _rate, county, made, k)


def _milestone_done(made, official, k):
    project = made.get("project")
    if project is not None and project.status != ProjectStatus.COMPLETED:
        milestone = project.milestones[k]
        if milestone.done_on is None:
            complete_milestone(milestone, actor=official)


def _report(made, official, k, category):
    project = made.get("project")
    if project is None or project.status == ProjectStatus.COMPLETED:
        return
    photos = [pictures.picture("works" if k in (1, 2) else category, project.id * 10 + k)] if k != 0 else []
    post_update(project, actor=official, body=UPDATES[k], photos=photos, storage=uploads(),
                caption=project.title[:120] if photos else None)


def _pay(made, official, k, budget):
    project = made.get("project")
    if project is None or project.status == ProjectStatus.COMPLETED:
        return
    payee, purpose = PAYEES[k % len(PAYEES)]
    record_expenditure(project, actor=official, amount_minor=budget * (10 + 8 * k) // 100, spent_on=today(),
                       payee=payee, purpose=purpose, source="public", receipt_number=f"DEMO-{project.id:03d}-{k}")


def _finish(made, official):
    project = made.get("project")
    if project is not None and all(m.done_on is not None for m in project.milestones):
        complete_project(project, actor=official)


def _rate(county, made, k):
    project = made.get("project")
    if project is None or project.status != ProjectStatus.COMPLETED:
        return
    if "raters" not in made:
        made["raters"] = [u for people in county.verified.values() for u in people if may_rate(u, project)]
    raters = made["raters"]
    if k < len(raters):
        score = county.rng.choices((2, 3, 4, 5), weights=(1, 3, 8, 8))[0]
        rate_project(project, actor=raters[k], score=score,
                     comment=PROJECT_RATINGS[k % len(PROJECT_RATINGS)])
