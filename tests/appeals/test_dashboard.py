"""The dashboard's figures on a known set of appeals: exact numbers, honest about reopened appeals and small
groups; the same figures on the page, in JSON and in CSV."""

import csv
import io
from datetime import timedelta

import pytest

from appeals.dashboard import figures
from appeals.models import AppealStatus, Rating
from core.db import db, utcnow

HOUR = 3600


@pytest.fixture
def known_appeals(make_appeal, make_region, make_category, make_department):
    """Water bureau: 6 appeals (4 answered after 2, 10, 30 and 50 hours; 2 resolved; one answered late,
    one unanswered past its deadline; one reopened; ratings 5 and 3). Roads office: 2 appeals (too few)."""
    village, water, roads = make_region("village"), make_category(), make_category()
    county = village.path[0]
    make_department(region=county, categories=[water], name_en="Water bureau")
    make_department(region=county, categories=[roads], name_en="Roads office")
    now = utcnow()

    def appeal(category, answered_after=None, status=AppealStatus.SUBMITTED, due_in=48, reopened=0, rating=None):
        made = make_appeal(village=village, category=category)
        made.created_at = now - timedelta(hours=60)
        made.due_at = made.created_at + timedelta(hours=due_in)
        if answered_after is not None:
            made.answered_at = made.created_at + timedelta(hours=answered_after)
            made.response_seconds = answered_after * HOUR
            made.answered_late = answered_after > due_in
        made.status, made.reopened_count = status, reopened
        if rating:
            db.session.add(Rating(appeal_id=made.id, user_id=made.author_id, score=rating))
        return made

    appeal(water, 2, AppealStatus.RESOLVED, rating=5)
    appeal(water, 10, AppealStatus.RESOLVED, rating=3)
    appeal(water, 30, AppealStatus.ANSWERED, due_in=24)           # answered after its deadline
    appeal(water, 50, AppealStatus.ACCEPTED, due_in=72, reopened=1)  # was resolved, then reopened
    appeal(water, None, due_in=12)                                # unanswered, past its deadline
    appeal(water, None, due_in=100)                               # unanswered, still in time
    appeal(roads, 4, AppealStatus.RESOLVED)
    appeal(roads, None, due_in=100)
    db.session.commit()


def test_the_figures_of_a_known_set_are_exact(app, known_appeals):
    total = figures()[0]
    assert (total.appeals, total.answered, total.resolved, total.overdue, total.reopened) == (8, 5, 3, 2, 1)
    assert (total.response_rate, total.resolution_rate, total.overdue_share, total.reopen_rate) == (
        0.625, 0.375, 0.25, 0.2)
    assert (total.median_hours, total.p90_hours, total.satisfaction, total.ratings) == (10.0, 42.0, 4.0, 2)
    water, roads = sorted(figures("department"), key=lambda f: -f.appeals)
    assert water.appeals == 6 and water.shown
    assert (water.response_rate, water.resolution_rate, water.overdue_share, water.reopen_rate) == (
        0.6667, 0.3333, 0.3333, 0.25)
    assert (water.median_hours, water.p90_hours, water.satisfaction) == (20.0, 44.0, 4.0)
    assert roads.appeals == 2 and not roads.shown
    assert roads.as_dict()["response_rate"] is None and roads.as_dict()["appeals"] == 2
    (month,) = figures("month")
    (township,) = figures("township")
    assert month.appeals == township.appeals == 8 and month.key == utcnow().astimezone(
        __import__("zoneinfo").ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")


def test_the_dashboard_page_json_and_csv_agree(client, known_appeals):
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Water bureau" in page and "67%" in page and "Too few appeals to show rates" in page
    data = client.get("/dashboard.json").get_json()
    assert data["all"]["response_rate"] == 0.625 and data["all"]["median_hours"] == 10.0
    assert {d["label"]: d["shown"] for d in data["department"]} == {"Water bureau": True, "Roads office": False}
    response = client.get("/dashboard.csv?by=department")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    water = next(r for r in rows if r["label"] == "Water bureau")
    assert (water["appeals"], water["overdue_share"], water["p90_hours"]) == ("6", "0.3333", "44.0")
    assert next(r for r in rows if r["label"] == "Roads office")["response_rate"] == ""


def test_an_empty_dashboard_says_so(client):
    page = client.get("/dashboard?months=999").get_data(as_text=True)
    assert "No appeals in this period." in page


def test_figures_are_shared_until_they_are_recounted(app, client, known_appeals, make_appeal):
    """Every worker reads one stored count; `minyi tick` recounts it, so no visitor waits for a year of appeals."""
    from server.commands.serving import tick_command

    assert client.get("/dashboard.json").get_json()["all"]["appeals"] == 8
    make_appeal()
    assert client.get("/dashboard.json").get_json()["all"]["appeals"] == 8  # the stored figures, still fresh
    result = app.test_cli_runner().invoke(tick_command)
    assert result.exit_code == 0, result.output
    assert client.get("/dashboard.json").get_json()["all"]["appeals"] == 9
    app.config["MINYI_DASHBOARD_CACHE_SECONDS"] = 0  # without the timer, a stale count is redone on reading
    make_appeal()
    assert client.get("/dashboard.json").get_json()["all"]["appeals"] == 10


def test_the_column_headings_read_as_written(client, known_appeals):
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Nine in ten answered within" in page and "{}" not in page
    chinese = client.get("/dashboard", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "九成诉求的答复用时不超过" in chinese and "{}" not in chinese


@pytest.mark.parametrize("months", ["²", "-1", "0", "99999999999999999999", "twelve", ""])
def test_odd_periods_fall_back_to_a_year(client, months):
    response = client.get("/dashboard", query_string={"months": months})
    assert response.status_code == 200 and 'value="12" selected' in response.get_data(as_text=True)
    assert client.get("/dashboard.csv", query_string={"months": months}).status_code == 200
