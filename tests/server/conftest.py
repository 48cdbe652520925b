"""The ``world`` fixture for tests that try every route: a fresh little world (a village with a proposal, an
appeal, a comment, a pledge, a project with a milestone and a task, kiosks, one revoked, and a proposal still open
for support, ``ids["open_proposal_id"]``) and a person with a token for each role."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.db import db, utcnow
from tests.helpers import NO_LIMITS


@pytest.fixture
def world(make_app, make_region, make_category, make_department, make_user, make_proposal, make_appeal,
          make_kiosk):
    """Everything a route may be about, and a way in for each role."""
    from accounts.tokens import ApiToken, create_token
    from budgeting import cycles, in_person
    from kiosk_fleet import kiosks
    from projects.permissions import today
    from projects.progress import add_milestone
    from projects.promotion import promote_to_project
    from projects.volunteering import add_task
    from proposals.discussion import post_comment
    from proposals.models import ProposalStatus
    from voting import pledges

    app = make_app(WTF_CSRF_ENABLED=False, **NO_LIMITS)
    village = make_region("village")
    county = village.path[0]
    category = make_category()
    department = make_department(region=county, categories=[category])
    other_department = make_department(region=make_region("county"))
    users = {
        "resident": make_user("resident", region=village),
        "verified resident": make_user("resident", region=village, verified=True),
        "other official": make_user("official", department=other_department),
        "official": make_user("official", department=department),
        "moderator": make_user("moderator"),
        "admin": make_user("admin"),
    }
    author = users["verified resident"]
    proposal = make_proposal(author=author, category=category, goal_minor=100_000,
                             deadline=utcnow() + timedelta(days=30))
    still_open = make_proposal(author=author, category=category, goal_minor=100_000, title="A bench by the pond",
                               deadline=utcnow() + timedelta(days=30))
    appeal = make_appeal(author=author, village=village, category=category, contact_phone="13912345678")
    comment = post_comment(proposal, actor=author, body="I agree.")
    pledge = pledges.pledge_to(proposal, actor=author, kind="money", amount_minor=10_000)
    proposal.status = ProposalStatus.QUALIFIED
    project = promote_to_project(actor=users["official"], title="Well", description="x",
                                          department=department, lead=users["official"],
                                          budget_public_minor=100_000, start_on=date.today(),
                                          target_on=date.today(), proposals=[proposal])
    milestone = add_milestone(project, actor=users["official"], title="Dig", target_on=date.today())
    # Today where the project is (Beijing time), which is already tomorrow in UTC from 16:00 UTC.
    task = add_task(project, actor=users["official"], title="Carry stones", on=today(), hours=2,
                             places=5)
    kiosk, code = make_kiosk(village=village, category=category)
    _kiosk, kiosk_token = kiosks.enroll(code)
    gone, gone_code = make_kiosk(village=village, category=category, name="Old office")
    _gone, gone_token = kiosks.enroll(gone_code)
    kiosks.revoke(gone, actor=users["admin"])
    budget = cycles.open_cycle(county, actor=users["admin"], title="Village budget", total_minor=1_000_000,
                               collecting_until=date.today(), reviewing_until=date.today(), voting_until=date.today())
    budget_project = cycles.submit_project(budget, actor=author, title="Lights", description="x", cost_minor=50_000)
    cycles.advance_phase(budget, actor=users["admin"])
    cycles.review_project(budget_project, actor=users["admin"], feasible=True, cost_minor=50_000)
    cycles.advance_phase(budget, actor=users["admin"])
    ballot_code, _code = in_person.issue_code(budget, author, actor=users["admin"])
    tokens = {role: create_token(user, actor=user, name="matrix")[1] for role, user in users.items()}
    token = db.session.scalars(select(ApiToken).where(ApiToken.user_id == author.id)).first()
    db.session.commit()
    ids = {"proposal_id": proposal.id, "appeal_id": appeal.id, "comment_id": comment.id, "pledge_id": pledge.id,
           "project_id": project.id, "milestone_id": milestone.id, "task_id": task.id, "user_id": author.id,
           "kiosk_id": kiosk.id, "token_id": token.id, "department_id": department.id,
           "category_id": category.id, "thing_id": category.id, "target_id": proposal.id, "template_id": 1,
           "model_id": 1, "image_id": 1, "code": appeal.receipt_code, "resource": f"{appeal.id}.json",
           "fmt": "json", "name": "none.jpg", "sha256": "0" * 64, "kind": None, "step": None, "action": None,
           "open_proposal_id": still_open.id, "event_id": 1, "region_id": village.id,
           "token": "no-such-reset-link", "cycle_id": budget.id, "part_id": budget.parts[0].id,
           "budget_project_id": budget_project.id, "code_id": ballot_code.id}
    return app, users, ids, {"kiosk": kiosk_token, "revoked kiosk": gone_token, **tokens}

