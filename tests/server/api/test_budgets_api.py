"""The budgets part of the JSON API: cycles filtered by region and phase, one cycle with its review and (once
voting has closed) its votes, and a finished cycle's open data as JSON, CSV and pabulib files; nothing of it
before the cycle is finished."""

import csv
import io
from pathlib import Path

from pabutools.election.pabulib import parse_pabulib_from_string

from budgeting import ballots, cycles, imports, opendata, results
from core.db import db

WIELICZKA = Path(__file__).resolve().parents[2] / "data" / "pabulib" / "Poland_Wieliczka_2023_Green_Budget.pb"


def _finished(budget_county, make_cycle, make_user):
    place = budget_county
    cycle = make_cycle("voting", projects={"east": [1_000_000, 1_500_000]})
    east = cycles.part_for(cycle, place.east.id)
    cheap, dear = (p.id for p in ballots.ballot_projects(east))
    for choice in ([cheap], [cheap, dear], [dear]):
        ballots.cast_ballot(east, actor=make_user("resident", region=place.east_village, verified=True),
                            project_ids=choice)
    cycles.advance_phase(cycle, actor=place.admin)  # voting closes, and the count finishes it
    db.session.commit()
    results.count_cycle(cycle.id)
    return cycle, east, cheap, dear


def test_cycles_are_listed_by_region_and_phase(api, budget_county, make_cycle):
    voting, collecting = make_cycle("voting"), make_cycle("collecting", title="Next year")
    listed = api.get("/api/v1/budgets").get_json()
    assert [c["id"] for c in listed["items"]] == [collecting.id, voting.id]
    assert [c["id"] for c in api.get("/api/v1/budgets?phase=voting").get_json()["items"]] == [voting.id]
    county = budget_county.county.code
    assert len(api.get(f"/api/v1/budgets?region={county}").get_json()["items"]) == 2
    assert api.get(f"/api/v1/budgets?region={budget_county.east.code}").get_json()["items"] == []
    assert api.get("/api/v1/budgets?region=nowhere").get_json()["items"] == []
    refused = api.get("/api/v1/budgets?phase=someday")
    assert refused.status_code == 422 and refused.get_json()["error"]["fields"]["phase"]


def test_a_cycle_shows_its_review_and_its_votes_only_once_voting_has_closed(api, budget_county, make_cycle,
                                                                           make_user):
    place = budget_county
    cycle = make_cycle("reviewing", projects={"east": [1_000_000]})
    detail = api.get(f"/api/v1/budgets/{cycle.id}").get_json()
    east = next(p for p in detail["parts"] if p["region"]["code"] == place.east.code)
    assert east["projects"][0]["status"] == "proposed" and east["projects"][0]["votes"] is None
    assert detail["publication"] is None and east["pb"] is None and detail["rule"] == "equalshares/add1"
    cycle, _east, cheap, dear = _finished(budget_county, make_cycle, make_user)
    detail = api.get(f"/api/v1/budgets/{cycle.id}").get_json()
    votes = {p["id"]: p["votes"] for part in detail["parts"] for p in part["projects"]}
    assert votes == {cheap: 2, dear: 2}
    assert detail["publication"] == f"/api/v1/budgets/{cycle.id}/publication"
    assert api.get("/api/v1/budgets/999999").status_code == 404


def test_nothing_is_published_before_the_cycle_is_finished(api, budget_county, make_cycle):
    cycle = make_cycle("counting", projects={"east": [1_000_000]})
    for url in (f"/api/v1/budgets/{cycle.id}/publication", f"/api/v1/budgets/{cycle.id}/publication.csv",
                f"/api/v1/budgets/{cycle.id}/parts/{cycle.parts[0].id}.pb"):
        refused = api.get(url, headers={"Accept-Language": "en"})
        assert refused.status_code == 409, url
        assert "published once it is finished" in refused.get_json()["error"]["message"]
        assert api.get(url, headers={"Accept-Language": "zh"}).get_json()["error"]["message"] == \
            "预算周期结束后才会公布其投票。"


def test_a_finished_cycle_is_published_as_json_csv_and_pb(api, budget_county, make_cycle, make_user):
    cycle, east, cheap, dear = _finished(budget_county, make_cycle, make_user)
    winners = opendata.selected(east)
    published = api.get(f"/api/v1/budgets/{cycle.id}/publication").get_json()
    part = next(p for p in published["parts"] if p["id"] == east.id)
    assert part["num_votes"] == 3 and part["amount_minor"] == 3_000_000
    assert {(p["id"], p["votes"], p["selected"]) for p in part["projects"]} == {
        (cheap, 2, cheap in winners), (dear, 2, dear in winners)}
    rows = list(csv.DictReader(io.StringIO(api.get(f"/api/v1/budgets/{cycle.id}/publication.csv")
                                           .get_data(as_text=True).lstrip("\ufeff"))))
    east_rows = {int(r["project_id"]): r for r in rows if int(r["part_id"]) == east.id}
    assert east_rows[cheap]["cost"] == "10000.00" and east_rows[cheap]["votes"] == "2"
    assert east_rows[dear]["selected"] == str(int(dear in winners)) and east_rows[dear]["currency"] == "CNY"
    response = api.get(part["pb"])
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    instance, profile = parse_pabulib_from_string(response.get_data(as_text=True))
    assert instance.budget_limit == 30_000 and len(profile) == 3
    assert api.get(f"/api/v1/budgets/{cycle.id}/parts/{cycle.parts[0].id + 999}.pb").status_code == 404


def test_an_imported_cycle_is_listed_and_published_with_the_files_description(api, budget_county):
    cycle = imports.import_pb(WIELICZKA.read_bytes(), region=budget_county.county, actor=budget_county.admin)
    db.session.commit()
    listed = api.get("/api/v1/budgets?phase=finished").get_json()["items"]
    assert listed[0]["imported"] is True and listed[0]["currency"] == "PLN"
    assert listed[0]["description"] == "Municipal PB in Wieliczka, Green Budget (Zielony Milion)"
    text = api.get(f"/api/v1/budgets/{cycle.id}/parts/{cycle.parts[0].id}.pb").get_data(as_text=True)
    assert "description;Municipal PB in Wieliczka" in text and "rule;equalshares/add1-comparison" in text


def test_the_openapi_document_describes_the_budgets(api):
    spec = api.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    for path in ("/api/v1/budgets", "/api/v1/budgets/{cycle_id}", "/api/v1/budgets/{cycle_id}/publication",
                 "/api/v1/budgets/{cycle_id}/publication.csv", "/api/v1/budgets/{cycle_id}/parts/{part_id}.pb"):
        assert "get" in paths[path], path
    for path in ("/api/v1/budgets/{cycle_id}/publication", "/api/v1/budgets/{cycle_id}/publication.csv",
                 "/api/v1/budgets/{cycle_id}/parts/{part_id}.pb"):
        assert {"404", "409"} <= set(paths[path]["get"]["responses"]), path
    assert "text/csv" in paths["/api/v1/budgets/{cycle_id}/publication.csv"]["get"]["responses"]["200"]["content"]
    assert {p["name"] for p in paths["/api/v1/budgets"]["get"]["parameters"]} >= {"region", "phase"}
