"""The minyi command: help everywhere, create-user, demo, migrations."""

import subprocess
import sys

import pytest
from sqlalchemy import func, select

from accounts.regions import Region
from accounts.users import User
from appeals.models import Appeal
from core.db import db
from proposals.models import Proposal
from server.commands.data import demo_command
from server.commands.people import create_user_command


@pytest.mark.parametrize("args", [["--help"], ["serve", "--help"], ["db", "--help"], ["db", "upgrade", "--help"],
                                  ["demo", "--help"], ["create-user", "--help"]])
def test_every_command_has_help(args, tmp_path):
    result = subprocess.run([sys.executable, "-m", "server", *args], capture_output=True, text=True,
                            env={"MINYI_INSTANCE_PATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout


def test_create_user_makes_an_official_in_a_department(app, make_department):
    department = make_department(code="fy-roads")
    result = app.test_cli_runner().invoke(create_user_command, [
        "--role", "official", "--name", "王科长", "--email", "wang@example.org", "--department", "fy-roads",
        "--password", "a long enough password"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "wang@example.org"))
    assert user.role == "official" and user.department_id == department.id


@pytest.mark.parametrize("args, message", [
    (["--role", "official", "--name", "x", "--email", "x@example.org"], "must belong to a department"),
    (["--role", "resident", "--name", "x", "--email", "x@example.org", "--region", "NOPE"], "No region"),
    (["--role", "admin", "--name", "x", "--email", "not-an-email"], "not a valid email"),
    (["--name", "x", "--email", "x@example.org"], "must belong to a village"),
])
def test_create_user_explains_bad_input(app, args, message):
    result = app.test_cli_runner().invoke(create_user_command, args + ["--password", "a long enough password"])
    assert result.exit_code != 0
    assert message in result.output


def test_demo_loads_once_with_every_role_and_both_languages(app):
    runner = app.test_cli_runner()
    first = runner.invoke(demo_command)
    assert first.exit_code == 0, first.output
    for role in ("admin", "moderator", "official", "resident"):
        assert role in first.output
    assert db.session.scalar(select(func.count()).select_from(Proposal)) >= 5
    assert db.session.scalar(select(func.count()).select_from(Appeal)) >= 5
    assert {p.language for p in db.session.scalars(select(Proposal))} == {"zh_Hans", "en"}
    assert db.session.scalar(select(Region.name_en).where(Region.code == "FY")) == "Fengyi County"
    users = db.session.scalar(select(func.count()).select_from(User))
    second = runner.invoke(demo_command)
    assert "already loaded" in second.output
    assert db.session.scalar(select(func.count()).select_from(User)) == users


def test_demo_logins_work(demo_county, client):
    response = client.post("/login", {"identifier": "admin@example.org", "password": "minyi-demo"})
    assert response.status_code == 302
    assert client.get("/admin/users").status_code == 200


def test_demo_refuses_production(make_app):
    app = make_app(MINYI_ENV="production", MINYI_ALLOW_SQLITE=True)
    result = app.test_cli_runner().invoke(demo_command)
    assert result.exit_code != 0 and "production" in result.output


def test_later_demo_runs_print_the_logins_again(demo_county):
    again = demo_county.test_cli_runner().invoke(demo_command)
    assert "already loaded" in again.output and "admin@example.org" in again.output
    assert "+8613800138006" in again.output


def test_tick_settles_due_deadlines_once(app, make_proposal, make_user):
    from datetime import timedelta

    from core.db import utcnow
    from server.commands.serving import tick_command
    from voting.models import Pledge
    from voting.pledges import pledge_to

    proposal = make_proposal(goal_minor=10_000, deadline=utcnow() + timedelta(days=1))
    pledge_to(proposal, actor=make_user("resident", region=proposal.region, verified=True), kind="money", amount_minor=10_000)
    proposal.deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    first = app.test_cli_runner().invoke(tick_command)
    assert "goal reached" in first.output and "settled 1" in first.output and "expired 0" in first.output
    assert db.session.scalar(select(Pledge.status)) == "committed"
    second = app.test_cli_runner().invoke(tick_command)
    assert "settled 0" in second.output


def test_tick_closes_budget_voting_after_its_last_day_and_not_before(app, make_cycle):
    from datetime import date, timedelta

    from budgeting.schedule import local_today
    from server.commands.serving import tick_command

    past = {"collecting_until": date(2020, 1, 1), "reviewing_until": date(2020, 2, 1)}
    still_open = make_cycle("voting", voting_until=local_today(), **past)
    over = make_cycle("voting", voting_until=local_today() - timedelta(days=1), **past)
    first = app.test_cli_runner().invoke(tick_command)
    assert f"budget cycle {over.id}: voting closed" in first.output
    db.session.expire_all()
    assert (over.phase, still_open.phase) == ("counting", "voting")
    again = app.test_cli_runner().invoke(tick_command).output
    assert "voting closed" not in again  # once is all
    assert f"budget cycle {over.id}: 3 part(s) counted" in again  # (counted now its kiosk ballots are in)
