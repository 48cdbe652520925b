"""Every page on a small phone (360 px wide), as each role finds it by following links from the home page: nothing
scrolls sideways, and every target is at least 24×24 px (WCAG 2.5.8; links inside running text excepted)."""

import re
import threading
from collections import Counter, deque
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from appeals.models import Appeal
from core.db import db, utcnow
from proposals.models import Proposal, ProposalStatus
from server.commands.data import demo_command
from tests.helpers import NO_LIMITS, empty_all_tables

WIDTH = 360
DEMO_PASSWORD = "minyi-demo"
ROLES = {"anonymous": None, "resident": "+8613800138001", "official": "hekou@example.org",
         "admin": "admin@example.org"}
#: Pages of one kind (the same path but for its ids, the same query keys) look alike: a few of each tell.
SAME_KIND = 2
#: Not pages: files, feeds, the API, what a link would do rather than show.
NOT_PAGES = re.compile(r"^/(static|api|open311|kiosk-api|healthz)(/|$)|\.(csv|json|xml|jpe?g|png|ogg|webm|mp3|zip)$"
                       r"|/(photos|audio|recording|export)(/|$)")

#: What the page shows that is wider than the screen, and which targets are too small.
MEASURE = """() => {
  for (const d of document.querySelectorAll('details')) d.open = true;  // what is folded away must fit too
  const width = document.documentElement.clientWidth;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '')
    + ' "' + (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40) + '"';
  const shown = (el) => {
    const box = el.getBoundingClientRect(), style = getComputedStyle(el);
    return box.width > 1 && box.height > 1 && style.visibility !== 'hidden' && box.right > 0;
  };
  const wide = [];
  if (document.documentElement.scrollWidth > width) {
    for (const el of document.body.querySelectorAll('*')) {
      if (shown(el) && el.getBoundingClientRect().right > width + 1 && wide.length < 5
          && ![...el.children].some((c) => c.getBoundingClientRect().right > width + 1)) wide.push(name(el));
    }
  }
  // A link inside a sentence may be as small as its words (the "inline" exception of WCAG 2.5.8).
  const inText = (el) => {
    if (el.tagName !== 'A') return false;
    const block = el.parentElement.closest('p, li, dd, td, th, label, span, div');
    const own = el.innerText.trim(), all = block ? block.innerText.replace(/\\s+/g, ' ').trim() : own;
    return all.length > own.length + 1;
  };
  const small = [];
  const targets = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [tabindex="0"]';
  for (const el of document.querySelectorAll(targets)) {
    if (!shown(el)) continue;
    const box = el.getBoundingClientRect();
    if ((box.width < 23.5 || box.height < 23.5) && !inText(el))
      small.push(name(el) + ' ' + Math.round(box.width) + 'x' + Math.round(box.height));
  }
  return {scrollWidth: document.documentElement.scrollWidth, width: width, wide: wide, small: small,
          links: [...document.querySelectorAll('a[href]')].filter((a) => !a.hasAttribute('download'))
                    .map((a) => a.href)};
}"""


@pytest.fixture(scope="module")
def site(_migrated, test_config):
    """The demo county on a real port, for the whole module; every table emptied afterwards."""
    from server import create_app

    served = create_app({**test_config, **NO_LIMITS})
    result = served.test_cli_runner().invoke(demo_command)
    assert result.exit_code == 0, result.output
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="small-screens", daemon=True)
    thread.start()
    yield Site(f"http://127.0.0.1:{server.server_port}", served)
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)
    with served.app_context():
        db.session.remove()
        empty_all_tables(db.engine)
        db.engine.dispose()


@dataclass
class Site:
    url: str
    app: Flask

    def __add__(self, path: str) -> str:
        return self.url + path


def kind_of(path_and_query: str) -> str:
    """The page's kind: its path with the ids left out, and the names of its query parameters."""
    parts = urlsplit(path_and_query)
    keys = sorted({key for key, _value in parse_qsl(parts.query, keep_blank_values=True)})
    return re.sub(r"\d+", "N", parts.path) + "?" + "&".join(keys)


def crawl(page, site):
    """Follow every link on the site from the home page; return what each page got wrong."""
    base = site.url
    seen, kinds, problems = set(), Counter(), []
    queue = deque(["/"])
    while queue:
        address = queue.popleft()
        response = page.goto(base + address)
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            continue
        if response.status >= 500:
            problems.append(f"{address}: {response.status}")
            continue
        found = page.evaluate(MEASURE)
        if found["scrollWidth"] > found["width"]:
            problems.append(f"{address}: {found['scrollWidth']} px wide, wider than {found['width']}: "
                            f"{found['wide']}")
        if found["small"]:
            problems.append(f"{address}: targets under 24×24 px: {found['small'][:6]}")
        for link in found["links"]:
            parts = urlsplit(link)
            if parts.netloc != urlsplit(base).netloc or NOT_PAGES.search(parts.path):
                continue
            local = parts.path + ("?" + parts.query if parts.query else "")
            if local in seen or kinds[kind_of(local)] >= SAME_KIND:
                continue
            seen.add(local)
            kinds[kind_of(local)] += 1
            queue.append(local)
    return sorted(seen), problems


@pytest.fixture(scope="module")
def phone(browser, site):
    """A phone-sized browser context per role, signed in as that role."""
    contexts = []

    def open_as(role, locale="en-US", width=WIDTH, javascript=True):
        context = browser.new_context(locale=locale, viewport={"width": width, "height": 740},
                                      java_script_enabled=javascript)
        contexts.append(context)
        page = context.new_page()
        if ROLES[role]:
            page.goto(site + "/login")
            page.locator("#identifier").fill(ROLES[role])  # the form's fields, whatever the language
            page.locator("#password").fill(DEMO_PASSWORD)
            page.locator("main form button[type=submit]").click()
            page.wait_for_url(site.url + "/")
        return page

    yield open_as
    for context in contexts:
        context.close()


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
@pytest.mark.parametrize("role", list(ROLES))
def test_no_page_is_too_wide_or_too_fiddly_on_a_phone(phone, site, role, locale):
    page = phone(role, locale)
    visited, problems = crawl(page, site)
    assert len(visited) >= 15, visited  # the crawl got round the site
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("javascript", [True, False])
def test_the_menu_folds_away_on_a_phone(phone, javascript):
    page = phone("official", javascript=javascript)
    menu = page.get_by_role("navigation", name="Main")
    inbox = menu.get_by_role("link", name="Appeals inbox")
    expect(inbox).to_be_hidden()
    page.locator("header summary", has_text="Menu").click()
    expect(inbox).to_be_visible()
    inbox.click()
    expect(page.get_by_role("heading", name="Appeals inbox", level=1)).to_be_visible()
    expect(inbox).to_be_hidden()  # folded again on the next page


def test_the_menu_is_a_row_of_links_on_a_wide_screen(phone):
    page = phone("resident", width=1280)
    expect(page.locator("header summary")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="My appeals")).to_be_visible()


#: The top row of the menu: each entry's top edge, rounded (one row: one value).
MENU_ROWS = "() => [...new Set([...document.querySelectorAll('.site-menu nav > ul > li')].map(" \
            "(li) => Math.round(li.getBoundingClientRect().top)))]"
MY_WORK = {"en-US": ("My work", "Appeals inbox"), "zh-CN": ("工作台", "诉求办理")}


@pytest.mark.parametrize("javascript", [True, False])
@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
@pytest.mark.parametrize("role", ["official", "admin"])
def test_an_officials_and_an_admins_menu_is_one_row_on_a_wide_screen(phone, site, role, locale, javascript):
    """Their work is one "My work" menu in the row; it opens from the keyboard, and without JavaScript too."""
    page = phone(role, locale, width=1280, javascript=javascript)
    assert len(page.evaluate(MENU_ROWS)) == 1
    label, inbox_label = MY_WORK[locale]
    work = page.locator(".site-menu nav summary", has_text=label)
    inbox = page.get_by_role("navigation").get_by_role("link", name=inbox_label, exact=True)
    expect(inbox).to_be_hidden()
    box = work.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24
    work.focus()
    page.keyboard.press("Enter")
    expect(inbox).to_be_visible()
    assert inbox.bounding_box()["height"] >= 24
    if javascript:  # a menu closes on Escape, back on its button
        page.keyboard.press("Escape")
        expect(inbox).to_be_hidden()
        expect(work).to_be_focused()
        page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(inbox).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(site + "/officials/appeals")
    page.wait_for_load_state("load")  # its stylesheet too, before the row is measured
    assert len(page.evaluate(MENU_ROWS)) == 1
    expect(inbox).to_be_hidden()  # closed again on the next page, its button marked as where the page is
    expect(work).to_have_class("current")


@pytest.mark.parametrize("javascript", [True, False])
def test_a_refused_pledge_says_why_at_the_pledge_form(phone, site, javascript):
    """The errors sit at the form they concern; the page takes the resident there (with JavaScript by itself,
    without it through a link at the top)."""
    with site.app.app_context():
        proposal = db.session.scalars(select(Proposal).where(Proposal.goal_minor.is_not(None),
                                                             Proposal.deadline > utcnow(),
                                                             Proposal.status == ProposalStatus.OPEN)).first()
        assert proposal is not None, "the demo has a proposal that takes pledges"
        address = f"/proposals/{proposal.id}"
    page = phone("resident", javascript=javascript)
    page.goto(site + address)
    page.locator("summary", has_text="Pledge money").click()
    page.get_by_label("Amount in yuan").fill("-5")
    page.get_by_role("button", name="Pledge money").click()

    summary = page.locator("#pledges .form-errors")
    expect(summary).to_contain_text("Amount in yuan: The amount must be more than zero.")
    expect(page.locator("main > .form-errors")).to_have_count(0)  # not summed up far above as well
    if javascript:
        expect(summary).to_be_focused()
        expect(summary).to_be_in_viewport()
    else:
        page.get_by_role("link", name="Nothing was saved: see what to correct at the form.").click()
        expect(summary).to_be_in_viewport()
    summary.get_by_role("link", name="Amount in yuan").click()
    expect(page.get_by_label("Amount in yuan")).to_be_focused()


def test_an_official_works_the_inbox_on_a_phone(phone, site):
    """Filters, a row ticked and a step for it, all on a 360-px screen (the last test here: it answers an appeal)."""
    page = phone("official")
    page.goto(site + "/officials/appeals")
    page.locator("summary", has_text="Filter and sort").click()
    page.get_by_label("Sort by").select_option(label="Newest")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_label("Sort by")).to_have_value("newest")  # the filters stay open while one is set

    first = page.locator("table.stack tbody tr").first
    expect(first.locator("td[data-label=Status]")).to_be_visible()
    number = first.locator("a").first.inner_text().lstrip("#")
    first.get_by_role("checkbox").check()
    page.get_by_label("Step").select_option(label="Accept")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".flash-success")).to_have_text("1 appeal done.")
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    with site.app.app_context():
        assert db.session.get(Appeal, int(number)).status == "accepted"
