"""The pages of budget open data: an admin loads a published election (a real one, and broken ones), its page
shows the file's description and what the city funded, and a finished cycle's page links its open data."""

import io
from pathlib import Path

from sqlalchemy import func, select

from budgeting import imports
from budgeting.models import Ballot, BudgetCycle, BudgetProject
from budgeting.pabulib import read_pb
from core.db import db
from tests.helpers import WebClient

FILES = Path(__file__).resolve().parents[2] / "data" / "pabulib"


def _upload(client, data: bytes, region_id, name="Poland_Wieliczka_2023_Green_Budget.pb"):
    return client.post("/admin/budgets/import", {"file": (io.BytesIO(data), name), "region": region_id},
                       content_type="multipart/form-data")


def _counts():
    return [db.session.scalar(select(func.count()).select_from(m)) for m in (BudgetCycle, BudgetProject, Ballot)]


def test_an_admin_loads_wieliczka_and_everyone_reads_it(app, budget_county):
    admin = WebClient(app.test_client())
    admin.login(budget_county.admin)
    assert admin.get("/admin/budgets/import").status_code == 200
    response = _upload(admin, (FILES / "Poland_Wieliczka_2023_Green_Budget.pb").read_bytes(), budget_county.county.id)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    cycle = db.session.scalar(select(BudgetCycle))
    page = WebClient(app.test_client()).get(response.location).get_data(as_text=True)
    assert "Municipal PB in Wieliczka, Green Budget (Zielony Milion)" in page
    assert "nobody can vote in it or change it" in page and "equalshares/add1-comparison" in page
    funded = read_pb((FILES / "Poland_Wieliczka_2023_Green_Budget.pb").read_bytes()).selected()
    assert page.count("funded by the city") == len(funded) and "PLN" in page and "720 votes" in page
    assert f"/api/v1/budgets/{cycle.id}/parts/{cycle.parts[0].id}.pb" in page
    assert "Move on to the next phase" not in admin.get(f"/budgets/{cycle.id}").get_data(as_text=True)


def test_a_broken_file_comes_back_with_its_line_and_nothing_is_kept(app, budget_county):
    admin = WebClient(app.test_client())
    admin.login(budget_county.admin)
    text = (FILES / "Poland_Wieliczka_2023_Green_Budget.pb").read_text(encoding="utf-8")
    broken = text.replace("24;5000;720;", "24;5000 zł;720;", 1).encode()
    response = _upload(admin, broken, budget_county.county.id)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Line 21: the cost of project 24 is not a number." in html
    assert 'aria-invalid="true"' in html
    assert _counts() == [0, 0, 0]
    without_region = _upload(admin, text.encode(), "")
    assert without_region.status_code == 422 and _counts() == [0, 0, 0]
    nothing = admin.post("/admin/budgets/import", {"region": budget_county.county.id},
                         content_type="multipart/form-data")
    assert nothing.status_code == 422 and "Choose a file." in nothing.get_data(as_text=True)


def test_a_loaded_cycle_refuses_a_phase_change_with_a_message(app, budget_county):
    cycle = imports.import_pb((FILES / "Netherlands_Assen_2024.pb").read_bytes(), region=budget_county.county,
                              actor=budget_county.admin)
    db.session.commit()
    admin = WebClient(app.test_client())
    admin.login(budget_county.admin)
    response = admin.post(f"/officials/budgets/{cycle.id}/advance", {}, follow_redirects=True)
    assert "loaded from a published file" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(BudgetCycle, cycle.id).phase == "finished"


def test_only_a_finished_cycle_links_its_open_data(app, budget_county, make_cycle):
    voting = make_cycle("voting", projects={"east": [1_000_000]})
    finished = make_cycle("finished", projects={"east": [1_000_000]}, title="Last year")
    visitor = WebClient(app.test_client())
    assert "Open data" not in visitor.get(f"/budgets/{voting.id}").get_data(as_text=True)
    page = visitor.get(f"/budgets/{finished.id}").get_data(as_text=True)
    assert "Open data" in page and f"/api/v1/budgets/{finished.id}/publication.csv" in page
