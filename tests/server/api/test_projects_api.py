"""The projects part of the JSON API: list and detail with the money trail, the officials' updates and
payments with a token, residents' ratings, errors in the API's one shape."""

from datetime import date, timedelta

from core.db import db
from projects.progress import complete_milestone, complete_project
from projects.promotion import promote_to_project
from proposals.models import ProposalStatus

TODAY = date.today()


def a_project(make_proposal, make_user, make_department):
    proposal = make_proposal(title="Mend the well")
    proposal.status = ProposalStatus.QUALIFIED
    department = make_department(region=proposal.region.path[0], categories=[proposal.category])
    official = make_user("official", department=department)
    project = promote_to_project(
        actor=official, title="Well repair", description="Pump", department=department, lead=official,
        budget_public_minor=300_000, start_on=TODAY, target_on=TODAY + timedelta(30), proposals=[proposal],
        milestones=[("Pump", TODAY + timedelta(10), 1)])
    db.session.commit()
    return project, official, proposal


def test_read_the_project_and_its_money(api, make_proposal, make_user, make_department):  # noqa: F811
    project, _official, proposal = a_project(make_proposal, make_user, make_department)
    listed = api.get("/api/v1/projects").get_json()
    assert [p["id"] for p in listed["items"]] == [project.id] and listed["items"][0]["progress"] == 0
    detail = api.get(f"/api/v1/projects/{project.id}").get_json()
    assert detail["money"]["budget_public"] == 300_000 and detail["money"]["total_remaining"] == 300_000
    assert detail["sources"] == [{"proposal": proposal.id, "appeal": None}]
    assert detail["milestones"][0]["title"] == "Pump" and detail["rating"] == {"average": None, "count": 0}
    assert api.get("/api/v1/projects/999999").status_code == 404
    assert api.get("/api/v1/projects?status=nonsense").status_code == 422


def test_officials_report_and_pay_with_a_token(api, token_for, make_proposal, make_user, make_department):  # noqa: F811
    project, official, _proposal = a_project(make_proposal, make_user, make_department)
    headers = token_for(official)
    update = api.post(f"/api/v1/projects/{project.id}/updates", headers=headers, json={"body": "Pump ordered"})
    assert update.status_code == 201
    paid = api.post(f"/api/v1/projects/{project.id}/expenditures", headers=headers, json={
        "amount_minor": 120_000, "spent_on": TODAY.isoformat(), "payee": "Pump Co.", "purpose": "Pump",
        "source": "public", "receipt_number": "INV-1"})
    assert paid.status_code == 201, paid.get_json()
    too_much = api.post(f"/api/v1/projects/{project.id}/expenditures", headers=headers, json={
        "amount_minor": 999_999, "spent_on": TODAY.isoformat(), "payee": "X", "purpose": "Y", "source": "public"})
    error = too_much.get_json()["error"]
    assert too_much.status_code == 422 and error["field"] == "amount" and "more than is left" in error["message"]
    milestone = project.milestones[0].id
    assert api.put(f"/api/v1/projects/{project.id}/milestones/{milestone}/done", headers=headers).status_code == 200
    detail = api.get(f"/api/v1/projects/{project.id}").get_json()
    assert detail["progress"] == 100 and detail["money"]["spent_public"] == 120_000
    assert [u["body"] for u in detail["updates"]] == ["Pump ordered"]

    outsider = token_for(make_user("official", department=make_department()))
    refused = api.post(f"/api/v1/projects/{project.id}/updates", headers=outsider, json={"body": "hi"})
    assert refused.status_code == 403 and refused.get_json()["error"]["message"]
    assert api.post(f"/api/v1/projects/{project.id}/updates", json={"body": "hi"}).status_code == 401


def test_residents_rate_a_finished_project(api, token_for, make_proposal, make_user, make_department):  # noqa: F811
    project, official, proposal = a_project(make_proposal, make_user, make_department)
    neighbour = make_user("resident", region=proposal.region, verified=True)
    early = api.put(f"/api/v1/projects/{project.id}/rating", headers=token_for(neighbour), json={"score": 4})
    assert early.status_code == 409
    complete_milestone(project.milestones[0], actor=official)
    complete_project(project, actor=official)
    db.session.commit()
    rated = api.put(f"/api/v1/projects/{project.id}/rating", headers=token_for(neighbour), json={"score": 4})
    assert rated.status_code == 200 and rated.get_json()["score"] == 4
    assert api.get(f"/api/v1/projects/{project.id}").get_json()["rating"] == {"average": 4.0, "count": 1}
    spec = api.get("/api/v1/openapi.json").get_json()
    assert {"/api/v1/projects", "/api/v1/projects/{project_id}", "/api/v1/projects/{project_id}/rating"} <= set(
        spec["paths"])
