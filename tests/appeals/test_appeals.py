"""Appeals: routing, deadlines, the officials' workflow, duplicates, co-signs, ratings, reopening, receipts."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from accounts.notifications import Notification
from accounts.regions import Region
from appeals import queries, workflow
from appeals import services as appeals
from appeals.errors import AlreadyCosigned, AppealClosed, NotHandler, UnknownReceipt, WrongStep
from appeals.models import Appeal, AppealEvent, AppealStatus, Cosign
from appeals.routing import responsible_department
from core.audit import AuditEntry
from core.db import db, utcnow
from core.errors import DomainError, InvalidInput, NotAllowed


def official_of(make_user, appeal):
    return make_user("official", department=appeal.department)


def kinds(user_id):
    return [n.kind for n in db.session.scalars(select(Notification).where(Notification.user_id == user_id)
                                                  .order_by(Notification.id))]


def test_the_closest_department_serving_the_category_gets_the_appeal(app, make_region, make_category,
                                                                      make_department, make_user):
    village = make_region("village")
    township = db.session.get(Region, village.parent_id)
    water, roads = make_category(), make_category()
    county_water = make_department(region=township.parent, categories=[water])
    township_water = make_department(region=township, categories=[water], answer_days=3)
    make_department(region=make_region("township"), categories=[water])  # another township's: never chosen
    assert responsible_department(water, village) == township_water
    assert responsible_department(roads, village) is None
    resident = make_user("resident", region=village, verified=True)
    appeal = appeals.submit_appeal(actor=resident, body="No water since Monday", category=water, village=village)
    assert appeal.department == township_water
    assert appeal.due_at - appeal.created_at == timedelta(days=3)
    unrouted = appeals.submit_appeal(actor=resident, body="Pothole", category=roads, village=village)
    assert unrouted.department is None and unrouted.due_at - unrouted.created_at == timedelta(days=7)
    assert county_water.id != township_water.id


@pytest.mark.parametrize("fields, field", [
    ({"body": "   "}, "body"),
    ({"body": "x" * 5001}, "body"),
    ({"contact_phone": "12345"}, "contact_phone"),
    ({"contact_email": "not an address"}, "contact_email"),
    ({"latitude": 91.0, "longitude": 10.0}, "latitude"),
    ({"body": "bell\x07"}, "body"),
])
def test_bad_appeals_are_refused_and_nothing_is_saved(app, make_appeal, make_user, fields, field):
    resident = make_user("resident", verified=True)
    with pytest.raises(InvalidInput) as refused:
        make_appeal(author=resident, **fields)
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Appeal)) == 0


def test_a_township_is_not_a_village(app, make_user, make_category, make_region):
    resident = make_user("resident", verified=True)
    with pytest.raises(InvalidInput) as refused:
        appeals.submit_appeal(actor=resident, body="x", category=make_category(),
                              village=db.session.get(Region, resident.region.parent_id))
    assert refused.value.field == "village"


def test_officials_record_phone_letter_and_visit_appeals_for_residents(app, make_user, make_category,
                                                                       make_department, make_region):
    village = make_region("village")
    category = make_category()
    department = make_department(region=village.path[0], categories=[category])
    official = make_user("official", department=department)
    appeal = appeals.submit_appeal(actor=official, body="Called about the broken bridge", category=category,
                                   village=village, channel="phone", contact_name="张大爷",
                                   contact_phone="138 0013 8000")
    assert (appeal.channel, appeal.author_id, appeal.recorded_by_id, appeal.contact_phone) == (
        "phone", None, official.id, "+8613800138000")
    with pytest.raises(NotAllowed):  # a resident cannot pretend to be a phone line
        appeals.submit_appeal(actor=make_user("resident", region=village), body="x", category=category,
                              village=village, channel="phone")
    elsewhere = make_user("official", department=make_department(region=make_region("county")))
    with pytest.raises(NotAllowed):
        appeals.submit_appeal(actor=elsewhere, body="x", category=category, village=village, channel="visit")


def test_an_appeal_goes_through_its_workflow_in_public(app, make_appeal, make_user, make_category,
                                                        make_department, make_region):
    village, category = make_region("village"), make_category()
    official = make_user("official", department=make_department(region=village.path[0], categories=[category]))
    appeal = make_appeal(village=village, category=category)
    neighbour = make_user("resident", region=appeal.region, verified=True)
    appeals.cosign(appeal, actor=neighbour)
    assert kinds(official.id) == ["appeal_received"]
    workflow.accept_appeal(appeal, actor=official)
    workflow.start_work(appeal, actor=official)
    assert appeal.answered_at is None  # accepting is not an answer
    workflow.answer_appeal(appeal, actor=official, body="The pump is ordered.")
    first_answer = appeal.answered_at
    workflow.answer_appeal(appeal, actor=official, body="Fixed today.", resolve=True)
    db.session.commit()
    assert appeal.status == AppealStatus.RESOLVED and appeal.answered_at == first_answer and appeal.closed_at
    steps = db.session.scalars(select(AppealEvent.kind).where(AppealEvent.appeal_id == appeal.id)
                               .order_by(AppealEvent.id)).all()
    assert steps == ["submitted", "accepted", "started", "answered", "resolved"]
    for follower in (appeal.author_id, neighbour.id):
        assert kinds(follower) == ["appeal_answered", "appeal_resolved"]
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.subject_id == appeal.id)
                               .order_by(AuditEntry.id)).all()
    assert [a.action for a in audit] == ["appeal.accept", "appeal.start", "appeal.answer", "appeal.resolve"]
    assert audit[0].actor_id == official.id
    assert (audit[0].before["status"], audit[0].after["status"]) == ("submitted", "accepted")


def test_only_the_departments_officials_act_and_only_in_order(app, make_appeal, make_user, make_department):
    appeal = make_appeal()
    stranger = make_user("official", department=make_department())
    with pytest.raises(NotHandler):
        workflow.answer_appeal(appeal, actor=stranger, body="Not mine")
    with pytest.raises(NotHandler):
        workflow.accept_appeal(appeal, actor=appeal.author)
    official = official_of(make_user, appeal)
    workflow.answer_appeal(appeal, actor=official, body="Done", resolve=True)
    with pytest.raises(WrongStep):
        workflow.accept_appeal(appeal, actor=official)
    with pytest.raises(WrongStep):
        workflow.reject_appeal(appeal, actor=official, reason="Too late")
    assert queries.may_handle(make_user("admin"), appeal)


def test_a_rejection_needs_a_public_reason(app, make_appeal, make_user):
    appeal = make_appeal()
    official = official_of(make_user, appeal)
    with pytest.raises(InvalidInput):
        workflow.reject_appeal(appeal, actor=official, reason=" ")
    assert appeal.status == AppealStatus.SUBMITTED
    workflow.reject_appeal(appeal, actor=official, reason="The road belongs to the province.")
    assert (appeal.status, appeal.closing_reason) == ("rejected", "The road belongs to the province.")
    assert appeal.answered_at is not None  # a reasoned refusal is an answer


def test_a_duplicate_sends_its_followers_to_the_first_report(app, make_appeal, make_user):
    first = make_appeal(body="Streetlight out at the bridge")
    official = official_of(make_user, first)
    second = make_appeal(category=first.category, village=first.region, body="Bridge light broken")
    third = make_appeal(category=first.category, village=first.region, body="Dark at the bridge")
    joiner = make_user("resident", region=first.region, verified=True)
    appeals.cosign(third, actor=joiner)
    workflow.mark_duplicate(second, actor=official, original=first)
    workflow.mark_duplicate(third, actor=official, original=second)  # a duplicate of a duplicate: the first
    db.session.commit()
    assert third.duplicate_of_id == first.id and second.status == third.status == AppealStatus.DUPLICATE
    assert set(appeals.followers(first)) == {first.author_id, second.author_id, third.author_id, joiner.id}
    assert first.cosigns_count == 3
    workflow.answer_appeal(first, actor=official, body="Replaced the lamp.")
    assert "appeal_answered" in kinds(joiner.id) and "appeal_duplicate" in kinds(joiner.id)
    with pytest.raises(InvalidInput):
        workflow.mark_duplicate(first, actor=official, original=first)


def test_reassigning_hands_the_appeal_over_with_a_fresh_deadline(app, make_appeal, make_user, make_department):
    appeal = make_appeal()
    official = official_of(make_user, appeal)
    other = make_department(answer_days=2)
    other_official = make_user("official", department=other)
    workflow.reassign(appeal, actor=official, department=other, reason="Water is the water bureau's task")
    db.session.commit()
    assert appeal.department_id == other.id and appeal.status == AppealStatus.SUBMITTED
    assert appeal.due_at > utcnow() + timedelta(days=1, hours=23)
    event = db.session.scalar(select(AppealEvent).where(AppealEvent.kind == "reassigned"))
    assert not event.public and event.params == {"from": official.department_id, "to": other.id}
    assert kinds(other_official.id) == ["appeal_received"]
    assert "appeal_reassigned" in kinds(appeal.author_id)
    with pytest.raises(NotHandler):  # no longer theirs
        workflow.add_note(appeal, actor=official, body="still looking")
    note = workflow.add_note(appeal, actor=other_official, body="Team visits Friday")
    assert not note.public


def test_cosigning_counts_once_per_resident(app, make_appeal, make_user):
    appeal = make_appeal()
    neighbour = make_user("resident", region=appeal.region, verified=True)
    appeals.cosign(appeal, actor=neighbour)
    with pytest.raises(AlreadyCosigned):
        appeals.cosign(appeal, actor=neighbour)
    with pytest.raises(NotAllowed):
        appeals.cosign(appeal, actor=appeal.author)
    private = make_appeal(public=False)
    with pytest.raises(NotAllowed):
        appeals.cosign(private, actor=neighbour)
    db.session.commit()
    assert appeal.cosigns_count == 1
    assert db.session.scalar(select(func.count()).select_from(Cosign)) == 1
    workflow.answer_appeal(appeal, actor=official_of(make_user, appeal), body="Done", resolve=True)
    with pytest.raises(AppealClosed):
        appeals.cosign(appeal, actor=make_user("resident", verified=True))


def test_followers_rate_the_answer_and_may_change_their_mind(app, make_appeal, make_user):
    appeal = make_appeal()
    neighbour = make_user("resident", region=appeal.region, verified=True)
    appeals.cosign(appeal, actor=neighbour)
    with pytest.raises(WrongStep):  # nothing to rate yet
        appeals.rate_answer(appeal, actor=appeal.author, score=5)
    workflow.answer_appeal(appeal, actor=official_of(make_user, appeal), body="Pump ordered.")
    with pytest.raises(NotAllowed):
        appeals.rate_answer(appeal, actor=make_user("resident"), score=1)
    for bad in (0, 6, "five", None):
        with pytest.raises(InvalidInput):
            appeals.rate_answer(appeal, actor=appeal.author, score=bad)
    appeals.rate_answer(appeal, actor=appeal.author, score=2, comment="Slow")
    rating = appeals.rate_answer(appeal, actor=appeal.author, score=4)
    appeals.rate_answer(appeal, actor=neighbour, score=5)
    db.session.commit()
    assert (rating.score, rating.comment) == (4, None)


def test_an_unsolved_problem_can_be_reopened_within_the_window(app, make_appeal, make_user):
    appeal = make_appeal()
    official = official_of(make_user, appeal)
    workflow.answer_appeal(appeal, actor=official, body="Fixed.", resolve=True)
    appeals.reopen(appeal, actor=appeal.author, reason="Dry again this morning")
    db.session.commit()
    assert (appeal.status, appeal.reopened_count, appeal.closed_at) == (AppealStatus.ACCEPTED, 1, None)
    assert appeal.due_at > utcnow() + timedelta(days=6)
    assert "appeal_reopened" in kinds(official.id)
    workflow.answer_appeal(appeal, actor=official, body="New pump.", resolve=True)
    db.session.execute(AppealEvent.__table__.update().where(AppealEvent.appeal_id == appeal.id)
                       .values(created_at=utcnow() - timedelta(days=15)))  # the latest answer, 15 days ago
    with pytest.raises(WrongStep, match="within 14 days"):
        appeals.reopen(appeal, actor=appeal.author, reason="Again")
    with pytest.raises(NotAllowed):
        appeals.reopen(appeal, actor=make_user("resident"), reason="Not mine")


@pytest.mark.parametrize("typed", ["{code}", "{lower}", "{nodash}", " {spaced} "])
def test_anyone_with_the_receipt_code_finds_the_appeal(app, make_appeal, typed):
    appeal = make_appeal(public=False)
    code = appeal.receipt_code
    variants = {"code": code, "lower": code.lower(), "nodash": code.replace("-", ""),
                "spaced": code[:4] + " " + code[5:]}
    assert appeals.find_by_receipt(typed.format(**variants)) == appeal


@pytest.mark.parametrize("code", ["", "ABCD", "ABCD-EFG0", "OOOO-OOOO", "x" * 500])
def test_a_wrong_receipt_code_says_so(app, make_appeal, code):
    make_appeal()
    with pytest.raises(UnknownReceipt) as refused:
        appeals.find_by_receipt(code)
    assert isinstance(refused.value, DomainError) and "eight characters" in str(refused.value.message)


def test_a_private_appeal_of_another_department_cannot_swallow_duplicates(app, make_appeal, make_user):
    """Marking a duplicate makes its followers followers of the original: never a way into a private appeal."""
    mine = make_appeal()
    official = official_of(make_user, mine)
    elsewhere = make_appeal(public=False)  # another department's, private
    with pytest.raises(InvalidInput, match="another department") as refused:
        workflow.mark_duplicate(mine, actor=official, original=elsewhere)
    assert refused.value.field == "original"  # said next to the number typed: this appeal is the official's
    private_here = make_appeal(village=mine.region, category=mine.category, public=False)
    with pytest.raises(InvalidInput, match="private"):
        workflow.mark_duplicate(mine, actor=official, original=private_here)
    assert mine.author_id not in appeals.followers(private_here)


def test_a_private_appeal_takes_no_repeat_that_would_bring_new_readers(app, make_appeal, make_user):
    """The author's own repeat of their private appeal may join it; a repeat others co-signed may not, or the
    co-signers would follow, and read, the private appeal."""
    original = make_appeal(public=False)
    official = official_of(make_user, original)
    repeat = make_appeal(author=original.author, village=original.region, category=original.category)
    neighbour = make_user("resident", region=original.region, verified=True)
    appeals.cosign(repeat, actor=neighbour)
    with pytest.raises(InvalidInput, match="private"):
        workflow.mark_duplicate(repeat, actor=official, original=original)
    assert neighbour.id not in queries.followers(original)
    alone = make_appeal(author=original.author, village=original.region, category=original.category)
    workflow.mark_duplicate(alone, actor=official, original=original)
    assert alone.duplicate_of_id == original.id and queries.followers(original) == [original.author_id]


def test_a_silent_resolve_is_not_an_answer_and_lateness_survives_a_reopen(app, make_appeal, make_user):
    appeal = make_appeal()
    official = official_of(make_user, appeal)
    workflow.resolve_appeal(appeal, actor=official)
    assert appeal.answered_at is None  # the response rate counts words to the residents, not a status change
    late = make_appeal(village=appeal.region, category=appeal.category)
    late.due_at = late.created_at  # already past its deadline
    workflow.answer_appeal(late, actor=official, body="Sorry for the wait.", resolve=True)
    appeals.reopen(late, actor=late.author, reason="Still broken")
    db.session.commit()
    assert late.answered_late and late.due_at > utcnow()  # a new deadline, the old lateness kept


def test_the_reopen_window_counts_from_the_latest_answer(app, make_appeal, make_user):
    appeal = make_appeal()
    official = official_of(make_user, appeal)
    workflow.answer_appeal(appeal, actor=official, body="First answer")
    db.session.execute(AppealEvent.__table__.update().where(AppealEvent.appeal_id == appeal.id)
                       .values(created_at=utcnow() - timedelta(days=40)))
    appeal.answered_at = utcnow() - timedelta(days=40)
    workflow.answer_appeal(appeal, actor=official, body="A second, recent answer")
    appeals.reopen(appeal, actor=appeal.author, reason="Still not solved")  # within 14 days of the latest
    assert appeal.status == AppealStatus.ACCEPTED
