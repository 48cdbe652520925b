"""WCAG 2.2 AA checks with axe-core (vendored in tests/browser/vendor) on the pages people use most."""

import json

import pytest

from tests.helpers import axe_violations


@pytest.fixture
def audit_context(browser, live_server):
    """A browser context per language (Chromium sends the context's locale as Accept-Language)."""
    contexts = []

    def factory(locale="en-US"):
        # axe is injected as a script, which the site's own CSP rightly forbids; the audit context bypasses it.
        context = browser.new_context(locale=locale, bypass_csp=True)
        contexts.append(context)
        return context.new_page()

    yield factory
    for context in contexts:
        context.close()


@pytest.fixture
def audit_page(audit_context):
    return audit_context()


def login(page, url, identifier):
    page.goto(url + "/login")
    page.get_by_label("Phone number or email").fill(identifier)
    page.get_by_label("Password").fill("minyi-demo")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(url + "/")


@pytest.mark.parametrize("language", ["en-US", "zh-CN"])
@pytest.mark.parametrize("path", ["/", "/login", "/register", "/proposals", "/appeals", "/proposals/1", "/appeals/1",
                                  "/appeals/receipt?code=NOPE-NOPE", "/dashboard", "/projects", "/projects/1"])
def test_public_pages_pass_axe(demo_county, app, audit_context, live_server, path, language):
    page = audit_context(language)
    page.goto(live_server.url + path)
    assert page.locator("html").get_attribute("lang") == ("en" if language == "en-US" else "zh-Hans")
    assert axe_violations(page) == []


def test_form_with_errors_passes_axe(demo_county, app, audit_page, live_server):
    audit_page.goto(live_server.url + "/register")
    with audit_page.expect_navigation():
        audit_page.get_by_role("button", name="Create account").click()
    audit_page.wait_for_selector(".error")
    assert axe_violations(audit_page) == []


@pytest.mark.parametrize("who, path", [
    ("admin@example.org", "/admin/users"), ("admin@example.org", "/admin/regions"),
    ("admin@example.org", "/admin/departments"), ("admin@example.org", "/admin/census"),
    ("qingshi@example.org", "/officials/residents?status=all"), ("+8613800138006", "/account"),
    ("+8613800138001", "/appeals/new"), ("+8613800138001", "/appeals/mine"),
    ("admin@example.org", "/officials/appeals?status=all"), ("admin@example.org", "/officials/appeals/1"),
    ("admin@example.org", "/officials/appeals/groups"), ("admin@example.org", "/officials/appeals/record"),
    ("admin@example.org", "/admin/answer-templates"), ("admin@example.org", "/admin/audit"),
    ("admin@example.org", "/officials/candidates"), ("admin@example.org", "/admin/kiosks"),
    ("admin@example.org", "/admin/kiosks/models"), ("admin@example.org", "/projects/1"),
])
def test_signed_in_pages_pass_axe(demo_county, app, audit_page, live_server, who, path):
    login(audit_page, live_server.url, who)
    audit_page.goto(live_server.url + path)
    assert axe_violations(audit_page) == [], json.dumps(path)


@pytest.fixture
def budget_cycle(demo_county, app):
    """A budget cycle of the demo county in its voting phase, with projects in 清水's part and county-wide."""
    from datetime import date

    from sqlalchemy import select

    from accounts.regions import Region
    from accounts.users import User
    from budgeting import cycles
    from core.db import db

    admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
    county, township = (db.session.scalar(select(Region).where(Region.code == code)) for code in ("FY", "FY-QS"))
    cycle = cycles.open_cycle(county, actor=admin, title="2027 参与式预算", total_minor=50_000_000,
                              parts={township: 20_000_000}, ballot_style="both", max_choices=3,
                              collecting_until=date(2027, 3, 1), reviewing_until=date(2027, 4, 1),
                              voting_until=date(2027, 5, 1))
    resident = db.session.scalar(select(User).where(User.phone == "+8613800138001"))
    made = [cycles.submit_project(cycle, actor=resident, title=title, description="", cost_minor=cost)
            for title, cost in (("村口路灯", 8_000_000), ("小学操场", 15_000_000))]
    cycles.advance_phase(cycle, actor=admin)
    for project in made:
        cycles.review_project(project, actor=admin, feasible=True, cost_minor=project.cost_minor)
    cycles.advance_phase(cycle, actor=admin)
    db.session.commit()
    return cycle.id, cycles.part_for(cycle, resident.region_id).id


@pytest.mark.parametrize("language", ["en-US", "zh-CN"])
def test_budget_pages_pass_axe(budget_cycle, app, audit_context, live_server, language):
    cycle_id, part_id = budget_cycle
    page = audit_context(language)
    for path in ("/budgets", f"/budgets/{cycle_id}"):
        page.goto(live_server.url + path)
        assert axe_violations(page) == [], path
    page.goto(live_server.url + "/login")  # by the fields' names: the labels are in the page's language
    page.locator("input[name=identifier]").fill("+8613800138001")
    page.locator("input[name=password]").fill("minyi-demo")
    with page.expect_navigation():
        page.locator("input[name=password]").press("Enter")
    page.goto(live_server.url + f"/budgets/{cycle_id}/ballot/{part_id}")
    assert axe_violations(page) == []
    for box in page.get_by_role("checkbox").all():  # over the part's money: refused next to the form
        box.check()
    with page.expect_navigation():
        page.locator("button[value=cast]").click()
    page.wait_for_selector("#ballot-error")
    assert page.locator("input[type=checkbox]:checked").count() == 2
    assert axe_violations(page) == []


def test_the_ballot_shows_the_money_left_as_boxes_are_ticked(budget_cycle, app, audit_page, live_server):
    cycle_id, part_id = budget_cycle
    login(audit_page, live_server.url, "+8613800138001")
    audit_page.goto(live_server.url + f"/budgets/{cycle_id}/ballot/{part_id}")
    audit_page.get_by_role("checkbox").first.check()
    audit_page.wait_for_function("document.querySelector('#ballot-tally').textContent.includes('80,000')")


@pytest.mark.parametrize("path", ["/officials/budgets/new", "/budgets/{cycle_id}"])
def test_officials_budget_pages_pass_axe(budget_cycle, app, audit_page, live_server, path):
    login(audit_page, live_server.url, "admin@example.org")
    audit_page.goto(live_server.url + path.format(cycle_id=budget_cycle[0]))
    assert axe_violations(audit_page) == []


@pytest.fixture
def counting_cycle(budget_cycle, app):
    """The budget cycle with a ballot cast, voting closed and one part of two counted."""
    from sqlalchemy import select

    from accounts.users import User
    from budgeting import ballots, cycles, results
    from budgeting.models import BudgetCycle, BudgetPart
    from core.db import db

    cycle_id, part_id = budget_cycle
    cycle, part = db.session.get(BudgetCycle, cycle_id), db.session.get(BudgetPart, part_id)
    resident = db.session.scalar(select(User).where(User.phone == "+8613800138001"))
    ballots.cast_ballot(part, actor=resident, project_ids=[ballots.ballot_projects(part)[0].id])
    cycles.advance_phase(cycle, actor=db.session.scalar(select(User).where(User.email == "admin@example.org")))
    db.session.commit()
    results.count_part(part)
    db.session.commit()
    return cycle_id


@pytest.mark.parametrize("language", ["en-US", "zh-CN"])
def test_the_count_shows_its_progress_then_results_that_pass_axe(counting_cycle, app, audit_context, live_server,
                                                                language):
    from budgeting import results

    page = audit_context(language)
    page.goto(live_server.url + f"/budgets/{counting_cycle}")
    assert page.locator("#count-progress progress").get_attribute("value") == "1"
    assert axe_violations(page) == []
    results.count_cycle(counting_cycle)  # the fragment replaces itself until counting is done
    page.wait_for_selector(f"#count-progress a[href='/budgets/{counting_cycle}/results']", timeout=10_000)
    page.goto(live_server.url + f"/budgets/{counting_cycle}/results")
    assert page.locator(".budget-results li.won").count() == 1
    assert axe_violations(page) == []


def test_officials_results_page_with_its_forms_passes_axe(counting_cycle, app, audit_page, live_server):
    from budgeting import results

    results.count_cycle(counting_cycle)
    login(audit_page, live_server.url, "admin@example.org")
    audit_page.goto(live_server.url + f"/budgets/{counting_cycle}/results")
    for summary in audit_page.locator("main details > summary").all():
        summary.click()
    assert axe_violations(audit_page) == []


@pytest.mark.parametrize("language", ["en-US", "zh-CN"])
def test_editing_and_cancelling_a_budget_cycle_pass_axe(budget_cycle, app, audit_context, live_server, language):
    from datetime import date

    from sqlalchemy import select

    from accounts.regions import Region
    from accounts.users import User
    from budgeting import cycles
    from core.db import db

    admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
    county, township = (db.session.scalar(select(Region).where(Region.code == code)) for code in ("FY", "FY-QS"))
    cycle = cycles.open_cycle(county, actor=admin, title="2028 参与式预算", total_minor=30_000_000,
                              parts={township: 10_000_000}, collecting_until=date(2028, 3, 1),
                              reviewing_until=date(2028, 4, 1), voting_until=date(2028, 5, 1))
    db.session.commit()
    page = audit_context(language)
    page.goto(live_server.url + "/login")  # by the fields' names: the labels are in the page's language
    page.locator("input[name=identifier]").fill("admin@example.org")
    page.locator("input[name=password]").fill("minyi-demo")
    with page.expect_navigation():
        page.locator("input[name=password]").press("Enter")
    page.goto(live_server.url + f"/officials/budgets/{cycle.id}/edit")
    assert axe_violations(page) == []
    page.locator("input[name=voting_until]").fill("2020-01-01")  # out of order: refused next to the field
    with page.expect_navigation():
        page.locator("form.form button[type=submit]").click()
    assert page.locator(".form-errors").count() == 1
    assert axe_violations(page) == []
    page.goto(live_server.url + f"/officials/budgets/{cycle.id}/cancel")
    assert axe_violations(page) == []
    page.locator("textarea[name=reason]").fill("预算并入明年。")
    with page.expect_navigation():
        page.locator("form.form button[type=submit]").click()
    assert page.locator("#cycle-cancelled").count() == 1
    assert axe_violations(page) == []


@pytest.mark.parametrize("language", ["en-US", "zh-CN"])
def test_voting_in_person_pages_pass_axe(budget_cycle, app, audit_context, live_server, language):
    """The register, a refused code (the identity not confirmed), the slip, and the paper ballot."""
    cycle_id, _part_id = budget_cycle
    page = audit_context(language)
    page.goto(live_server.url + "/login")
    page.locator("input[name=identifier]").fill("admin@example.org")
    page.locator("input[name=password]").fill("minyi-demo")
    with page.expect_navigation():
        page.locator("input[name=password]").press("Enter")
    page.goto(live_server.url + f"/officials/budgets/{cycle_id}/in-person?q=13800138001")
    assert axe_violations(page) == []
    with page.expect_navigation():
        page.locator("form[action*='/codes/'] button[type=submit]").first.click()
    page.wait_for_selector("#in-person-error")
    assert axe_violations(page) == []
    page.locator("input[name=identity_checked]").first.check()
    with page.expect_navigation():
        page.locator("form[action*='/codes/'] button[type=submit]").first.click()
    page.wait_for_selector(".slip-code")
    assert axe_violations(page) == []
    page.goto(live_server.url + f"/officials/budgets/{cycle_id}/in-person?q=13800138001")
    with page.expect_navigation():
        page.locator("a[href*='/paper/']").first.click()
    assert axe_violations(page) == []


@pytest.fixture
def imported_cycle(demo_county, app):
    """Wieliczka's Green Budget 2023 (tests/data/pabulib), loaded as a finished cycle of the demo county."""
    from pathlib import Path

    from sqlalchemy import select

    from accounts.regions import Region
    from accounts.users import User
    from budgeting import imports
    from core.db import db

    admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
    county = db.session.scalar(select(Region).where(Region.code == "FY"))
    data = (Path(__file__).resolve().parents[1] / "data" / "pabulib" / "Poland_Wieliczka_2023_Green_Budget.pb")
    cycle = imports.import_pb(data.read_bytes(), region=county, actor=admin)
    db.session.commit()
    return cycle.id


@pytest.mark.parametrize("language", ["en-US", "zh-CN"])
def test_budget_open_data_pages_pass_axe(imported_cycle, app, audit_context, live_server, language):
    """A loaded election's page, and the admins' upload page: empty, and with a broken file refused."""
    page = audit_context(language)
    page.goto(live_server.url + f"/budgets/{imported_cycle}")
    assert axe_violations(page) == []
    page.goto(live_server.url + "/login")  # by the fields' names: the labels are in the page's language
    page.locator("input[name=identifier]").fill("admin@example.org")
    page.locator("input[name=password]").fill("minyi-demo")
    with page.expect_navigation():
        page.locator("input[name=password]").press("Enter")
    page.goto(live_server.url + "/admin/budgets/import")
    assert axe_violations(page) == []
    page.locator("input[name=file]").set_input_files(
        files=[{"name": "broken.pb", "mimeType": "text/plain", "buffer": b"META\nkey;value\nbudget;100\n"}])
    page.locator("select[name=region]").select_option(index=1)
    with page.expect_navigation():
        page.locator("form.form button[type=submit]").click()
    page.wait_for_selector("#refused-form")
    assert axe_violations(page) == []
