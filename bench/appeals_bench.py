"""Appeals at scale: fills a fresh PostgreSQL database with a year of appeals (1,000,000 by default) and
times the officials' inbox, the appeal pages, the message board, the dashboard and the suggestions shown
while a resident types. Writes its section of docs/performance.md (between the appeals markers).

    .venv/bin/python bench/appeals_bench.py --appeals 1000000
"""

import argparse
import gc
import os
import random
import shlex
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pages  # noqa: E402
import report  # noqa: E402
import similarity_quality  # noqa: E402
from proposals_bench import _fingerprint, _wait_quiet, migrated_app, run_arguments, with_fresh_database  # noqa: E402

TARGETS = {"page": 50.0, "dashboard": 300.0, "suggest": 100.0}


def arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--appeals", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=100_000, help="verified residents")
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--requests", type=int, default=100, help="timed requests per page")
    parser.add_argument("--similarity-samples", type=int, default=200, help="typed texts for the recall measure")
    run_arguments(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = arguments(argv)
    command = ".venv/bin/python bench/appeals_bench.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    with_fresh_database(args, lambda _name, plain: _run(args, command, plain))


def _run(args, command, plain):

    from core.db import db
    from server.commands.scale import Sizes, generate
    from server.commands.scale.bulk import Loader

    app, _config = migrated_app(plain)
    source_before = _fingerprint()
    began = time.perf_counter()
    with psycopg.connect(plain) as conn, app.app_context():
        facts = generate(Loader(conn, "postgresql"), Sizes(users=args.users, proposals=1000, supports=5000,
                                                           appeals=args.appeals, seed=args.seed), "x")
    step = time.perf_counter()
    with app.app_context():
        from appeals.rollups import rebuild

        rebuild()  # the dashboard's roll-ups, from what was loaded
        db.session.commit()
    facts.timings["dashboard roll-ups"] = time.perf_counter() - step
    with psycopg.connect(plain, autocommit=True) as conn:
        step = time.perf_counter()
        conn.execute("VACUUM (ANALYZE)")
        facts.timings["VACUUM (ANALYZE)"] = time.perf_counter() - step
        db_mb = conn.execute("SELECT pg_database_size(current_database()) / 1048576.0").fetchone()[0]
        appeals_mb = conn.execute("SELECT pg_total_relation_size('appeals') / 1048576.0").fetchone()[0]
        pg_version = conn.execute("SHOW server_version").fetchone()[0]
    fill_s = time.perf_counter() - began
    print(f"fill took {fill_s:.1f} s", flush=True)

    rng = random.Random(args.seed)
    with app.app_context():
        engine = db.engine
    recorder = pages.QueryRecorder(engine)
    anonymous, official = app.test_client(), app.test_client()
    for c in (anonymous, official):
        c.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    department = 1
    with official.session_transaction() as sess:
        sess.update({"_user_id": f"{facts.officials[department]}:1", "_fresh": True})
    cold_ms = _timed(anonymous, "/dashboard")  # the first request after a start computes every figure
    plan = _plan(facts, anonymous, official, department, rng)
    gc.freeze()  # what deploy/gunicorn.conf.py does before forking: the loaded app is not walked by every collection
    background = _wait_quiet(args.quiet, args.quiet_wait)
    results = pages.measure(plan, recorder, args.requests)
    pages.explain_slowest(engine, results)
    recorder.close()
    with app.app_context():
        from accounts.regions import Region

        villages = [db.session.get(Region, v) for v in facts.villages]
        quality = similarity_quality.measure(db.session, villages, rng, args.similarity_samples)
    section = _section(command=command, args=args, facts=facts, fill_s=fill_s, db_mb=db_mb, appeals_mb=appeals_mb,
                       quality=quality,
                       pg_version=pg_version, results=results, cold_ms=cold_ms, background=background,
                       source_changed=_fingerprint() != source_before)
    report.write_section(args.report, section, "appeals")
    return app


def _timed(client, url):
    began = time.perf_counter()
    client.get(url)
    return (time.perf_counter() - began) * 1000


def _plan(facts, anonymous, official, department, rng):
    waiting = facts.waiting[department]
    village = rng.choice(facts.villages)
    deep = pages.follow(official, "/officials/appeals?status=all&sort=newest", 30)[9:]
    texts = rng.sample(facts.appeal_texts, 200)
    suggest = [f"/appeals/similar?body={quote(body[:60])}&village={region}&category={category}"
               for body, region, category in texts]
    return [p for p in [
        ("Inbox: waiting, due soonest", "page", official, ["/officials/appeals"]),
        ("Inbox: overdue", "page", official, ["/officials/appeals?status=overdue"]),
        ("Inbox: all, newest", "page", official, ["/officials/appeals?status=all&sort=newest"]),
        ("Inbox: pages 11-31, newest", "page", official, deep),
        ("Inbox: most co-signed", "page", official, ["/officials/appeals?status=all&sort=cosigns"]),
        ("Inbox: one village", "page", official, [f"/officials/appeals?status=all&region={village}"]),
        ("Appeal: official's page", "page", official,
         [f"/officials/appeals/{rng.choice(waiting)}" for _ in range(200)]),
        ("Appeal: public page", "page", anonymous,
         [f"/appeals/{rng.choice(facts.public_appeal_ids)}" for _ in range(200)]),
        ("Message board", "page", anonymous, ["/appeals"]),
        ("Dashboard", "dashboard", anonymous, ["/dashboard"]),
        ("Dashboard JSON", "dashboard", anonymous, ["/dashboard.json"]),
        ("Similar appeals while typing", "suggest", anonymous, suggest),
    ] if p[3]]


def _section(*, command, args, facts, fill_s, db_mb, appeals_mb, quality, pg_version, results, cold_ms, background,
             source_changed):
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = ["## Appeals", "",
           f"Measured {when} by `bench/appeals_bench.py` on PostgreSQL {pg_version}, {os.cpu_count()} cores, the "
           "app in-process (Flask test client), one client, `Accept-Language: en`"
           + (f"; other load before the timings: {background:.0%} of the cores" if background is not None else "")
           + (". **The sources changed during the run.**" if source_changed else "."), "",
           "```sh", command, "```", "",
           f"Fill {fill_s:.0f} s; database {db_mb:.0f} MB, of which `appeals` with its indexes {appeals_mb:.0f} MB.", "",
           "| Data | Count |", "|---|---:|"]
    out += [f"| {k} | {v:,} |" for k, v in facts.counts.items()]
    out += ["", "| Target (from the issue) | Result | |", "|---|---|---|"]
    for kind, label in (("page", "Inbox and appeal pages: p95 under 50 ms"),
                        ("dashboard", "Dashboard: under 300 ms"), ("suggest", "Suggestions: under 100 ms")):
        group = [r for r in results if r.kind == kind]
        if group:
            worst = max(group, key=lambda r: r.pct(95))
            met = worst.pct(95) < TARGETS[kind]
            out.append(f"| {label} | worst p95 {worst.pct(95):.1f} ms ({worst.name}) | "
                       f"{'met' if met else '**not met**'} |")
    app_recall = quality["recall"].get("character-trigram cosine", 0)
    out += [f"| Dashboard, first request after a start (figures computed) | {cold_ms:.0f} ms | "
            f"{'met' if cold_ms < TARGETS['dashboard'] else '**not met**'} |",
            f"| Similar appeals: recall@5 at least 0.9 against exact character-trigram cosine | {app_recall:.3f} | "
            f"{'met' if app_recall >= 0.9 else '**not met**'} |", "",
            f"Similar appeals, {quality['samples']} typed texts in random villages (a township's joinable appeals of "
            f"three months: median {quality['scope median']:,.0f} compared per keystroke); "
            "`bench/similarity_quality.py` says how each figure is made:", "",
            "| Exact measure | recall@5 of the app's five | same problem@5 of the measure's own five |",
            "|---|---:|---:|"]
    out += [f"| {name} | {value:.3f} | {quality['same problem'].get(name, 0):.3f} |"
            for name, value in quality["recall"].items()]
    out += [f"| (the app's five) | | {quality['same problem'].get('app', 0):.3f} |", "",
            f"{args.requests} timed requests per row after 5 warm-up requests.", "",
            "| Page | p50 ms | p95 ms | max ms | queries | DB ms | slowest statement in PostgreSQL |",
            "|---|---:|---:|---:|---:|---:|---|"]
    for r in results:
        out.append(f"| {r.name} | {r.pct(50):.1f} | {r.pct(95):.1f} | {max(r.latencies):.1f} | "
                   f"{statistics.mean(r.queries):.1f} | {statistics.mean(r.db_ms):.1f} | {r.plan_ms:.1f} ms |")
    return "\n".join(out + report.slowest_plans(results))


if __name__ == "__main__":
    main()
