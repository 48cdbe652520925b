"""Projects: promotion carries pledges over exactly, progress comes from weighted milestones, late milestones
are flagged, only the responsible department changes a project, and the money trail always adds up."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from accounts.notifications import Notification
from core.db import db, utcnow
from core.errors import InvalidInput, NotAllowed
from projects.figures import figures
from projects.models import Project, ProjectTask, TaskSignup
from projects.money import money_trail, record_expenditure
from projects.progress import (
    add_milestone,
    complete_milestone,
    complete_project,
    late_milestones,
    percent_done,
    post_update,
)
from projects.promotion import budget_left, promote_to_project
from projects.ratings import may_rate, rate_project, rating_of, report_not_done
from projects.volunteering import add_task, confirm_delivery, my_shifts, sign_up, withdraw_signup
from proposals.errors import NotOpen
from proposals.models import ProposalStatus
from voting import pledges as pledging
from voting.collections import record_collection
from voting.models import Pledge, PledgeKind, PledgeStatus, Support

TODAY = date.today()


@pytest.fixture
def funded(make_proposal, make_user, make_department):
    """A qualified proposal with money and in-kind pledges (one cancelled), a supporter, and the department
    and official that answer for its village."""
    author = make_user("resident", verified=True)
    proposal = make_proposal(author=author, title="Mend the well", goal_minor=500_000,
                             deadline=utcnow() + timedelta(days=20))
    backers = [make_user("resident", region=author.region, verified=True) for _ in range(4)]
    pledging.pledge_to(proposal, actor=backers[0], kind=PledgeKind.MONEY, amount_minor=120_000)
    pledging.pledge_to(proposal, actor=backers[1], kind=PledgeKind.MONEY, amount_minor=80_050)
    pledging.pledge_to(proposal, actor=backers[2], kind=PledgeKind.HOURS, hours=10, skill="masonry",
                       estimated_value_minor=30_000)
    cancelled = pledging.pledge_to(proposal, actor=backers[3], kind=PledgeKind.MONEY, amount_minor=999_00)
    pledging.cancel_pledge(cancelled, actor=backers[3])
    db.session.add(Support(proposal_id=proposal.id, user_id=backers[3].id))
    proposal.status = ProposalStatus.QUALIFIED
    department = make_department(region=author.region.path[0], categories=[proposal.category])
    official = make_user("official", department=department)
    db.session.commit()
    return proposal, department, official, backers


def promote(proposal, department, official, **extra):
    fields = {"title": "Well repair", "description": "New pump and lining.", "department": department,
              "lead": official, "budget_public_minor": 300_000, "start_on": TODAY, "target_on": TODAY + timedelta(60),
              "proposals": [proposal],
              "milestones": [("Buy the pump", TODAY + timedelta(10), 1), ("Line the well", TODAY + timedelta(40), 3)]}
    fields.update(extra)
    project = promote_to_project(actor=official, **fields)
    db.session.commit()
    return project


def pledge_sums(where):
    return db.session.execute(select(Pledge.kind, func.sum(func.coalesce(Pledge.amount_minor,
                                                                          Pledge.estimated_value_minor)))
                              .where(where, Pledge.status != PledgeStatus.CANCELLED).group_by(Pledge.kind)
                              .order_by(Pledge.kind)).all()


def test_promotion_carries_every_pledge_over_exactly(funded):
    proposal, department, official, backers = funded
    before = pledge_sums(Pledge.proposal_id == proposal.id)
    project = promote(proposal, department, official)
    assert pledge_sums(Pledge.project_id == project.id) == before  # nothing created, nothing lost
    assert db.session.scalar(select(func.count()).select_from(Pledge).where(
        Pledge.project_id == project.id, Pledge.status == PledgeStatus.CANCELLED)) == 0
    assert proposal.status == ProposalStatus.ACCEPTED and project.region_id == proposal.region_id
    money = money_trail(project)
    assert (money.pledged_money, money.pledged_in_kind, money.collected) == (200_050, 30_000, 0)
    told = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "became_project")))
    assert told == {proposal.author_id, *(b.id for b in backers[:3]), backers[3].id}  # backers and supporters
    with pytest.raises(InvalidInput, match="already became a project"):
        promote(proposal, department, official)


def test_only_qualified_proposals_in_the_officials_area_become_projects(funded, make_user, make_department,
                                                                         make_proposal):
    proposal, department, official, _backers = funded
    stranger = make_user("official", department=make_department())  # another county's department
    with pytest.raises(NotAllowed):
        promote(proposal, department, stranger)
    fresh = make_proposal()  # open, not qualified
    local = make_department(region=fresh.region.path[0], categories=[fresh.category])
    with pytest.raises(NotOpen, match="Only qualified proposals"):
        promote(fresh, local, make_user("official", department=local))
    for field, extra, message in [
        ("target_on", {"target_on": TODAY - timedelta(1)}, "before the start"),
        ("budget", {"budget_public_minor": -5}, "more than zero"),
        ("budget", {"budget_public_minor": "100"}, "as a number"),
        ("lead", {"lead": make_user("official", department=make_department())}, "official of the responsible"),
        ("milestones", {"milestones": [("Pump", TODAY, 0)]}, "weight"),
        ("sources", {"proposals": []}, "Choose the proposals"),
    ]:
        with pytest.raises(InvalidInput) as refused:
            promote(proposal, department, official, **extra)
        db.session.rollback()
        assert refused.value.field == field and message in str(refused.value.message)
    assert proposal.status == ProposalStatus.QUALIFIED  # nothing was saved


def test_progress_is_derived_from_weighted_milestones_and_late_ones_are_flagged(funded):
    proposal, department, official, _backers = funded
    project = promote(proposal, department, official)
    assert percent_done(project) == 0 and project.status == "planned"
    first, second = project.milestones
    complete_milestone(first, actor=official)
    assert percent_done(project) == 25 and project.status == "in_progress"  # weight 1 of 4
    assert late_milestones(project, on=TODAY + timedelta(41)) == [second]
    assert late_milestones(project, on=TODAY + timedelta(39)) == []
    with pytest.raises(InvalidInput, match="not done yet"):
        complete_project(project, actor=official)
    complete_milestone(second, actor=official)
    complete_project(project, actor=official)
    assert percent_done(project) == 100 and project.status == "completed"


def test_only_the_responsible_department_changes_the_project(funded, make_user, make_department):
    proposal, department, official, _backers = funded
    project = promote(proposal, department, official)
    colleague = make_user("official", department=department)
    post_update(project, actor=colleague, body="The pump is ordered.")
    for outsider in (make_user("official", department=make_department(region=department.region)),
                     make_user("resident", verified=True), make_user("moderator")):
        with pytest.raises(NotAllowed):
            post_update(project, actor=outsider, body="x")
        with pytest.raises(NotAllowed):
            record_expenditure(project, actor=outsider, amount_minor=100, spent_on=TODAY, payee="x",
                                        purpose="y", source="public")
    add_milestone(project, actor=make_user("admin"), title="Inspection", target_on=TODAY + timedelta(50))
    assert len(project.milestones) == 3


def test_the_money_trail_adds_up_and_never_overspends(funded, make_user):
    proposal, department, official, backers = funded
    project = promote(proposal, department, official)
    money_pledge = db.session.scalar(select(Pledge).where(Pledge.project_id == project.id,
                                                          Pledge.kind == PledgeKind.MONEY).order_by(Pledge.id))
    money_pledge.status = PledgeStatus.COMMITTED
    treasurer = make_user("official", department=department)
    record_collection(money_pledge, actor=treasurer, amount_minor=100_000, method="cash", received_on=TODAY,
                      receipt_number="R-1")
    record_expenditure(project, actor=official, amount_minor=250_000, spent_on=TODAY, payee="Pump Co.",
                                purpose="Pump", source="public", receipt_number="INV-7")
    record_expenditure(project, actor=official, amount_minor=60_000, spent_on=TODAY, payee="Shop",
                                purpose="Cement", source="residents")
    db.session.commit()
    money = money_trail(project)
    assert (money.budget_public, money.spent_public, money.remaining_public) == (300_000, 250_000, 50_000)
    assert (money.collected, money.spent_residents, money.remaining_residents) == (100_000, 60_000, 40_000)
    assert money.total_available == money.total_spent + money.total_remaining == 400_000
    for extra, field, message in [
        ({"amount_minor": 50_001, "source": "public"}, "amount", "more than is left"),
        ({"amount_minor": 40_001, "source": "residents"}, "amount", "more than is left"),
        ({"amount_minor": 0}, "amount", "more than zero"),
        ({"amount_minor": 10**15}, "amount", "far too large"),
        ({"source": "lottery"}, "source", "whose money"),
        ({"spent_on": TODAY + timedelta(days=2)}, "spent_on", "not in the future"),
        ({"receipt_number": "INV-7"}, "receipt_number", "already recorded"),
        ({"payee": "<script>alert(1)</script>\x07"}, "payee", ""),
    ]:
        fields = {"amount_minor": 100, "spent_on": TODAY, "payee": "Shop", "purpose": "Nails", "source": "public",
                  **extra}
        with pytest.raises(InvalidInput) as refused:
            record_expenditure(project, actor=official, **fields)
        db.session.rollback()
        assert refused.value.field == field and message in str(refused.value.message), extra
    assert money_trail(project) == money  # nothing changed


def test_a_group_of_appeals_becomes_one_project(make_appeal, make_user, make_category, make_department,
                                                make_region):
    village = make_region("village")
    water = make_category()
    department = make_department(region=village.path[0], categories=[water])
    appeals = [make_appeal(village=village, category=water) for _ in range(3)]
    official = make_user("official", department=department)
    project = promote_to_project(
        actor=official, title="New water main", description="Three villages' appeals", department=department,
        lead=official, budget_public_minor=1_000_000, start_on=TODAY, target_on=TODAY + timedelta(90),
        appeals=appeals)
    db.session.commit()
    assert sorted(s.appeal_id for s in project.sources) == sorted(a.id for a in appeals)
    assert project.region_id == village.id
    told = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "became_project")))
    assert told == {a.author_id for a in appeals}


def test_carried_pledges_settle_at_the_deadline_as_promised(funded):
    """Backers promised "if the goal is reached": that still holds after the proposal became a project."""
    proposal, department, official, _backers = funded
    project = promote(proposal, department, official)
    proposal.deadline = utcnow() - timedelta(minutes=1)
    assert pledging.settle(proposal) is False  # 200,050 + 30,000 of 500,000: not reached
    db.session.commit()
    money = money_trail(project)
    assert (money.pledged_money, money.pledged_in_kind) == (0, 0)  # released: nobody owes anything
    assert money.total_available == money.budget_public


def finished(project, official):
    for milestone in project.milestones:
        complete_milestone(milestone, actor=official)
    complete_project(project, actor=official)
    db.session.commit()
    return project


def test_residents_of_the_area_and_backers_rate_a_finished_project(funded, make_user, make_region):
    proposal, department, official, backers = funded
    project = promote(proposal, department, official)
    neighbour = make_user("resident", region=proposal.region, verified=True)
    with pytest.raises(NotOpen, match="when it is finished"):
        rate_project(project, actor=neighbour, score=5)
    finished(project, official)
    rate_project(project, actor=neighbour, score=2, comment="Slow.")
    rate_project(project, actor=neighbour, score=4, comment="Better now.")  # replaces the first
    rate_project(project, actor=backers[0], score=5)
    assert rating_of(project) == (4.5, 2)
    for outsider in (make_user("resident", region=make_region("village"), verified=True),  # another county
                     make_user("resident", region=proposal.region)):  # not verified
        with pytest.raises(NotAllowed):
            rate_project(project, actor=outsider, score=1)
    with pytest.raises(InvalidInput, match="1 to 5"):
        rate_project(project, actor=neighbour, score=6)
    assert figures().average_score == 4.5 and figures().by_status["completed"] == 1


def test_a_finished_project_that_did_not_solve_it_becomes_a_follow_up_appeal(funded, make_user):
    proposal, department, official, _backers = funded
    project = finished(promote(proposal, department, official), official)
    neighbour = make_user("resident", region=proposal.region, verified=True)
    appeal = report_not_done(project, actor=neighbour, body="The well is dry again.")
    db.session.commit()
    assert appeal.follow_up_project_id == project.id and appeal.category_id == proposal.category_id
    assert appeal.region_id == neighbour.region_id and appeal.status == "submitted"


def test_officials_confirm_the_hours_worked_against_the_pledge(funded, make_user, make_department):
    proposal, department, official, backers = funded
    project = promote(proposal, department, official)
    hours = db.session.scalar(select(Pledge).where(Pledge.project_id == project.id, Pledge.kind == PledgeKind.HOURS))
    confirm_delivery(hours, actor=official, hours=8)
    assert hours.delivered_hours == 8 and hours.delivered_at is not None
    for bad in (0, -3, "8", None):
        with pytest.raises(InvalidInput):
            confirm_delivery(hours, actor=official, hours=bad)
    with pytest.raises(NotAllowed):
        confirm_delivery(hours, actor=make_user("official", department=make_department()), hours=8)


def test_a_department_cannot_give_projects_more_than_its_budget(funded, make_user, client):
    from accounts import organisation

    proposal, department, official, _backers = funded
    organisation.set_project_budget(department, actor=make_user("admin"), amount_minor=400_000)
    db.session.commit()
    assert budget_left(department) == 400_000
    with pytest.raises(InvalidInput) as refused:
        promote(proposal, department, official, budget_public_minor=500_000)
    db.session.rollback()
    assert refused.value.field == "budget" and "4,000.00 left" in str(refused.value.message)
    promote(proposal, department, official, budget_public_minor=300_000)
    assert budget_left(department) == 100_000
    client.login(official)
    assert "¥1,000.00 of public funds left" in client.get("/officials/proposals").get_data(as_text=True)


def test_volunteers_who_pledged_hours_take_places_on_shifts(funded, make_user):
    proposal, department, official, backers = funded
    project = promote(proposal, department, official)
    volunteer, money_backer = backers[2], backers[0]  # hours, and money only
    shift = add_task(project, actor=official, title="Carry stones", on=TODAY + timedelta(3), hours=4,
                              places=1)
    with pytest.raises(InvalidInput, match="today or later"):
        add_task(project, actor=official, title="Yesterday", on=TODAY - timedelta(1), hours=4, places=1)
    with pytest.raises(NotAllowed):
        add_task(project, actor=volunteer, title="Mine", on=TODAY, hours=4, places=1)
    with pytest.raises(NotAllowed, match="pledged hours"):
        sign_up(shift, actor=money_backer)
    sign_up(shift, actor=volunteer)
    with pytest.raises(InvalidInput, match="already signed up"):
        sign_up(shift, actor=volunteer)
    assert [t.title for t in my_shifts(volunteer)] == ["Carry stones"]
    other = make_user("resident", region=proposal.region, verified=True)
    from voting.models import Pledge

    db.session.add(Pledge(proposal_id=proposal.id, project_id=project.id, backer_id=other.id, kind="hours", hours=2,
                          skill="x", status="pledged"))
    db.session.flush()
    with pytest.raises(InvalidInput, match="full"):
        sign_up(shift, actor=other)
    withdraw_signup(shift, actor=volunteer)
    sign_up(shift, actor=other)
    assert my_shifts(volunteer) == []


def test_review_fixes_hold(funded, make_user, make_department, make_region):
    """Another county's department cannot be charged; a milestone is done once; a cancelled pledge gives no
    right to rate; a past shift keeps its volunteers; a follow-up goes to the project's own department."""
    proposal, department, official, backers = funded
    far = make_department(region=make_region("county"))
    with pytest.raises(InvalidInput, match="serves the project's area"):
        promote(proposal, far, official, lead=None)
    db.session.rollback()
    project = promote(proposal, department, official, budget_public_minor=0)  # residents' money only is fine
    first = project.milestones[0]
    complete_milestone(first, actor=official, done_on=TODAY - timedelta(days=30))
    with pytest.raises(NotOpen, match="already done"):
        complete_milestone(first, actor=official)
    assert first.done_on == TODAY - timedelta(days=30)

    stranger = make_user("resident", region=make_region("village"), verified=True)
    from voting.models import Pledge

    cancelled = Pledge(proposal_id=proposal.id, project_id=project.id, backer_id=stranger.id, kind="money",
                       amount_minor=100, status="cancelled")
    db.session.add(cancelled)
    for milestone in project.milestones[1:]:
        complete_milestone(milestone, actor=official)
    complete_project(project, actor=official)
    assert not may_rate(stranger, project)

    shift = ProjectTask(project_id=project.id, title="Old shift", on=TODAY - timedelta(days=2), hours=4,
                                 places=2)
    db.session.add(shift)
    db.session.add(TaskSignup(task=shift, user_id=backers[2].id))
    db.session.flush()
    with pytest.raises(NotOpen, match="over"):
        withdraw_signup(shift, actor=backers[2])

    neighbour = make_user("resident", region=proposal.region, verified=True)
    appeal = report_not_done(project, actor=neighbour, body="Still dry.")
    assert appeal.department_id == department.id and appeal.due_at is not None


def test_two_payments_at_once_never_spend_more_than_is_left(app, make_app, funded):
    """Two officials record payments at the same moment: only one of them fits the budget."""
    import threading

    proposal, department, official, _backers = funded
    project = promote(proposal, department, official)  # 300,000 public funds
    other_app = make_app()
    results, barrier = [], threading.Barrier(2)

    def pay(receipt):
        with other_app.app_context():
            project_there = db.session.get(Project, project.id)
            actor = db.session.get(type(official), official.id)
            barrier.wait()
            try:
                record_expenditure(project_there, actor=actor, amount_minor=200_000, spent_on=TODAY,
                                            payee="Pump Co.", purpose="Pump", source="public", receipt_number=receipt)
                db.session.commit()
                results.append("paid")
            except InvalidInput:
                db.session.rollback()
                results.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=pay, args=(f"R-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    db.session.expire_all()
    assert sorted(results) == ["paid", "refused"]
    assert money_trail(project).spent_public == 200_000
