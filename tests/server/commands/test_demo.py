"""`minyi demo`: a county with a year of history that the app reads as residents and officials made it."""

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select, text

from appeals.models import Appeal
from core.db import db, utcnow
from core.storage import uploads
from projects.models import Project, ProjectPhoto
from proposals.images import ProposalImage
from proposals.models import Proposal
from server.commands.data import demo_command
from voting.models import Support
from voting.supports import threshold


@pytest.fixture
def demo(demo_county):
    """The demo county: run for real by the first test of the process that asks, copied back for the others."""
    return demo_county


def _scalar(sql):
    return db.session.execute(text(sql)).scalar()


def test_qualified_and_accepted_proposals_have_their_threshold_of_real_supports(demo):
    proposals = db.session.scalars(select(Proposal)).all()
    assert {p.status for p in proposals} >= {"open", "qualified", "accepted", "rejected", "withdrawn", "expired"}
    for proposal in proposals:
        counted = db.session.scalar(select(func.count()).select_from(Support).where(Support.proposal_id == proposal.id))
        assert proposal.supports_count == counted, proposal.title
        if proposal.status in ("qualified", "accepted"):
            assert counted >= threshold(proposal) >= 10, proposal.title
        elif proposal.status in ("open", "expired"):
            assert counted < threshold(proposal), proposal.title
    # Every support is a verified resident of the proposal's area, after it was put forward.
    assert _scalar("SELECT count(*) FROM supports s JOIN users u ON u.id = s.user_id JOIN proposals p "
                   "ON p.id = s.proposal_id WHERE u.verified_at IS NULL OR s.created_at < p.created_at") == 0


def test_pledges_of_money_hours_and_materials_settled_at_their_deadline(demo):
    kinds = _scalar("SELECT count(DISTINCT kind) FROM pledges")
    assert kinds == 3
    assert _scalar("SELECT count(*) FROM pledges WHERE status = 'committed'") > 0
    assert _scalar("SELECT count(*) FROM pledges WHERE status = 'released'") > 0
    assert _scalar("SELECT count(*) FROM proposals WHERE funded") == 1


def test_a_year_of_appeals_answered_on_time_and_late_rated_and_reopened(demo, client):
    months = db.session.scalars(select(Appeal.month).distinct()).all()
    assert len(months) >= 12
    per_month = db.session.execute(select(Appeal.month, func.count()).group_by(Appeal.month)).all()
    assert len({count for _, count in per_month}) >= 5  # the chart has a shape, not a flat line
    oldest = db.session.scalar(select(func.min(Appeal.created_at)))
    assert utcnow() - oldest > timedelta(days=330)
    assert _scalar("SELECT count(*) FROM appeals WHERE answered_late") > 0
    assert _scalar("SELECT count(*) FROM appeals WHERE answered_late = false") > 50
    assert _scalar("SELECT count(*) FROM appeals WHERE answered_at IS NOT NULL AND reopened_count = 0 AND "
                   "answered_late <> (answered_at > due_at)") == 0  # (reopening sets a new deadline)
    assert _scalar("SELECT count(*) FROM appeals WHERE reopened_count > 0") > 0
    assert _scalar("SELECT count(*) FROM appeal_ratings") > 20
    assert _scalar("SELECT count(*) FROM appeals WHERE channel = 'kiosk'") > 3
    assert _scalar("SELECT count(*) FROM appeal_events WHERE kind = 'submitted' AND created_at <> "
                   "(SELECT created_at FROM appeals a WHERE a.id = appeal_events.appeal_id)") == 0
    # The dashboard counts them all, month by month.
    from appeals.dashboard import figures

    total = figures()[0]
    assert total.appeals == _scalar("SELECT count(*) FROM appeals")
    assert total.ratings == _scalar("SELECT count(*) FROM appeal_ratings")
    assert client.get("/dashboard").status_code == 200


def test_projects_in_every_status_with_milestones_reports_and_payments(demo, client):
    assert set(db.session.scalars(select(Project.status))) == {"planned", "in_progress", "completed"}
    assert _scalar("SELECT count(*) FROM projects p WHERE budget_public_minor < "
                   "(SELECT coalesce(sum(amount_minor), 0) FROM expenditures e WHERE e.project_id = p.id)") == 0
    assert _scalar("SELECT count(*) FROM projects p WHERE status = 'completed' AND EXISTS "
                   "(SELECT 1 FROM milestones m WHERE m.project_id = p.id AND m.done_on IS NULL)") == 0
    assert _scalar("SELECT count(*) FROM project_ratings") > 0
    assert _scalar("SELECT count(*) FROM project_updates") > 5
    for project in db.session.scalars(select(Project)):
        assert client.get(f"/projects/{project.id}").status_code == 200


def test_photos_are_real_images_stored_the_usual_way(demo, client):
    photos = [*db.session.scalars(select(ProposalImage)), *db.session.scalars(select(ProjectPhoto))]
    assert len(photos) > 8
    for photo in photos:
        with Image.open(io.BytesIO(uploads().read(photo.filename))) as image:
            assert image.size == (photo.width, photo.height) and image.format == "JPEG"
    assert client.get(f"/proposals/{photos[0].proposal_id}").status_code == 200


def test_demo_twice_loads_nothing_twice(app, demo):
    counts = {table: _scalar(f"SELECT count(*) FROM {table}") for table in ("users", "appeals", "proposals")}
    again = app.test_cli_runner().invoke(demo_command)
    assert again.exit_code == 0 and "already loaded" in again.output
    assert "admin@example.org" in again.output
    assert counts == {table: _scalar(f"SELECT count(*) FROM {table}") for table in counts}


def test_the_demo_has_a_budget_cycle_in_voting_with_hundreds_of_ballots_and_a_finished_one(demo):
    from accounts.users import User
    from budgeting.models import Ballot, BudgetCycle, BudgetPart, BudgetProject
    from server.commands.demo import RESIDENTS

    cycles = {c.phase: c for c in db.session.scalars(select(BudgetCycle))}
    assert set(cycles) >= {"voting", "finished"}
    voting, finished = cycles["voting"], cycles["finished"]
    assert voting.region.code == "FY" and voting.voting_until >= utcnow().date()

    def ballots(cycle):
        return db.session.scalar(select(func.count()).select_from(Ballot).join(BudgetPart)
                                 .where(BudgetPart.cycle_id == cycle.id))

    assert ballots(voting) >= 200 and ballots(finished) >= 50
    named = [f"+86{phone}" for phone, *_rest in RESIDENTS if phone]  # left for whoever tries the demo
    assert not db.session.scalar(select(func.count()).select_from(Ballot).join(BudgetPart).join(User)
                                 .where(BudgetPart.cycle_id == voting.id, User.phone.in_(named)))
    reasons = db.session.scalars(select(BudgetProject.review_reason).where(BudgetProject.review_reason.is_not(None)))
    assert any("管线" in reason for reason in reasons)
