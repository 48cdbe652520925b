"""The home page in Chromium: it shows what is happening now (a proposal closing soon, an appeal just answered,
a project under way with its progress), and the cards' photos load only as they are scrolled near."""

from datetime import date, timedelta

from playwright.sync_api import expect

from appeals import services as appeal_services
from appeals import workflow
from core.db import db, utcnow
from core.storage import uploads
from projects.progress import complete_milestone, post_update
from projects.promotion import promote_to_project
from proposals.images import add_image
from tests.helpers import axe_violations, jpeg_with_gps, wait_until

TODAY = date.today()


def test_home_shows_current_items_and_card_photos_load_lazily(browser, live_server, make_region, make_user,
                                                              make_proposal, make_appeal):
    village = make_region("village")
    closing = make_proposal(village=village, title="Repair the well", goal_minor=500_000,
                            deadline=utcnow() + timedelta(days=2))
    add_image(closing, actor=closing.author, data=jpeg_with_gps((1200, 800)), storage=uploads(), alt_text="Dry well")
    for n in range(3):
        proposal = make_proposal(village=village, title=f"Idea {n}")
        add_image(proposal, actor=proposal.author, data=jpeg_with_gps((1200, 800)), storage=uploads())
    appeal = make_appeal(village=village, body="The lamp by the bridge is out.")
    appeal_services.add_photos(appeal, [jpeg_with_gps((900, 600))], uploads())
    official = make_user("official", department=appeal.department)
    projects = []
    for n in range(4):
        source = make_appeal(village=village, body=f"Problem {n}.", category=appeal.category)
        workflow.answer_appeal(source, actor=official, body="We will do it.")
        project = promote_to_project(actor=official, title=f"Works {n}", description="x", department=appeal.department,
                                     lead=official, budget_public_minor=0, start_on=TODAY - timedelta(days=n),
                                     target_on=TODAY + timedelta(days=60), appeals=[source],
                                     milestones=[("Start", TODAY + timedelta(days=5), 1),
                                                 ("Finish", TODAY + timedelta(days=50), 1)])
        complete_milestone(project.milestones[0], actor=official)
        post_update(project, actor=official, body="Under way.", photos=[jpeg_with_gps((1600, 1000))],
                    storage=uploads())
        projects.append(project)
    workflow.answer_appeal(appeal, actor=official, body="Replaced today.")  # the latest answer
    db.session.commit()

    # (axe is injected as a script, which the site's CSP rightly forbids: this context bypasses it)
    context = browser.new_context(locale="en-US", viewport={"width": 390, "height": 700}, bypass_csp=True)
    page = context.new_page()
    asked = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(live_server.url + "/")

    soon = page.locator("section", has=page.get_by_role("heading", name="Closing soon"))
    expect(soon.get_by_role("link", name="Repair the well")).to_be_visible()
    expect(soon.get_by_text("10 more needed")).to_be_visible()
    answered = page.locator("section", has=page.get_by_role("heading", name="Answered recently"))
    expect(answered.get_by_role("link", name="The lamp by the bridge is out")).to_be_visible()  # its title: the first sentence
    under_way = page.locator("section", has=page.get_by_role("heading", name="Projects in progress"))
    expect(under_way.get_by_text("50% done").first).to_be_visible()
    expect(under_way.get_by_role("progressbar").first).to_have_attribute("value", "50")
    expect(page.get_by_role("link", name="Send an appeal")).to_be_visible()
    expect(page.get_by_role("link", name="Put forward a proposal")).to_be_visible()

    first = soon.get_by_role("img", name="Dry well")
    expect(first).to_have_attribute("loading", "lazy")
    wait_until(lambda: first.evaluate("img => img.complete && img.naturalWidth > 0"),
               message="the first card's photo never loaded")
    last = under_way.get_by_role("img").last
    page.wait_for_load_state("load")
    far = {live_server.url + part.split()[0] for part in last.get_attribute("srcset").split(",")}
    assert far and not far & set(asked), "a photo far below the screen was fetched before it was scrolled near"
    assert last.evaluate("img => img.naturalWidth") == 0
    last.scroll_into_view_if_needed()
    wait_until(lambda: last.evaluate("img => img.complete && img.naturalWidth > 0"),
               message="the last card's photo never loaded once scrolled to")
    assert far & set(asked)
    assert axe_violations(page) == []  # photos, bars and doors included
    context.close()
