"""Every page on a small phone (360 px wide), as each role finds it by following links from the home page: nothing
scrolls sideways, and every target is at least 24×24 px (WCAG 2.5.8; links inside running text excepted)."""

import re
import threading
from collections import Counter, deque
from urllib.parse import parse_qsl, urlsplit

import pytest
from werkzeug.serving import make_server

from core.db import db
from server.commands.data import demo_command
from tests.helpers import NO_LIMITS, empty_all_tables

WIDTH = 360
DEMO_PASSWORD = "minyi-demo"
ROLES = {"anonymous": None, "resident": "+8613800138001", "official": "qingshi@example.org",
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
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)
    with served.app_context():
        db.session.remove()
        empty_all_tables(db.engine)
        db.engine.dispose()


def kind_of(path_and_query: str) -> str:
    """The page's kind: its path with the ids left out, and the names of its query parameters."""
    parts = urlsplit(path_and_query)
    keys = sorted({key for key, _value in parse_qsl(parts.query, keep_blank_values=True)})
    return re.sub(r"\d+", "N", parts.path) + "?" + "&".join(keys)


def crawl(page, base):
    """Follow every link on the site from the home page; return what each page got wrong."""
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

    def open_as(role, locale="en-US"):
        context = browser.new_context(locale=locale, viewport={"width": WIDTH, "height": 740})
        contexts.append(context)
        page = context.new_page()
        if ROLES[role]:
            page.goto(site + "/login")
            page.locator("#identifier").fill(ROLES[role])  # the form's fields, whatever the language
            page.locator("#password").fill(DEMO_PASSWORD)
            page.locator("main form button[type=submit]").click()
            page.wait_for_url(site + "/")
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
