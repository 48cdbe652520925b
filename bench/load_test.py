"""Load test: simulated residents (locust, headless, loopback only) against gunicorn + PostgreSQL + Redis with
the large generated data set (`minyi demo --scale`), then the hot pages' throughput against the framework's
floor (bench/floor_app.py: a minimal Flask route rendering a page of the same size, same gunicorn settings).
Writes the "load" section of docs/performance.md.

    .venv/bin/python bench/load_test.py                       # scale 1, 200 users for 5 minutes
    .venv/bin/python bench/load_test.py --scale 0.01 --minutes 0.5 --capacity-seconds 10 --report -

Needs the PostgreSQL and Redis servers of the development machines (Redis database 13 is emptied)."""

import argparse
import csv
import json
import os
import random
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import report  # noqa: E402
from proposals_bench import _fingerprint, migrated_app, with_fresh_database  # noqa: E402
from votes_server import _cookies, _free_port, _wait_for  # noqa: E402

REDIS = "redis://127.0.0.1:6379/13"
HOT = ("/proposals", "/appeals", "/proposals/{proposal}")


def arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="data size (minyi demo --scale)")
    parser.add_argument("--users", type=int, default=200, help="simulated residents")
    parser.add_argument("--spawn-rate", type=float, default=20, help="residents arriving per second")
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--capacity-seconds", type=float, default=60, help="each hot page and the floor")
    parser.add_argument("--capacity-users", type=int, default=32, help="clients asking as fast as they can")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (0: deploy/gunicorn.conf.py's)")
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--report", default=str(ROOT / "docs" / "performance.md"), help="file to update, or -")
    return parser.parse_args(argv)


def main(argv=None):
    args = arguments(argv)
    command = ".venv/bin/python bench/load_test.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    with_fresh_database(args, lambda _name, plain: _run(args, command, plain))


def _run(args, command, plain):

    import redis

    from server.commands.scale import Sizes, load

    began = time.perf_counter()
    app, config = migrated_app(plain)
    with app.app_context():
        facts = load(Sizes.at_scale(args.scale))
    fill_s = time.perf_counter() - began
    print(f"data loaded in {fill_s:.0f} s", flush=True)
    redis.Redis.from_url(REDIS).flushdb()
    source = _fingerprint()
    workdir = Path(tempfile.mkdtemp(prefix="minyi-load-"))
    data = _scenario(app, facts, args.users * 2)
    (workdir / "data.json").write_text(json.dumps(data, ensure_ascii=False))
    env = dict(os.environ, MINYI_DATABASE_URL=plain, MINYI_SECRET_KEY=config["SECRET_KEY"], MINYI_REDIS_URL=REDIS,
               MINYI_LOG_LEVEL="WARNING", MINYI_INSTANCE_PATH=str(workdir), PYTHONPATH=str(ROOT),
               MINYI_LOAD_DATA=str(workdir / "data.json"), MINYI_ENV="production", MINYI_SECURE_COOKIES="0",
               # Every simulated resident comes from 127.0.0.1: the per-address limit would take them for one.
               MINYI_POSTING_ADDRESS_LIMIT="1000000 per hour")
    if args.workers:
        env["MINYI_WORKERS"] = str(args.workers)
    results = {}
    with _gunicorn("server.wsgi:app", env, workdir / "app.log") as url:
        size = len(_fetch(url + "/proposals"))
        results["mixed"] = _locust("Resident", url, env, workdir / "mixed", args.users, args.spawn_rate,
                                   args.minutes * 60)
        for path in HOT:
            path = path.format(proposal=data["proposals"][0])
            results[path] = _locust("HotPage", url, dict(env, MINYI_LOAD_PATH=path), workdir / "hot",
                                    args.capacity_users, args.capacity_users, args.capacity_seconds)
    floor_env = dict(env, PYTHONPATH=str(ROOT / "bench"), MINYI_FLOOR_BYTES=str(size))
    with _gunicorn("floor_app:app", floor_env, workdir / "floor.log") as url:
        results["floor"] = _locust("Floor", url, floor_env, workdir / "floor", args.capacity_users,
                                   args.capacity_users, args.capacity_seconds)
    section = _section(args, command, facts, fill_s, size, results, source_changed=_fingerprint() != source)
    report.write_section(args.report, section, "load")
    return app


def _scenario(app, facts, residents):
    """Who the simulated residents are (signed session cookies) and what they may support and pledge to."""
    from sqlalchemy import text

    from core.db import db

    rng = random.Random(20261127)
    with app.app_context():
        rows = db.session.execute(text(
            "SELECT u.id, u.session_version, u.region_id, "
            "ARRAY(SELECT p.id FROM proposals p JOIN regions v ON v.id = u.region_id "
            "      WHERE p.status IN ('open', 'qualified') AND p.hidden_at IS NULL "
            "      AND (p.deadline IS NULL OR p.deadline > now()) "
            "      AND (p.scope = 'county' OR p.region_id = u.region_id OR (p.scope = 'township' AND "
            "           p.region_id IN (SELECT id FROM regions WHERE parent_id = v.parent_id))) "
            "      AND NOT EXISTS (SELECT 1 FROM supports s WHERE s.user_id = u.id AND s.proposal_id = p.id) "
            "      ORDER BY p.id DESC LIMIT 30), "
            "ARRAY(SELECT p.id FROM proposals p WHERE p.region_id = u.region_id AND p.goal_minor IS NOT NULL "
            "      AND p.deadline > now() AND p.status IN ('open', 'qualified') AND p.hidden_at IS NULL LIMIT 5) "
            "FROM users u WHERE u.role = 'resident' AND u.verified_at IS NOT NULL ORDER BY random() LIMIT :n"),
            {"n": residents}).all()
        token, cookies = _cookies(app, [(r[0], r[1], ()) for r in rows])
    return {"csrf": token, "residents": [
        {"cookie": cookies[r[0]], "village": r[2], "supportable": list(r[3]), "fundable": list(r[4])} for r in rows],
        "proposals": rng.sample(facts.visible_ids, min(5000, len(facts.visible_ids))),
        "appeals": rng.sample(facts.public_appeal_ids, min(5000, len(facts.public_appeal_ids))),
        "categories": facts.categories, "appeal_texts": [t for t, _v, _c in facts.appeal_texts[:500]],
        "terms": [term for term, _count in facts.search_terms.values()]}


class _gunicorn:
    """gunicorn with deploy/gunicorn.conf.py on a free loopback port, for the ``with`` block."""

    def __init__(self, target, env, log):
        self.port = _free_port()
        self.env = dict(env, MINYI_BIND=f"127.0.0.1:{self.port}")
        self.target, self.log = target, log

    def __enter__(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "deploy" / "gunicorn.conf.py"), self.target],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=open(self.log, "w"), start_new_session=True)
        _wait_for(self.port, self.process)
        time.sleep(2)  # the workers fork after the master listens
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=60)


def _fetch(url):
    import urllib.request

    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def _locust(user_class, url, env, prefix, users, rate, seconds):
    """Run locust headless; returns its per-endpoint rows (and the aggregate under "Aggregated")."""
    print(f"locust {user_class}: {users} users for {seconds:.0f} s against {url}", flush=True)
    subprocess.run([sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
                    "--users", str(users), "--spawn-rate", str(rate), "--run-time", f"{max(1, round(seconds))}s",
                    "--host", url, "--csv", str(prefix), "--only-summary", "--stop-timeout", "10", user_class],
                   env=env, check=False, stdout=subprocess.DEVNULL, stderr=open(str(prefix) + ".log", "w"))
    with open(str(prefix) + "_stats.csv") as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    errors = Path(str(prefix) + "_failures.csv")
    failures = list(csv.DictReader(errors.open())) if errors.exists() else []
    return {"rows": rows, "failures": failures}


def _section(args, command, facts, fill_s, size, results, source_changed):
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    cpu, mem = report._machine()
    mixed = results["mixed"]["rows"]
    total = mixed["Aggregated"]
    errors = int(total["Failure Count"])
    out = ["## Load test", "",
           f"Measured {when} by `bench/load_test.py` on {os.cpu_count()} cores ({cpu}, {mem}): gunicorn with "
           "`deploy/gunicorn.conf.py`, PostgreSQL, Redis and locust on the same machine, over loopback"
           + (". **The sources changed during the run.**" if source_changed else "."), "",
           "```sh", command, "```", "",
           f"Data: `minyi demo --scale {args.scale:g}` ({facts.counts.get('residents', 0):,} residents, "
           f"{facts.counts.get('proposals', 0):,} proposals, {facts.counts.get('supports', 0):,} supports, "
           f"{facts.counts.get('appeals', 0):,} appeals), loaded in {fill_s:.0f} s.", "",
           "| Target (from the issue) | Result | |", "|---|---|---|",
           f"| {args.users} residents for {args.minutes:g} minutes: zero errors | {errors} errors in "
           f"{int(total['Request Count']):,} requests | {'met' if errors == 0 else '**not met**'} |"]
    floor = float(results["floor"]["rows"]["Aggregated"]["Requests/s"])
    for path in [k for k in results if k not in ("mixed", "floor")]:
        rps = float(results[path]["rows"]["Aggregated"]["Requests/s"])
        ratio = rps / floor if floor else 0
        out.append(f"| Hot page `{path}`: at least half the floor's throughput | {rps:.0f} against {floor:.0f} "
                   f"requests/s = {ratio:.2f} | {'met' if ratio >= 0.5 else '**not met**'} |")
    out += ["", f"Residents ({args.users}, arriving {args.spawn_rate:g} a second, a page every 1–3 s), per endpoint "
            "(milliseconds):", "",
            "| Endpoint | requests | errors | requests/s | p50 | p95 | p99 | max |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, row in sorted(mixed.items(), key=lambda item: (item[0] == "Aggregated", item[0])):
        out.append(f"| {name if name != 'Aggregated' else '**all**'} | {int(row['Request Count']):,} | "
                   f"{row['Failure Count']} | {float(row['Requests/s']):.1f} | {row['50%']} | {row['95%']} | "
                   f"{row['99%']} | {float(row['Max Response Time']):.0f} |")
    out += ["", f"Throughput, {args.capacity_users} clients asking as fast as they can for "
            f"{args.capacity_seconds:g} s each (anonymous, so Minyi serves them from its page cache, "
            f"`MINYI_PAGE_CACHE_SECONDS`; the floor renders {size:,} bytes, the size of `/proposals`, every time):",
            "", "| Page | requests/s | p50 ms | p95 ms | p99 ms | errors |", "|---|---:|---:|---:|---:|---:|"]
    for path, result in results.items():
        if path == "mixed":
            continue
        row = result["rows"]["Aggregated"]
        out.append(f"| {'floor (minimal Flask, same gunicorn settings)' if path == 'floor' else path} | "
                   f"{float(row['Requests/s']):.0f} | {row['50%']} | {row['95%']} | {row['99%']} | "
                   f"{row['Failure Count']} |")
    failures = results["mixed"]["failures"][:10]
    if failures:
        out += ["", "Errors:", ""] + [f"- {f['Method']} {f['Name']}: {f['Error']} ({f['Occurrences']}×)"
                                      for f in failures]
    return "\n".join(out)


if __name__ == "__main__":
    main()
