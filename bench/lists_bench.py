"""Every list at scale: each list page and API list, in each of its filters and sorts and on a deep page, as
the people who use it, on the `minyi demo --scale` data set. Writes its section of docs/performance.md
(between the lists markers).

    .venv/bin/python bench/lists_bench.py --scale 1
    .venv/bin/python bench/lists_bench.py --database postgresql://postgres@127.0.0.1:5432/minyi_big

The filters and sorts are not listed here: they are read from each page as a browser sees it (its GET forms,
every option of every menu, and its links to the same address with other arguments) and from the API's
OpenAPI document (every query parameter with a fixed set of values), so a filter added later is timed too.
Needs beautifulsoup4 (in the test extras).
"""

import argparse
import gc
import html
import os
import random
import re
import shlex
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import psycopg
from bs4 import BeautifulSoup

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pages  # noqa: E402
import report  # noqa: E402
from proposals_bench import _fingerprint, _wait_quiet, migrated_app, run_arguments, with_fresh_database  # noqa: E402

#: The page target of issues 3 and 4, held to by every list.
TARGET_MS = 50.0
#: How deep the "deep page" of a list is: the page reached by following "More" this many times.
DEEP = 10
#: At most this many values of one menu are timed (a region menu has hundreds: a township, a village, ...).
OPTIONS_PER_MENU = 4
#: The generator makes no notifications; the resident whose lists are timed is given this many for the run.
SEEDED_NOTIFICATIONS = 500
#: A link to the next page of a list (its keyset cursor).
NEXT_PAGE = re.compile(r"(^|&)(after|before|page)=")


def arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="minyi demo --scale N, into a fresh database")
    parser.add_argument("--database", help="time an existing database filled by `minyi demo --scale` instead")
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--requests", type=int, default=20, help="timed requests per variant")
    parser.add_argument("--only", help="time only the lists whose name holds this (to look at one list again)")
    run_arguments(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = arguments(argv)
    command = ".venv/bin/python bench/lists_bench.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    if args.database:
        _run(args, command, args.database, fill=False)
    else:
        with_fresh_database(args, lambda _name, plain: _run(args, command, plain, fill=True))


def _run(args, command, plain, fill):
    from core.db import db

    app, _config = migrated_app(plain)
    fill_s = None
    if fill:
        from server.commands.scale import Sizes, generate
        from server.commands.scale.bulk import Loader

        began = time.perf_counter()
        with psycopg.connect(plain) as conn, app.app_context():
            generate(Loader(conn, "postgresql"), Sizes.at_scale(args.scale, args.seed), "x")
        with app.app_context():
            from appeals.rollups import rebuild

            rebuild()
            db.session.commit()
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute("VACUUM (ANALYZE)")
        fill_s = time.perf_counter() - began
        print(f"fill took {fill_s:.1f} s", flush=True)
    with psycopg.connect(plain) as conn:
        counts = {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 (fixed names)
                  for table in ("users", "proposals", "supports", "appeals", "projects", "notifications")}
        pg_version = conn.execute("SHOW server_version").fetchone()[0]
    source_before = _fingerprint()
    rng = random.Random(args.seed)
    clients, resident_id = _clients(app)
    seeded = _seed_notifications(plain, resident_id)
    try:
        results, exports, background = _measure(app, clients, rng, args)
    finally:
        with psycopg.connect(plain) as conn:
            conn.execute("DELETE FROM notifications WHERE id = ANY(%s)", (seeded,))
    section = _section(command=command, args=args, counts=counts, fill_s=fill_s, pg_version=pg_version,
                       results=results, exports=exports, background=background,
                       source_changed=_fingerprint() != source_before)
    report.write_section(args.report, section, "lists")
    with app.app_context():
        db.engine.dispose()
    return app


def _measure(app, clients, rng, args):
    """(page results, exports, other load before the timings)."""
    from core.db import db

    plan = [p for p in _plan(app, clients, rng) if not args.only or args.only in p[0]]
    with app.app_context():
        engine = db.engine
    recorder = pages.QueryRecorder(engine)
    gc.freeze()  # as deploy/gunicorn.conf.py does before forking
    background = _wait_quiet(args.quiet, args.quiet_wait)
    results = pages.measure(plan, recorder, args.requests, warmup=2)
    pages.explain_slowest(engine, results)
    recorder.close()
    return results, [] if args.only else _exports(clients), background


def _seed_notifications(database, user_id, count=SEEDED_NOTIFICATIONS):
    """The generator makes no notifications: the resident gets ``count`` for the time of the run (their ids)."""
    with psycopg.connect(database) as conn:
        return [row[0] for row in conn.execute(
            "INSERT INTO notifications (user_id, kind, params, created_at) "
            "SELECT %s, 'appeal_answered', json_build_object('appeal_id', n), now() - n * interval '1 hour' "
            "FROM generate_series(1, %s) AS n RETURNING id", (user_id, count)).fetchall()]


def _clients(app):
    """A test client per role, signed in as the demo's people (the busiest resident: the author of most
    appeals), and the resident's id."""
    from sqlalchemy import func, select

    from accounts.users import User
    from appeals.models import Appeal
    from core.db import db
    from server.commands.scale.people import ADMIN_EMAIL, MODERATOR_EMAIL

    with app.app_context():
        def by_email(email):
            return db.session.scalar(select(User).where(User.email == email))

        official = db.session.scalar(select(User).where(User.role == "official", User.department_id.is_not(None))
                                     .order_by(User.id))
        resident_id = db.session.scalar(select(Appeal.author_id).where(Appeal.author_id.is_not(None))
                                        .group_by(Appeal.author_id).order_by(func.count().desc()).limit(1))
        people = {"anonymous": None, "resident": db.session.get(User, resident_id), "official": official,
                  "moderator": by_email(MODERATOR_EMAIL), "admin": by_email(ADMIN_EMAIL)}
        clients = {}
        for role, user in people.items():
            client = app.test_client()
            client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
            if user is not None:
                with client.session_transaction() as session:
                    session.update({"_user_id": user.get_id(), "_fresh": True})
            clients[role] = client
        return clients, people["resident"].id


#: The lists, by who reads them: (name, role, address).
LISTS = [
    ("Home page", "anonymous", "/"),
    ("Home page", "resident", "/"),
    ("Proposals", "anonymous", "/proposals"),
    ("Message board", "anonymous", "/appeals"),
    ("Projects", "anonymous", "/projects"),
    ("My appeals", "resident", "/appeals/mine"),
    ("Notifications", "resident", "/notifications"),
    ("Inbox", "official", "/officials/appeals"),
    ("Groups of similar appeals", "official", "/officials/appeals/groups"),
    ("Project candidates", "official", "/officials/candidates"),
    ("Proposal queue", "official", "/officials/proposals"),
    ("Residents to verify", "official", "/officials/residents"),
    ("Moderation", "moderator", "/moderation"),
    ("Users", "admin", "/admin/users"),
    ("Audit log", "admin", "/admin/audit"),
    ("Kiosks", "admin", "/admin/kiosks"),
    ("Dashboard", "anonymous", "/dashboard"),
]

API_LISTS = ["/api/v1/proposals", "/api/v1/appeals", "/api/v1/projects"]

#: The maps' data: (name, role, the map page whose filter form gives the variants, the GeoJSON address it reads).
MAPS = [
    ("Map data: appeals", "anonymous", "/appeals/map", "/appeals/map.json"),
    ("Map data: proposals", "anonymous", "/proposals/map", "/proposals/map.json"),
    ("Map data: projects", "anonymous", "/projects/map", "/projects/map.json"),
    ("Map data: waiting appeals", "official", "/officials/appeals/map", "/officials/appeals/map.json"),
    ("Map data: region outlines", "anonymous", "/regions/outlines.json", None),
]


def _plan(app, clients, rng):
    from sqlalchemy import func, select

    from accounts.users import User
    from core.db import db

    with app.app_context():
        last = db.session.scalar(select(func.max(User.id)))
        phone = None
        while phone is None:
            phone = db.session.scalar(select(User.phone).where(User.id == rng.randint(1, last)))
    phone_end = phone[-4:]
    plan = []
    for name, role, address in LISTS:
        client = clients[role]
        for label, url in _variants(client, address, rng, phone_end):
            plan.append((f"{name}: {label}", "list", client, [url]))
            deep = _follow(client, url, DEEP)
            if len(deep) == DEEP:
                plan.append((f"{name}: {label}, page {DEEP + 1}", "list", client, [deep[-1]]))
    for name, role, address, data in MAPS:
        variants = _variants(clients[role], address, rng, phone_end) if data else [("all", address)]
        for label, url in variants:
            plan.append((f"{name}: {label}", "list", clients[role], [url.replace(address, data or address, 1)]))
    client = clients["anonymous"]
    spec = client.get("/api/v1/openapi.json").get_json()
    for address in API_LISTS:
        for label, url in _api_variants(spec, address, app, rng):
            plan.append((f"API {address}: {label}", "list", client, [url]))
            deep = _follow_api(client, url, DEEP)
            if len(deep) == DEEP:
                plan.append((f"API {address}: {label}, page {DEEP + 1}", "list", client, [deep[-1]]))
    busiest = _busiest_proposal(app)
    plan += [("API comments of the most supported proposal", "list", client,
              [f"/api/v1/proposals/{busiest}/comments"]),
             ("API pledges of the most supported proposal", "list", client, [f"/api/v1/proposals/{busiest}/pledges"]),
             ("Open311 requests", "feed", client, ["/open311/v2/requests.json"]),
             ("Open311 requests, open", "feed", client, ["/open311/v2/requests.json?status=open"])]
    return plan


def _variants(client, address, rng, phone_end):
    """(label, url) for the page itself, each value of each menu or search box of its GET forms (the others
    left as the page has them), and each link to the same address with other arguments."""
    response = client.get(address)
    if response.status_code != 200:
        raise SystemExit(f"{address} answered {response.status_code}: the benchmark's roles are wrong")
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    seen, found = {address}, [("first page", address)]

    def add(label, url):
        if url not in seen:
            seen.add(url)
            found.append((label, url))

    for form in soup.find_all("form"):
        if (form.get("method") or "get").lower() != "get" or (form.get("action") or address) != address:
            continue
        defaults = {}
        for field in form.find_all(["input", "select"]):
            if field.get("name") and field.get("type") not in ("submit", "button", "checkbox", "radio"):
                chosen = field.find("option", selected=True) if field.name == "select" else None
                defaults[field["name"]] = chosen.get("value", "") if chosen else field.get("value", "")
        for field in form.find_all(["input", "select"]):
            name = field.get("name")
            if not name or field.get("type") in ("submit", "button", "hidden"):
                continue
            if field.name == "select":
                values = [o.get("value", o.text) for o in field.find_all("option")]
                values = [v for v in values if v and v != defaults.get(name)]
                if len(values) > OPTIONS_PER_MENU:
                    values = values[:1] + rng.sample(values[1:], OPTIONS_PER_MENU - 1)
            elif field.get("type") == "checkbox":
                values = [field.get("value", "on")]
            elif field.get("type") == "number":
                values = [str(field.get("min") or 1), "5"]
            else:  # a common and a rare word, a surname, and the end of a resident's phone number
                values = ["路灯", "water", "张", phone_end]
            for value in values:
                query = {k: v for k, v in {**defaults, name: value}.items() if v}
                add(f"{name}={value}", f"{address}?{urlencode(query)}")
    for link in soup.find_all("a", href=True):
        parts = urlsplit(html.unescape(link["href"]))
        if parts.path == address and parts.query and not NEXT_PAGE.search(parts.query):
            add(parts.query, f"{address}?{parts.query}")
    return found


def _follow(client, url, count):
    """The URLs of the next ``count`` pages of a list page, by its link to the next page (``after=`` or
    ``before=``, whichever the list uses)."""
    urls, path = [], urlsplit(url).path
    for _ in range(count):
        soup = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
        following = [link["href"] for link in soup.find_all("a", href=True)
                     if urlsplit(link["href"]).path == path and NEXT_PAGE.search(urlsplit(link["href"]).query)]
        if not following:
            break
        url = following[0]
        urls.append(url)
    return urls


def _api_variants(spec, address, app, rng):
    """(label, url) for the list and each value of each of its query parameters with a fixed set, a region
    and a category."""
    from sqlalchemy import select

    from accounts.regions import Category, Region
    from core.db import db

    with app.app_context():
        township = db.session.scalar(select(Region.code).where(Region.level == "township").order_by(Region.id))
        category = db.session.scalar(select(Category.code).order_by(Category.id))
    found = [("first page", address)]
    for parameter in spec["paths"][address]["get"].get("parameters", []):
        name, schema = parameter["name"], parameter.get("schema", {})
        for value in schema.get("enum", []):
            found.append((f"{name}={value}", f"{address}?{urlencode({name: value})}"))
        if name == "region" and township:
            found.append((f"region={township}", f"{address}?region={township}"))
        if name == "category" and category:
            found.append((f"category={category}", f"{address}?category={category}"))
    return found


def _follow_api(client, url, count):
    """The URLs of the next ``count`` pages of an API list, by its ``next`` cursor."""
    urls = []
    for _ in range(count):
        cursor = (client.get(url).get_json() or {}).get("next")
        if not cursor:
            break
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        query["after"] = cursor
        url = f"{parts.path}?{urlencode(query)}"
        urls.append(url)
    return urls


#: The CSV exports, by who downloads them: (name, role, address).
EXPORTS = [
    ("Inbox, every appeal of a department", "official", "/officials/appeals.csv?status=all"),
    ("Users", "admin", "/admin/users.csv"),
    ("Projects", "anonymous", "/projects/export.csv"),
    ("Dashboard", "anonymous", "/dashboard.csv"),
]


def _exports(clients, runs=3):
    """(name, rows, MB, seconds to the first piece, seconds to the end) of each export, the median of ``runs``."""
    measured = []
    for name, role, address in EXPORTS:
        firsts, totals = [], []
        for _ in range(runs):
            began = time.perf_counter()
            response = clients[role].get(address, buffered=False)
            pieces = iter(response.response)
            body = [next(pieces)]
            firsts.append(time.perf_counter() - began)
            body += list(pieces)
            totals.append(time.perf_counter() - began)
            response.close()
        data = b"".join(p if isinstance(p, bytes) else p.encode() for p in body)
        measured.append((name, data.count(b"\n") - 1, len(data) / 1e6, statistics.median(firsts),
                         statistics.median(totals)))
        print(f"  export {name}: {measured[-1]}", flush=True)
    return measured


def _busiest_proposal(app):
    from sqlalchemy import select

    from core.db import db
    from proposals.models import Proposal

    with app.app_context():
        return db.session.scalar(select(Proposal.id).order_by(Proposal.supports_count.desc()).limit(1))


def _section(*, command, args, counts, fill_s, pg_version, results, exports, background, source_changed):
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lists, feeds = [r for r in results if r.kind == "list"], [r for r in results if r.kind == "feed"]
    worst = max(lists, key=lambda r: r.pct(95))
    failed = [r for r in results if r.errors]
    over = [r for r in lists if r.pct(95) >= TARGET_MS]
    out = ["## Every list", "",
           f"Measured {when} by `bench/lists_bench.py` on PostgreSQL {pg_version}, {os.cpu_count()} cores, the "
           "app in-process (Flask test client, no page cache), one client, `Accept-Language: en`"
           + (f"; other load before the timings: {background:.0%} of the cores" if background is not None else "")
           + (". **The sources changed during the run.**" if source_changed else "."), "",
           "```sh", command, "```", ""]
    if fill_s is not None:
        out += [f"Data: `minyi demo --scale {args.scale:g}`, loaded and analysed in {fill_s:.0f} s.", ""]
    out += ["| Data | Count |", "|---|---:|"] + [f"| {k} | {v:,} |" for k, v in counts.items()]
    out += ["", f"(The generator makes no notifications: the resident whose lists are timed, the author of the most "
            f"appeals, is given {SEEDED_NOTIFICATIONS} for the run, removed afterwards.)"]
    out += ["", "Every filter and sort is read from the page (its GET forms: each value of each menu, up to four of a "
            "long one; the search box with a common and a rare word, a surname and the end of a resident's phone "
            "number; its links to the same address with other arguments) or from "
            f"the OpenAPI document (each value of each parameter with a fixed set); each also on page {DEEP + 1}, "
            f"reached by following *More*. {args.requests} timed requests each after 2 warm-up requests.", "",
            "| Target (issues 3, 4 and 7) | Result | |", "|---|---|---|",
            f"| Every list, filter, sort and deep page: p95 under {TARGET_MS:.0f} ms | worst p95 "
            f"{worst.pct(95):.1f} ms ({worst.name}); {len(over)} of {len(lists)} over | "
            f"{'met' if not over else '**not met**'} |",
            *[f"| {r.name}: up to 1,000 requests per answer, as GeoReport v2 clients expect (a feed, not a "
              f"page) | p95 {r.pct(95):.1f} ms | no target |" for r in feeds],
            f"| No errors | {sum(r.errors for r in results)} in {sum(len(r.latencies) for r in results):,} requests"
            f" | {'met' if not failed else '**not met**'} |", "",
            "| List | p50 ms | p95 ms | max ms | queries | DB ms | slowest statement in PostgreSQL |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        out.append(f"| {_cell(r.name)} | {r.pct(50):.1f} | {r.pct(95):.1f} | {max(r.latencies):.1f} | "
                   f"{statistics.mean(r.queries):.0f} | {statistics.mean(r.db_ms):.1f} | {r.plan_ms:.1f} ms |")
    if exports:
        out += ["", "CSV exports (the median of 3; the inbox's and the users' are sent while they are read, the "
                "small ones are made first):", "",
                "| Export | rows | MB | first piece s | whole file s |", "|---|---:|---:|---:|---:|"]
        out += [f"| {name} | {rows:,} | {mb:.1f} | {first:.2f} | {total:.1f} |" for name, rows, mb, first, total in exports]
    return "\n".join(out + report.slowest_plans(results))


def _cell(text):
    return text.replace("|", "\\|")


if __name__ == "__main__":
    main()
