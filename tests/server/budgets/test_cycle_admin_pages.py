"""Editing and cancelling a cycle on its pages, and the timeline residents read (in English and Chinese)."""

from datetime import date

import pytest

from budgeting.models import BudgetCycle, Phase
from core.db import db
from tests.helpers import WebClient


def _signed_in(app, user, language="en"):
    client = WebClient(app.test_client(), language=language)
    client.login(user)
    return client


def _edit_fields(cycle, **changes):
    fields = {"title": cycle.title, "ballot_style": cycle.ballot_style, "max_choices": cycle.max_choices or "",
              "collecting_until": "2027-03-01", "reviewing_until": "2027-04-01", "voting_until": "2027-05-01"}
    fields |= {f"part_{p.id}": f"{p.amount_minor / 100:.2f}" for p in cycle.parts}
    return fields | changes


def test_an_official_changes_a_cycle_and_residents_see_the_new_dates(app, budget_county, make_cycle):
    place, cycle = budget_county, make_cycle()
    official = _signed_in(app, place.official)
    form = official.get(f"/officials/budgets/{cycle.id}/edit").get_data(as_text=True)
    assert 'value="2027 county budget"' in form and 'value="30000.00"' in form
    east = next(p for p in cycle.parts if p.region_id == place.east.id)
    response = official.post(f"/officials/budgets/{cycle.id}/edit", _edit_fields(
        cycle, title="2027 budget", voting_until="2027-05-20", **{f"part_{east.id}": "40,000"}))
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert cycle.title == "2027 budget" and cycle.total_minor == 11_000_000
    page = WebClient(app.test_client()).get(f"/budgets/{cycle.id}").get_data(as_text=True)
    assert "Apr 2, 2027 to May 20, 2027" in page and "from May 21, 2027" in page


@pytest.mark.parametrize("changes, message", [
    ({"voting_until": "2027-01-01"}, "The dates must follow each other"),
    ({"ballot_style": "up_to_k", "max_choices": ""}, "Give the most projects one ballot may choose"),
    ({"title": ""}, "This field is required"),
    ({"part_X": "nothing"}, "amount"),
])
def test_a_wrong_edit_comes_back_with_its_error_and_what_was_typed(app, budget_county, make_cycle, changes,
                                                                    message):
    place, cycle = budget_county, make_cycle()
    if "part_X" in changes:
        changes = {f"part_{cycle.parts[0].id}": changes.pop("part_X")}
    response = _signed_in(app, place.official).post(f"/officials/budgets/{cycle.id}/edit",
                                                    _edit_fields(cycle, **({"title": "Kept title"} | changes)))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page
    if "title" not in changes:
        assert 'value="Kept title"' in page
    db.session.expire_all()
    assert cycle.title == "2027 county budget"


def test_once_voting_has_begun_the_edit_page_says_why_and_nothing_changes(app, budget_county, make_cycle):
    place, cycle = budget_county, make_cycle("voting")
    official = _signed_in(app, place.official)
    assert "Voting has begun" in official.get(f"/officials/budgets/{cycle.id}/edit").get_data(as_text=True)
    refused = official.post(f"/officials/budgets/{cycle.id}/edit", _edit_fields(cycle, title="Changed"))
    assert refused.status_code == 422 and "Voting has begun" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert cycle.title == "2027 county budget"


def test_an_official_cancels_a_cycle_and_residents_read_why(app, budget_county, make_cycle):
    place, cycle = budget_county, make_cycle("voting")
    official = _signed_in(app, place.official)
    refused = official.post(f"/officials/budgets/{cycle.id}/cancel", {"reason": "  "})
    assert refused.status_code == 422 and "This field is required" in refused.get_data(as_text=True)
    assert official.post(f"/officials/budgets/{cycle.id}/cancel",
                         {"reason": "The county's budget was cut."}).status_code == 302
    db.session.expire_all()
    assert cycle.phase == Phase.CANCELLED
    for language, words in (("en", ("was cancelled on", "The county&#39;s budget was cut.", "not counted")),
                            ("zh", ("本轮预算已于", "The county&#39;s budget was cut."))):
        page = WebClient(app.test_client(), language=language).get(f"/budgets/{cycle.id}").get_data(as_text=True)
        for word in words:
            assert word in page, (language, word)
        assert "Vote in this part" not in page and "参与投票" not in page
    again = official.get(f"/officials/budgets/{cycle.id}/cancel").get_data(as_text=True)
    assert "cannot be cancelled" in again


def test_others_may_not_edit_or_cancel(app, budget_county, make_cycle, make_user, make_region):
    cycle = make_cycle()
    stranger = _signed_in(app, make_user("official", region=make_region("county")))
    for path in ("edit", "cancel"):
        assert stranger.get(f"/officials/budgets/{cycle.id}/{path}").status_code == 403
        assert stranger.post(f"/officials/budgets/{cycle.id}/{path}", {"reason": "x"}).status_code == 403
    assert db.session.get(BudgetCycle, cycle.id).phase == Phase.COLLECTING


@pytest.mark.parametrize("language, now, next_", [
    ("en", "verified residents can vote until the end of May 1, 2027", "Next:"),
    ("zh", "2027年5月1日", "下一步")])
def test_the_timeline_says_what_residents_can_do_now_and_what_comes_next(app, make_cycle, language, now, next_):
    cycle = make_cycle("voting")
    page = WebClient(app.test_client(), language=language).get(f"/budgets/{cycle.id}").get_data(as_text=True)
    assert now in page and next_ in page and 'aria-current="step"' in page


def test_officials_are_told_when_a_planned_date_has_passed(app, budget_county, make_cycle):
    place = budget_county
    cycle = make_cycle("reviewing", collecting_until=date(2020, 3, 1), reviewing_until=date(2020, 4, 1))
    official = _signed_in(app, place.official).get(f"/budgets/{cycle.id}").get_data(as_text=True)
    public = WebClient(app.test_client()).get(f"/budgets/{cycle.id}").get_data(as_text=True)
    assert "Apr 1, 2020, has passed" in official and "has passed" not in public
