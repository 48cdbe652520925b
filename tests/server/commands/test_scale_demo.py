"""`minyi demo --scale N`: a large generated data set that the app reads as if residents and officials had
made it (every derived figure agrees with the rows), the same for the same seed, loaded only into an empty
database."""

import hashlib

import pytest
from sqlalchemy import func, select, text

from core.db import db
from server.commands.data import demo_command
from server.commands.demo import DEMO_PASSWORD
from tests.helpers import empty_all_tables

SCALE = ["--scale", "0.002", "--as-of", "2026-11-27"]


@pytest.fixture
def generated(app):
    result = app.test_cli_runner().invoke(demo_command, SCALE)
    assert result.exit_code == 0, result.output
    return result.output


def _scalar(sql):
    return db.session.execute(text(sql)).scalar()


def test_generates_every_kind_of_record_and_says_how_many(generated):
    from appeals.models import Appeal
    from projects.models import Expenditure, Project
    from voting.models import Pledge, Support

    assert "200 residents, 200 proposals, 2,000 supports and 2,000 appeals" in generated
    for model, least in ((Support, 1000), (Appeal, 2000), (Pledge, 1), (Project, 1), (Expenditure, 1)):
        assert db.session.scalar(select(func.count()).select_from(model)) >= least, model
    assert "admin@example.org" in generated and "+8613900000001" in generated


def test_derived_figures_agree_with_the_rows(generated):
    # Every count kept on a row is the count of the rows it stands for.
    assert _scalar("SELECT count(*) FROM proposals p WHERE supports_count <> "
                   "(SELECT count(*) FROM supports s WHERE s.proposal_id = p.id)") == 0
    assert _scalar("SELECT count(*) FROM appeals a WHERE cosigns_count <> "
                   "(SELECT count(*) FROM appeal_cosigns c WHERE c.appeal_id = a.id)") == 0
    # A qualified or accepted proposal has at least the smallest threshold of supports; an open one is below its own.
    assert _scalar("SELECT count(*) FROM proposals WHERE status IN ('qualified', 'accepted') "
                   "AND supports_count < 10") == 0
    assert _scalar("SELECT count(*) FROM proposals WHERE status = 'accepted'") > 0
    # Supports come from residents of the proposal's area, after it was made.
    assert _scalar("SELECT count(*) FROM supports s JOIN proposals p ON p.id = s.proposal_id "
                   "WHERE s.created_at < p.created_at") == 0
    # Late means answered after the deadline; the month is where the time is.
    assert _scalar("SELECT count(*) FROM appeals WHERE answered_at IS NOT NULL AND "
                   "answered_late <> (answered_at > due_at)") == 0
    # A project never spends more than its budget, and carries its proposal's live pledges.
    assert _scalar("SELECT count(*) FROM projects p WHERE budget_public_minor < "
                   "(SELECT coalesce(sum(amount_minor), 0) FROM expenditures e WHERE e.project_id = p.id)") == 0
    assert _scalar("SELECT count(*) FROM pledges g JOIN project_sources s ON s.proposal_id = g.proposal_id "
                   "WHERE g.status IN ('pledged', 'committed') AND (g.project_id IS NULL "
                   "OR g.project_id <> s.project_id)") == 0
    assert _scalar("SELECT count(*) FROM pledges WHERE project_id IS NOT NULL") > 0
    # The dashboard's roll-ups count every appeal, answer and rating.
    from appeals.dashboard import figures

    total = figures()[0]
    assert (total.appeals, total.answered, total.ratings) == (
        _scalar("SELECT count(*) FROM appeals"), _scalar("SELECT count(*) FROM appeals WHERE answered_at IS NOT NULL"),
        _scalar("SELECT count(*) FROM appeal_ratings"))


def test_the_app_reads_the_generated_data(app, generated, client):
    from accounts.users import User
    from appeals.models import Appeal
    from server.commands.scale.people import resident_phone

    for page in ("/proposals", "/proposals?sort=top", "/appeals", "/projects", "/projects/1", "/proposals/1",
                 "/dashboard", "/api/v1/proposals", "/api/v1/appeals", "/api/v1/projects"):
        assert client.get(page).status_code == 200, page
    appeal = db.session.scalar(select(Appeal).where(Appeal.public.is_(True)).order_by(Appeal.id.desc()))
    assert appeal.receipt_code.split("-")[0][0].isalpha()  # web codes start with a letter (kiosks' with a digit)
    assert appeal.body[:10] in client.get(f"/appeals/{appeal.id}").get_data(as_text=True)
    # Residents and officials log in with the demo password.
    resident = db.session.scalar(select(User).where(User.phone == resident_phone(1)))
    client.login(resident, DEMO_PASSWORD)
    client.logout()
    official = db.session.scalar(select(User).where(User.email == "roads@example.org"))
    client.login(official, DEMO_PASSWORD)
    assert client.get("/officials/appeals").status_code == 200


def _fingerprint() -> str:
    """Every row of every table, except what is random by design (password salts, the tree's token)."""
    digest = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if c.name not in ("password_hash", "token")]
        for row in db.session.execute(select(*columns).order_by(*table.primary_key.columns)):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def test_the_same_seed_gives_the_same_data(app, generated):
    first = _fingerprint()
    db.session.commit()
    empty_all_tables(db.engine)
    assert app.test_cli_runner().invoke(demo_command, SCALE).exit_code == 0
    assert _fingerprint() == first
    db.session.commit()
    empty_all_tables(db.engine)
    assert app.test_cli_runner().invoke(demo_command, [*SCALE, "--seed", "7"]).exit_code == 0
    assert _fingerprint() != first


def test_refuses_a_database_that_holds_data_and_keeps_it(app, make_user):
    from accounts.users import User

    make_user()
    result = app.test_cli_runner().invoke(demo_command, SCALE)
    assert result.exit_code != 0 and "new database" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
