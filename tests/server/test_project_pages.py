"""Project pages: an official makes a project of a qualified proposal, reports progress and payments; the
public page shows the timeline, the milestones and a money trail whose totals add up; others cannot edit."""

from datetime import date, timedelta

from sqlalchemy import select

from core.db import db
from projects.models import Project, ProjectTask
from projects.money import record_expenditure
from projects.promotion import promote_to_project
from proposals.models import ProposalStatus

TODAY = date.today()


def qualified(make_proposal, make_user, make_department):
    proposal = make_proposal(title="Mend the well")
    proposal.status = ProposalStatus.QUALIFIED
    department = make_department(region=proposal.region.path[0], categories=[proposal.category])
    official = make_user("official", department=department)
    db.session.commit()
    return proposal, department, official


def test_an_official_makes_a_project_and_the_public_follows_it(client, make_proposal, make_user, make_department):
    proposal, department, official = qualified(make_proposal, make_user, make_department)
    client.login(official)
    queue = client.get("/officials/proposals").get_data(as_text=True)
    assert f"/officials/proposals/{proposal.id}/promote" in queue
    assert client.get(f"/officials/proposals/{proposal.id}/promote").location.endswith(
        f"/officials/projects/new?proposal={proposal.id}")
    made = client.post(f"/officials/projects/new?proposal={proposal.id}", {
        "title": "Well repair", "description": "New pump.\nLining <b>bold?</b>", "department": str(department.id),
        "lead": str(official.id), "budget": "3,000.50", "start_on": TODAY.isoformat(),
        "target_on": (TODAY + timedelta(60)).isoformat(), "m1_title": "Buy the pump",
        "m1_on": (TODAY + timedelta(10)).isoformat(), "m1_weight": "1", "m2_title": "Line the well",
        "m2_on": (TODAY + timedelta(40)).isoformat(), "m2_weight": "3"})
    assert made.status_code == 302, made.get_data(as_text=True)
    project = db.session.scalar(select(Project))
    assert project.budget_public_minor == 300_050 and len(project.milestones) == 2

    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Lining &lt;b&gt;bold?&lt;/b&gt;" in page  # text, never markup
    client.post(f"/officials/projects/{project.id}/update", {"body": "The pump is ordered."})
    paid = client.post(f"/officials/projects/{project.id}/expenditure", {
        "amount": "1200", "spent_on": TODAY.isoformat(), "payee": "Pump Co.", "purpose": "Pump", "source": "public",
        "receipt_number": "INV-1"})
    assert paid.status_code == 302
    client.post(f"/officials/projects/{project.id}/milestones/{project.milestones[0].id}/done", {})
    too_much = client.post(f"/officials/projects/{project.id}/expenditure", {
        "amount": "5000", "spent_on": TODAY.isoformat(), "payee": "X", "purpose": "Y", "source": "public"})
    html = too_much.get_data(as_text=True)
    assert too_much.status_code == 422 and 'id="amount-error"' in html and "more than is left" in html

    visitor = client.raw.application.test_client()  # anyone, not logged in
    visitor.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    public = visitor.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "The pump is ordered." in public and "Pump Co." in public and "INV-1" in public
    assert "25% done" in public  # weight 1 of 4 done
    assert "1,800.50" in public  # public funds left: 3,000.50 - 1,200
    assert "Record a payment" not in public  # nothing to edit for the public
    listing = visitor.get("/projects").get_data(as_text=True)
    assert "Well repair" in listing and "25% done" in listing


def test_a_project_may_start_with_no_public_funds(client, make_proposal, make_user, make_department):
    proposal, department, official = qualified(make_proposal, make_user, make_department)
    client.login(official)
    made = client.post(f"/officials/projects/new?proposal={proposal.id}", {
        "title": "Residents build it", "description": "With their own money and hands.",
        "department": str(department.id), "budget": "0", "start_on": TODAY.isoformat(),
        "target_on": TODAY.isoformat()})
    assert made.status_code == 302 and db.session.scalar(select(Project)).budget_public_minor == 0


def test_others_cannot_change_a_project(client, make_proposal, make_user, make_department):
    proposal, department, official = qualified(make_proposal, make_user, make_department)
    project = promote_to_project(actor=official, title="Well", description="x", department=department,
                                          lead=official, budget_public_minor=100, start_on=TODAY, target_on=TODAY,
                                          proposals=[proposal])
    db.session.commit()
    client.login(make_user("official", department=make_department(region=department.region)))
    assert client.post(f"/officials/projects/{project.id}/update", {"body": "hi"}).status_code == 403
    client.login(make_user("resident", verified=True))
    assert client.post(f"/officials/projects/{project.id}/update", {"body": "hi"}).status_code == 403


def test_open_data_and_the_links_back(client, make_proposal, make_user, make_department):
    proposal, department, official = qualified(make_proposal, make_user, make_department)

    project = promote_to_project(actor=official, title="=HYPERLINK(\"x\")", description="x",
                                          department=department, lead=official, budget_public_minor=100_000,
                                          start_on=TODAY, target_on=TODAY, proposals=[proposal])
    record_expenditure(project, actor=official, amount_minor=40_000, spent_on=TODAY, payee="+cmd|calc",
                                purpose="Pump", source="public", receipt_number="INV-9")
    db.session.commit()
    export = client.get("/projects/export.csv")
    text = export.get_data(as_text=True)
    assert export.mimetype == "text/csv" and text.startswith("\ufeffid,title,status")
    assert "'=HYPERLINK" in text and ",100000,0,0,0,40000,0,60000" in text  # a cell is never a formula
    payments = client.get(f"/projects/{project.id}/payments.csv").get_data(as_text=True)
    assert "'+cmd|calc" in payments and "INV-9" in payments
    assert f'href="/projects/{project.id}"' in client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert 'id="projects-heading"' in dashboard and "Running behind schedule" in dashboard


def png(color="red"):
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, format="PNG")
    return out.getvalue()


def test_progress_reports_and_payments_carry_photos(client, make_proposal, make_user, make_department):
    import io

    from projects.models import ProjectUpdate

    proposal, department, official = qualified(make_proposal, make_user, make_department)
    project = promote_to_project(actor=official, title="Well", description="x", department=department,
                                          lead=official, budget_public_minor=100_000, start_on=TODAY,
                                          target_on=TODAY, proposals=[proposal])
    db.session.commit()
    client.login(official)
    bad = client.post(f"/officials/projects/{project.id}/update", {
        "body": "Half done", "photos": [(io.BytesIO(png()), "a.png"), (io.BytesIO(b"not a photo"), "b.png")]},
        content_type="multipart/form-data")
    assert bad.status_code == 422 and 'id="photos-error"' in bad.get_data(as_text=True)
    assert db.session.scalar(select(ProjectUpdate)) is None  # one bad file refuses the report, nothing is saved
    good = client.post(f"/officials/projects/{project.id}/update", {
        "body": "Half done", "photos": [(io.BytesIO(png()), "a.png"), (io.BytesIO(png("blue")), "b.png")]},
        content_type="multipart/form-data")
    assert good.status_code == 302
    paid = client.post(f"/officials/projects/{project.id}/expenditure", {
        "amount": "100", "spent_on": TODAY.isoformat(), "payee": "Shop", "purpose": "Nails", "source": "public",
        "receipt": (io.BytesIO(png("white")), "receipt.png")}, content_type="multipart/form-data")
    assert paid.status_code == 302
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert page.count('alt="Photo ') == 2 and "photo of the receipt" in page
    name = page.split('src="/projects/photos/')[1].split('"')[0]
    shown = client.get(f"/projects/photos/{name}")
    assert shown.status_code == 200 and shown.mimetype == "image/png"
    assert client.get("/projects/photos/nothing.png").status_code == 404


def test_a_volunteer_signs_up_for_a_shift_and_sees_it_on_the_account_page(client, make_proposal, make_user,
                                                                           make_department):
    from datetime import timedelta

    from voting.pledges import pledge_to

    proposal, department, official = qualified(make_proposal, make_user, make_department)
    proposal.goal_minor, proposal.deadline = 100_000, proposal.created_at + timedelta(days=30)
    proposal.status = "open"
    volunteer = make_user("resident", region=proposal.region, verified=True)
    pledge_to(proposal, actor=volunteer, kind="hours", hours=8, skill="masonry", availability="weekends")
    proposal.status = ProposalStatus.QUALIFIED
    project = promote_to_project(actor=official, title="Well", description="x", department=department,
                                          lead=official, budget_public_minor=0, start_on=TODAY, target_on=TODAY,
                                          proposals=[proposal])
    db.session.commit()
    client.login(official)
    planned = client.post(f"/officials/projects/{project.id}/task", {
        "title": "Carry stones", "on": (TODAY + timedelta(2)).isoformat(), "hours": "4", "places": "3"})
    assert planned.status_code == 302
    client.login(volunteer)
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Carry stones" in page and "Sign up" in page
    task = db.session.scalar(select(ProjectTask))
    client.post(f"/projects/{project.id}/tasks/{task.id}/join", {})
    account = client.get("/account").get_data(as_text=True)
    assert "Carry stones" in account and "4 hours" in account
    assert "you are signed up" in client.get(f"/projects/{project.id}").get_data(as_text=True)


def test_a_refused_button_says_why(client, make_proposal, make_user, make_department):
    proposal, department, official = qualified(make_proposal, make_user, make_department)

    project = promote_to_project(actor=official, title="Well", description="x", department=department,
                                          lead=official, budget_public_minor=0, start_on=TODAY, target_on=TODAY,
                                          proposals=[proposal], milestones=[("Pump", TODAY, 1)])
    db.session.commit()
    client.login(official)
    milestone = project.milestones[0].id
    client.post(f"/officials/projects/{project.id}/milestones/{milestone}/done", {})
    again = client.post(f"/officials/projects/{project.id}/milestones/{milestone}/done", {}, follow_redirects=True)
    assert "already done" in again.get_data(as_text=True)
