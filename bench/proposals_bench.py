"""Proposals benchmark on PostgreSQL: fill a fresh database, time the pages, measure cast-vote throughput.

    .venv/bin/python bench/proposals_bench.py --proposals 100000 --supports 1000000

Writes docs/performance.md (use --report - to only print). See bench/README.md."""

import argparse
import hashlib
import os
import random
import secrets
import shlex
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

import pages  # noqa: E402
import psycopg  # noqa: E402
import report  # noqa: E402
import votes  # noqa: E402
import votes_server  # noqa: E402


def arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=100_000)
    parser.add_argument("--supports", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=100_000, help="verified residents")
    parser.add_argument("--townships", type=int, default=10)
    parser.add_argument("--villages", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--clients", type=int, default=32, help="concurrent voters")
    parser.add_argument("--vote-proposals", type=int, default=5, help="proposals the voters contend for")
    parser.add_argument("--vote-seconds", type=float, default=10.0)
    parser.add_argument("--max-votes", type=int, default=0, help="stop each vote run after this many (0: no cap)")
    parser.add_argument("--vote-modes", default="gunicorn:3,http:4,service,gunicorn:3@qualified,service@qualified",
                        help="comma-separated runs MODE[:N][@STATUS]: gunicorn:N (the production server with N "
                             "workers, driven by wrk over HTTP: needs wrk), http (logged-in test clients POST the "
                             "htmx form) or service (cast_support in an app context); ':N' spreads the clients "
                             "over N processes; '@qualified' votes on already qualified village proposals in different "
                             "villages (no threshold count; residents vote in their own village) instead of open "
                             "county-wide ones")
    parser.add_argument("--quiet", type=float, default=0.25,
                        help="before each measurement wait until other work keeps at most this share of the "
                             "cores busy ...")
    parser.add_argument("--quiet-wait", type=float, default=180, help="... but no longer than this many seconds")
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="maintenance database used to create and drop the benchmark database")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (its name is printed)")
    parser.add_argument("--report", default=str(ROOT / "docs" / "performance.md"), help="file to write, or -")
    return parser.parse_args(argv)


def _url(server: str, name: str) -> str:
    base = server.rsplit("/", 1)[0]
    return f"{base}/{name}"


def main(argv=None):
    args = arguments(argv)
    command = ".venv/bin/python bench/proposals_bench.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    with_fresh_database(args, lambda name, plain: _run(args, command, name, plain))


def run_arguments(parser) -> None:
    """The options every benchmark on a scratch database shares: waiting for a quiet machine, the server, keeping
    the database, and where the report goes."""
    parser.add_argument("--quiet", type=float, default=0.25, help="wait until other work uses at most this share")
    parser.add_argument("--quiet-wait", type=float, default=180)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (its name is printed)")
    parser.add_argument("--report", default=str(ROOT / "docs" / "performance.md"), help="file to update, or -")


def with_fresh_database(args, run):
    """Create ``minyi_bench_<random>``, call ``run(name, url)`` (which returns the app it made), and drop the
    database afterwards, also after an error or Ctrl-C, unless ``--keep``."""
    name = f"minyi_bench_{secrets.token_hex(4)}"
    plain = _url(args.server, name)
    with psycopg.connect(args.server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    print(f"database {name}", flush=True)
    os.environ["MINYI_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="minyi-bench-")
    app = None
    try:
        app = run(name, plain)
    finally:
        if app is not None:
            from core.db import db

            with app.app_context():
                db.engine.dispose()
        if args.keep:
            print(f"kept database {name}: {plain}")
        else:
            with psycopg.connect(args.server, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            print(f"dropped database {name}")


def migrated_app(plain):
    """The app on the benchmark's database (``plain``: a postgresql:// URL), migrated with Alembic."""
    from flask_migrate import upgrade

    from server import create_app

    config = {"SQLALCHEMY_DATABASE_URI": plain.replace("postgresql://", "postgresql+psycopg://", 1),
              "SECRET_KEY": secrets.token_urlsafe(48), "TESTING": False, "MINYI_LOG_LEVEL": "WARNING",
              "MINYI_PAGE_CACHE_SECONDS": 0}  # each page is timed as made (bench/load_test.py times the cache)
    app = create_app(config)
    with app.app_context():
        upgrade()
    return app, config


def _run(args, command, name, plain):

    from accounts import passwords
    from core.db import db

    began = time.perf_counter()
    app, config = migrated_app(plain)
    migrate_s = time.perf_counter() - began

    load_before, source_before = _loadavg(), _fingerprint()
    from server.commands.scale import Sizes, generate
    from server.commands.scale.bulk import Loader

    sizes = Sizes(townships=args.townships, villages=args.villages, users=args.users, proposals=args.proposals,
                  supports=args.supports, seed=args.seed)
    began = time.perf_counter()
    with psycopg.connect(plain) as conn, app.app_context():
        facts = generate(Loader(conn, "postgresql"), sizes, passwords.hash_password("bench-password-" + str(args.seed)))
    with psycopg.connect(plain, autocommit=True) as conn:
        step = time.perf_counter()
        conn.execute("VACUUM (ANALYZE)")
        facts.timings["VACUUM (ANALYZE)"] = time.perf_counter() - step
        sizes_mb = dict(conn.execute(
            "SELECT c.relname, pg_total_relation_size(c.oid) / 1048576.0 FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' "
            "AND c.relname IN ('users', 'proposals', 'supports', 'pledges')").fetchall())
        db_mb = conn.execute("SELECT pg_database_size(current_database()) / 1048576.0").fetchone()[0]
    fill_s = time.perf_counter() - began
    print(f"fill took {fill_s:.1f} s (migrations {migrate_s:.1f} s)", flush=True)
    for step, seconds in facts.timings.items():
        print(f"  {step:28s} {seconds:7.1f} s")
    for key, value in facts.counts.items():
        print(f"  {key:40s} {value}")

    rng = random.Random(args.seed)
    with app.app_context():
        engine = db.engine
        resident = db.session.execute(db.text("SELECT id, session_version FROM users ORDER BY id LIMIT 1")).one()
    recorder = pages.QueryRecorder(engine)
    client, logged_in = app.test_client(), app.test_client()
    for c in (client, logged_in):
        c.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    with logged_in.session_transaction() as sess:
        sess.update({"_user_id": f"{resident[0]}:{resident[1]}", "_fresh": True})
    background = _wait_quiet(args.quiet, args.quiet_wait)
    print(f"pages ({args.requests} requests each, one client, Accept-Language: en):", flush=True)
    plan = pages.build_pages(facts, client, logged_in, rng)
    page_results = pages.measure(plan, recorder, args.requests)
    profiles = [(name, pages.profile(c, urls[0])) for name, _kind, c, urls in plan
                if name in ("List, newest", "Detail, anonymous")]
    pages.explain_slowest(engine, page_results)

    vote_results = []
    for spec in [m.strip() for m in args.vote_modes.split(",") if m.strip()]:
        mode, _at, status = spec.partition("@")
        chosen = votes.pick_proposals(engine, args.vote_proposals, status or "open")
        pool = votes.voters(engine, chosen, rng)
        if not chosen or not pool:
            print(f"votes ({spec}): skipped, no proposals or no eligible voters left", flush=True)
            continue
        if mode.startswith("gunicorn") and not votes_server.available():
            print(f"votes ({spec}): skipped, wrk is not installed (apt-get install wrk)", flush=True)
            continue
        quiet = _wait_quiet(args.quiet, args.quiet_wait)
        print(f"votes ({spec}): {args.clients} clients on proposals {chosen} for {args.vote_seconds:g} s "
              f"({len(pool)} voters)", flush=True)
        result = votes.run(app, config, mode, chosen, pool, args.clients, args.vote_seconds, args.max_votes, recorder)
        result.status, result.background = status or "open", quiet
        print(f"  {result.votes} votes in {result.seconds:.1f} s = {result.rate:.0f} votes/s, "
              f"failures {dict(result.failed) or 0}, none lost: {result.none_lost}", flush=True)
        vote_results.append(result)
        # Driver-side times are inflated by the GIL when 32 threads share it, so every read-only statement of
        # the run is explained once: the plans rank by what PostgreSQL itself spends.
        result.plans = sorted(pages.explain_reads(engine, result), key=lambda pair: report.execution_ms(pair[1]), reverse=True)
    recorder.close()

    with psycopg.connect(plain) as conn:
        pg_version = conn.execute("SHOW server_version").fetchone()[0]
        revision = conn.execute("SELECT string_agg(version_num, ', ') FROM alembic_version").fetchone()[0]
        settings = dict(conn.execute("SELECT name, setting || coalesce(unit, '') FROM pg_settings WHERE name IN "
                                     "('shared_buffers', 'work_mem', 'effective_cache_size', 'max_connections', "
                                     "'synchronous_commit', 'random_page_cost')").fetchall())
    source = {"revision": revision, "before": source_before, "after": _fingerprint()}
    text = report.render(source=source, load=(load_before, _loadavg()), background=background, profiles=profiles, command=command,
                         database=name, args=args, facts=facts, fill_s=fill_s, migrate_s=migrate_s, sizes_mb=sizes_mb, db_mb=db_mb, pg_version=pg_version,
                         pg_settings=settings, pages=page_results, votes=vote_results,
                         previous=_previous(args.report))
    if args.report == "-":
        print(text)
    else:
        Path(args.report).write_text(text)
        print(f"wrote {args.report}")
    return app


def _fingerprint():
    """A short hash of the app's Python files and templates: which version of the code was measured."""
    digest, count = hashlib.sha256(), 0
    for package in ("accounts", "proposals", "voting", "server"):
        for path in sorted((ROOT / package).rglob("*")):
            if path.suffix in (".py", ".html") and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
                count += 1
    return f"{digest.hexdigest()[:12]} ({count} files)"


def _busy(seconds=3.0):
    """Share of all cores busy (from /proc/stat) while this process sleeps: load from anything else."""
    def sample():
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        return sum(values) - values[3] - values[4], sum(values)

    try:
        before = sample()
        time.sleep(seconds)
        after = sample()
        return (after[0] - before[0]) / max(1, after[1] - before[1])
    except (OSError, ValueError, IndexError):
        return None


def _wait_quiet(limit, max_wait):
    """Wait (up to ``max_wait`` s) until other work leaves the cores mostly idle; returns the last busy share."""
    waited, busy = 0.0, _busy()
    while busy is not None and busy > limit and waited < max_wait:
        time.sleep(7)
        waited += 10
        busy = _busy()
    if busy is not None:
        print(f"other load: {busy:.0%} of all cores busy" + (f" (after waiting {waited:.0f} s)" if waited else ""),
              flush=True)
    return busy


def _loadavg():
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def _previous(path):
    if path == "-" or not Path(path).exists():
        return ""
    return Path(path).read_text()


if __name__ == "__main__":
    main()
