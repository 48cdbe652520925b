"""The dashboard's roll-ups follow every change to appeals and ratings, so they always equal a recount from
scratch, whatever residents and officials did in whatever order."""

import random

import pytest
from sqlalchemy import select

from accounts.regions import Department
from accounts.users import User
from appeals import services, workflow
from appeals.dashboard import figures
from appeals.models import Appeal, Rating
from appeals.rollups import AppealRollup, ResponseTimes, rebuild
from core.db import commit_with_retry, db
from core.errors import DomainError
from tests.helpers import at_once


def _tables():
    days = {(r.day, r.department_id, r.township_id): (r.appeals, r.answered, r.answered_late, r.resolved,
                                                      r.reopened, r.ratings, r.rating_sum)
            for r in db.session.scalars(select(AppealRollup))}
    times = {(r.month, r.dimension, r.key_id, r.bucket): (r.count, r.seconds_sum)
             for r in db.session.scalars(select(ResponseTimes))}
    # Rows whose counts came back to zero mean nothing (a recount leaves them out).
    return ({k: v for k, v in days.items() if any(v)}, {k: v for k, v in times.items() if any(v)})


@pytest.fixture
def county(make_region, make_category, make_department, make_user):
    """Two townships of two villages; two departments, each with an official; residents everywhere."""
    township_a, township_b = make_region("township"), make_region("township")
    villages = [make_region("village", parent=t) for t in (township_a, township_b) for _ in range(2)]
    county = township_a.path[0]
    water, roads = make_category(), make_category()
    departments = [make_department(region=county, categories=[water]),
                   make_department(region=county, categories=[roads])]
    officials = {d.id: make_user("official", department=d) for d in departments}
    residents = [make_user("resident", region=v, verified=True) for v in villages for _ in range(3)]
    return villages, [water, roads], departments, officials, residents


def test_roll_ups_equal_a_recount_after_random_steps(app, county):
    villages, categories, departments, officials, residents = county
    rng = random.Random(20261127)
    appeals = []
    for _ in range(120):
        action = rng.choice(["submit", "submit", "answer", "answer", "resolve", "reopen", "rate", "rate",
                             "reassign", "reject", "start"])
        try:
            if action == "submit" or not appeals:
                author = rng.choice(residents)
                appeals.append(services.submit_appeal(actor=author, body="路灯坏了 streetlight broken",
                                                      category=rng.choice(categories), village=author.region))
            else:
                appeal = rng.choice(appeals)
                official = officials.get(appeal.department_id)
                if action == "answer":
                    workflow.answer_appeal(appeal, actor=official, body="On it.", resolve=rng.random() < 0.3)
                elif action == "resolve":
                    workflow.resolve_appeal(appeal, actor=official)
                elif action == "start":
                    workflow.start_work(appeal, actor=official)
                elif action == "reject":
                    workflow.reject_appeal(appeal, actor=official, reason="Not ours.")
                elif action == "reassign":
                    other = next(d for d in departments if d.id != appeal.department_id)
                    workflow.reassign(appeal, actor=official, department=other, reason="Theirs.")
                elif action == "reopen":
                    services.reopen(appeal, actor=appeal.author, reason="Still broken.")
                elif action == "rate":
                    services.rate_answer(appeal, actor=appeal.author, score=rng.randint(1, 5))
            db.session.commit()
        except DomainError:  # a step that does not fit the appeal's state is refused, as on the page
            db.session.rollback()
    # Rating again replaces the earlier score.
    rating = db.session.scalars(select(Rating)).first()
    appeal = db.session.get(Appeal, rating.appeal_id)
    services.rate_answer(appeal, actor=db.session.get(User, rating.user_id), score=rating.score % 5 + 1)
    db.session.commit()
    incremental = _tables()
    assert sum(v[0] for v in incremental[0].values()) == db.session.query(Appeal).count()
    assert sum(v[5] for v in incremental[0].values()) > 0 and incremental[1]  # ratings and answers happened
    shown = [f.as_dict() for by in (None, "department", "township", "month") for f in figures(by)]
    rebuild()
    db.session.commit()
    assert _tables() == incremental
    assert [f.as_dict() for by in (None, "department", "township", "month") for f in figures(by)] == shown


def test_answers_at_the_same_time_all_count(app, make_app, county):
    """Officials answering appeals of the same day, department and township at once add up: each transaction
    adds its difference to the shared row instead of writing a total it read before."""
    villages, categories, departments, officials, residents = county
    author = residents[0]
    ids = [services.submit_appeal(actor=author, body=f"Problem {i}", category=categories[0],
                                  village=author.region).id for i in range(8)]
    db.session.commit()
    official = officials[departments[0].id].id

    def answer(appeal_id):
        def work():
            appeal = db.session.get(Appeal, appeal_id)
            workflow.answer_appeal(appeal, actor=db.session.get(User, official), body="Done.")

        commit_with_retry(work)

    assert at_once(make_app(), answer, ids) == [None] * len(ids)
    db.session.expire_all()
    assert figures()[0].answered == 8


def test_steps_on_the_same_appeal_at_the_same_time_still_add_up(app, make_app, county):
    """Two officials answering one appeal at once while a third hands it over: each transaction takes its
    difference from the appeal as stored (locked), not as it was when loaded, so nothing is counted twice."""
    villages, categories, departments, officials, residents = county
    author = residents[0]
    appeal_id = services.submit_appeal(actor=author, body="The bridge is broken", category=categories[0],
                                       village=author.region).id
    db.session.commit()
    first, other = officials[departments[0].id].id, departments[1].id

    def act(step):
        def work():
            appeal = db.session.get(Appeal, appeal_id)
            official = db.session.get(User, first)
            if step == "reassign":
                workflow.reassign(appeal, actor=official, department=db.session.get(Department, other),
                                  reason="Theirs.")
            else:
                workflow.answer_appeal(appeal, actor=official, body="Done.")

        commit_with_retry(work)

    outcomes = at_once(make_app(), act, ["answer", "answer", "reassign"])
    assert [o for o in outcomes if o is not None and not isinstance(o, DomainError)] == []  # refused, or done
    db.session.expire_all()
    incremental = _tables()
    rebuild()
    db.session.commit()
    assert _tables() == incremental


def test_bulk_steps_crossing_each_other_never_deadlock(postgres_scratch_url, test_config):
    """Two officials' bulk steps, each over two appeals of two townships, in opposite orders, each flushed
    before the other goes on. Roll-up rows are written once, in one order, as each transaction commits: both
    finish, and both count. (On PostgreSQL: SQLite lets one writer at a time, so this cannot happen there.)"""
    import threading

    from flask_migrate import upgrade

    from accounts import organisation
    from accounts import services as accounts
    from accounts.users import Role
    from server import create_app

    app = create_app({**test_config, "SQLALCHEMY_DATABASE_URI": postgres_scratch_url})
    with app.app_context():
        upgrade()
        county = organisation.create_region(actor=None, parent=None, code="C", name_zh="县", name_en="County")
        villages = []
        for n in (1, 2):
            township = organisation.create_region(actor=None, parent=county, code=f"T{n}", name_zh=f"镇{n}",
                                                  name_en=f"Town {n}")
            villages.append(organisation.create_region(actor=None, parent=township, code=f"V{n}",
                                                       name_zh=f"村{n}", name_en=f"Village {n}"))
        water = organisation.create_category(actor=None, code="water", name_zh="水", name_en="Water")
        department = organisation.create_department(actor=None, code="d", name_zh="水务局", name_en="Water",
                                                    region=county, categories=[water])
        official = accounts.create_user(actor=None, role=Role.OFFICIAL, display_name="O", email="o@example.org",
                                        password="correct horse battery", department=department)
        author = accounts.create_user(actor=None, role=Role.RESIDENT, display_name="R", email="r@example.org",
                                      password="correct horse battery", region=villages[0])
        author.verified_at, author.verification_method = author.created_at, "in_person"
        one, two = ([services.submit_appeal(actor=author, body=f"Problem {n}", category=water, village=village).id
                     for n in range(2)] for village in villages)
        db.session.commit()
        official_id = official.id

    both_flushed = threading.Barrier(2, timeout=30)

    def bulk(order):
        officer = db.session.get(User, official_id)
        for step, appeal_id in enumerate(order):
            workflow.answer_appeal(db.session.get(Appeal, appeal_id), actor=officer, body="Repaired.")
            db.session.flush()
            if step == 0:
                both_flushed.wait()
        db.session.commit()

    assert at_once(app, bulk, [(one[0], two[0]), (two[1], one[1])]) == [None, None]
    with app.app_context():
        assert figures()[0].answered == 4
        db.session.remove()
        db.engine.dispose()


def test_a_step_undone_inside_a_bulk_action_is_not_counted(app, county):
    """A bulk step undoes one appeal's step (its savepoint rolled back after the step was flushed): the
    dashboard counts the others only, as a recount does."""
    villages, categories, departments, officials, residents = county
    author = residents[0]
    ids = [services.submit_appeal(actor=author, body=f"Problem {i}", category=categories[0],
                                  village=author.region).id for i in range(3)]
    db.session.commit()
    official = officials[departments[0].id]
    for appeal_id in ids:
        savepoint = db.session.begin_nested()
        workflow.answer_appeal(db.session.get(Appeal, appeal_id), actor=official, body="Done.")
        db.session.flush()
        if appeal_id == ids[1]:
            savepoint.rollback()
        else:
            savepoint.commit()
    db.session.commit()
    db.session.expire_all()
    assert figures()[0].answered == 2
    incremental = _tables()
    rebuild()
    assert _tables() == incremental
