"""Participatory budgets at scale (issue 19): casting a ballot, the cycle's page and the ballot page with 100,000
ballots in one part, each against a floor measured in the same run: a minimal Flask app doing the same database
work (the same statements, on the same database, through psycopg) and rendering a small template, without anything
else Minyi does per request. Writes its section of docs/performance.md (between the budgets markers).

    .venv/bin/python bench/budget_bench.py [--ballots 100000] [--projects 60] [--requests 200]
"""

import argparse
import random
import shlex
import statistics
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import report  # noqa: E402
from proposals_bench import _loadavg, _wait_quiet, migrated_app, run_arguments, with_fresh_database  # noqa: E402

#: p95 of casting a ballot, in ms (issue 19).
CAST_TARGET_MS = 50.0
NOW = datetime(2027, 4, 10, tzinfo=timezone.utc)


def arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=100_000, help="ballots in the part")
    parser.add_argument("--projects", type=int, default=60, help="projects on the ballot")
    parser.add_argument("--choices", type=int, default=5, help="projects each ballot approves, on average")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per measure")
    parser.add_argument("--seed", type=int, default=20261208)
    run_arguments(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = arguments(argv)
    command = ".venv/bin/python bench/budget_bench.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    with_fresh_database(args, lambda _name, plain: _run(args, command, plain))


def _copy(conn, table, columns, rows):
    with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def fill(plain, args) -> dict:
    """One county, its residents (those with a ballot and as many again without), a cycle in voting with one
    region-wide part of ``--projects`` feasible projects, and ``--ballots`` ballots of about ``--choices`` each."""
    rng = random.Random(args.seed)
    voters = args.ballots * 2
    with psycopg.connect(plain) as conn:
        conn.execute("INSERT INTO regions (id, code, level, name_zh, name_en) VALUES (1, 'BC', 'county', '预算县', "
                     "'Budget County')")
        _copy(conn, "users", ("id", "phone", "password_hash", "display_name", "role", "active", "session_version",
                              "created_at", "failed_logins", "region_id", "verified_at", "verification_method"),
              ((i, f"+86139{i:08d}", "x", f"Voter {i}", "admin" if i == 1 else "resident", True, 1, NOW, 0, 1,
                None if i == 1 else NOW, None if i == 1 else "in_person") for i in range(1, voters + 2)))
        conn.execute("INSERT INTO budget_cycles (id, region_id, title, total_minor, phase, ballot_style, "
                     "collecting_until, reviewing_until, voting_until, created_at) VALUES (1, 1, 'Bench budget', "
                     "%s, 'voting', 'spending_limit', '2027-01-01', '2027-02-01', '2027-12-31', %s)",
                     (10**12, NOW))
        conn.execute("INSERT INTO budget_parts (id, cycle_id, region_id, amount_minor) VALUES (1, 1, 1, %s)",
                     (10**12,))
        _copy(conn, "budget_projects", ("id", "part_id", "title", "description", "cost_minor", "status",
                                        "created_at"),
              ((p, 1, f"Project {p}", "What would be done. " * 5, rng.randint(10, 500) * 100_000, "feasible", NOW)
               for p in range(1, args.projects + 1)))
        _copy(conn, "budget_ballots", ("id", "part_id", "voter_id", "channel", "created_at", "updated_at"),
              ((b, 1, b + 1, "web", NOW, NOW) for b in range(1, args.ballots + 1)))
        weights = [1 / (p ** 0.7) for p in range(1, args.projects + 1)]
        _copy(conn, "budget_ballot_choices", ("ballot_id", "project_id"),
              ((b, p) for b in range(1, args.ballots + 1)
               for p in set(rng.choices(range(1, args.projects + 1), weights, k=rng.randint(1, 2 * args.choices - 1)))))
        for table in ("regions", "users", "budget_cycles", "budget_parts", "budget_projects", "budget_ballots"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
        choices = conn.execute("SELECT count(*) FROM budget_ballot_choices").fetchone()[0]
    return {"voters": voters, "choices": choices}


def floor_app(plain):
    """The floor: a minimal Flask app doing the same database work as Minyi's views, with nothing else."""
    from flask import Flask, render_template_string, request

    app, conn = Flask("floor"), psycopg.connect(plain)
    page = ("<!doctype html><html><body><h1>{{ title }}</h1><ul>{% for p in projects %}<li>{{ p[1] }} · {{ p[2] }}"
            "{% if totals %} · {{ totals.get(p[0], 0) }}{% endif %}</li>{% endfor %}</ul></body></html>")

    @app.route("/cycle/<int:cycle_id>")
    def cycle(cycle_id):
        with conn.transaction():
            row = conn.execute("SELECT title, phase FROM budget_cycles WHERE id = %s", (cycle_id,)).fetchone()
            conn.execute("SELECT * FROM budget_parts WHERE cycle_id = %s", (cycle_id,)).fetchall()
            projects = conn.execute("SELECT p.id, p.title, p.cost_minor FROM budget_projects p JOIN budget_parts "
                                    "ON budget_parts.id = p.part_id WHERE cycle_id = %s ORDER BY p.id",
                                    (cycle_id,)).fetchall()
            totals = {project: votes for _part, project, votes in conn.execute(
                "SELECT p.part_id, c.project_id, count(*) FROM budget_ballot_choices c JOIN budget_projects p "
                "ON p.id = c.project_id JOIN budget_parts ON budget_parts.id = p.part_id WHERE cycle_id = %s "
                "GROUP BY p.part_id, c.project_id", (cycle_id,))} if row[1] == "counting" else None
        return render_template_string(page, title=row[0], projects=projects, totals=totals)

    @app.route("/ballot/<int:part_id>/<int:voter_id>", methods=["GET", "POST"])
    def ballot(part_id, voter_id):
        with conn.transaction():
            projects = conn.execute("SELECT id, title, cost_minor FROM budget_projects WHERE part_id = %s AND "
                                    "status = 'feasible' ORDER BY cost_minor, id", (part_id,)).fetchall()
            if request.method == "POST":
                ids = sorted({int(i) for i in request.form.getlist("projects")})
                conn.execute("INSERT INTO budget_ballots (part_id, voter_id, channel, created_at, updated_at) VALUES "
                             "(%s, %s, 'web', now(), now()) ON CONFLICT DO NOTHING", (part_id, voter_id))
                ballot_id = conn.execute("SELECT id FROM budget_ballots WHERE part_id = %s AND voter_id = %s FOR UPDATE",
                                         (part_id, voter_id)).fetchone()[0]
                conn.execute("UPDATE budget_ballots SET updated_at = now() WHERE id = %s", (ballot_id,))
                conn.execute("DELETE FROM budget_ballot_choices WHERE ballot_id = %s", (ballot_id,))
                with conn.cursor() as cursor:
                    cursor.executemany("INSERT INTO budget_ballot_choices (ballot_id, project_id) VALUES (%s, %s)",
                                       [(ballot_id, i) for i in ids])
                return "cast", 302
            conn.execute("SELECT c.project_id FROM budget_ballot_choices c JOIN budget_ballots b ON b.id = c.ballot_id "
                         "WHERE b.part_id = %s AND b.voter_id = %s", (part_id, voter_id)).fetchall()
        return render_template_string(page, title="Ballot", projects=projects, totals=None)

    return app


def _time(call, requests) -> list[float]:
    for _ in range(5):
        call()
    taken = []
    for _ in range(requests):
        began = time.perf_counter()
        call()
        taken.append((time.perf_counter() - began) * 1000)
    return taken


def _signed_in(app, user_id):
    from flask import session
    from flask_wtf.csrf import generate_csrf

    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    with app.test_request_context():
        token, raw = generate_csrf(), session["csrf_token"]
    with client.session_transaction() as sess:
        sess.update({"_user_id": f"{user_id}:1", "_fresh": True, "csrf_token": raw})
    return client, token


def measure(app, floor, args, fill_facts) -> list[tuple]:
    rng = random.Random(args.seed + 1)
    rows = []
    voter = 2  # has a ballot
    client, token = _signed_in(app, voter)
    floor_client = floor.test_client()
    anonymous = app.test_client()
    anonymous.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"

    def check(response):
        assert response.status_code in (200, 302), response.status_code
        return response

    rows.append(("Cycle page, voting", _time(lambda: check(anonymous.get("/budgets/1")), args.requests),
                 _time(lambda: check(floor_client.get("/cycle/1")), args.requests)))
    rows.append(("Ballot page, own ballot", _time(lambda: check(client.get("/budgets/1/ballot/1")), args.requests),
                 _time(lambda: check(floor_client.get(f"/ballot/1/{voter}")), args.requests)))
    # Casting: new voters (no ballot yet) and voters changing theirs, each request a different person.
    first_new = args.ballots + 2
    people = iter(range(first_new, first_new + 10 * args.requests))
    changers = iter(rng.sample(range(2, args.ballots + 2), 10 * args.requests))

    def cast(source):
        voter_id = next(source)
        picked = rng.sample(range(1, args.projects + 1), args.choices)
        c, t = _signed_in(app, voter_id)
        began = time.perf_counter()
        check(c.post("/budgets/1/ballot/1", data={"csrf_token": t, "action": "cast", "projects": picked}))
        return (time.perf_counter() - began) * 1000

    def floor_cast(source):
        voter_id = next(source)
        picked = rng.sample(range(1, args.projects + 1), args.choices)
        began = time.perf_counter()
        check(floor_client.post(f"/ballot/1/{voter_id}", data={"projects": picked}))
        return (time.perf_counter() - began) * 1000

    for label, source_of in (("Casting a ballot, first time", lambda: people),
                             ("Casting a ballot, changing it", lambda: changers)):
        for _ in range(5):
            cast(source_of())
        mine = [cast(source_of()) for _ in range(args.requests)]
        for _ in range(5):
            floor_cast(source_of())
        theirs = [floor_cast(source_of()) for _ in range(args.requests)]
        rows.append((label, mine, theirs))
    with app.app_context():
        from core.db import db
        db.session.execute(db.text("UPDATE budget_cycles SET phase = 'counting' WHERE id = 1"))
        db.session.commit()
    rows.append(("Cycle page with the totals (counting)", _time(lambda: check(anonymous.get("/budgets/1")),
                                                                 args.requests),
                 _time(lambda: check(floor_client.get("/cycle/1")), args.requests)))
    return rows


def _p(values, q):
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def _run(args, command, plain):
    app, _config = migrated_app(plain)
    began = time.perf_counter()
    facts = fill(plain, args)
    fill_s = time.perf_counter() - began
    print(f"filled in {fill_s:.1f} s: {facts}", flush=True)
    busy = _wait_quiet(args.quiet, args.quiet_wait)
    load_before = _loadavg()
    floor = floor_app(plain)
    rows = measure(app, floor, args, facts)
    section = _section(args, command, facts, fill_s, rows, busy, load_before, _loadavg())
    report.write_section(args.report, section, "budgets")
    return app


def _section(args, command, facts, fill_s, rows, busy, load_before, load_after) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    busy_text = f"{busy:.0%} of all cores busy with other work just before" if busy is not None else "not measured"
    lines = [
        "## Participatory budgets at 100,000 ballots (issue 19)", "",
        f"Measured {stamp} by `bench/budget_bench.py` on {date.today().isoformat()}'s machine: load average "
        f"{load_before} before and {load_after} after; {busy_text}. The machine is shared: other sessions ran tests "
        "at the same time, which shows first in p95; a run on a quiet machine should replace these figures.", "",
        "```sh", command, "```", "",
        f"A fresh PostgreSQL database, migrated with Alembic, filled with `COPY`: one county, {facts['voters']:,} "
        f"verified residents, a cycle in voting with one part of {args.projects} projects and {args.ballots:,} "
        f"ballots ({facts['choices']:,} approvals), then `VACUUM (ANALYZE)` ({fill_s:.0f} s). The app runs in-process "
        "(Flask test client, no network). The floor is a minimal Flask app in the same process running the same "
        "SQL statements on the same database through psycopg and rendering a small template: what is left is "
        "Minyi's own per-request work (session, CSRF, Flask-Login, Babel, security headers, the ORM, the real "
        f"template). Each row: {args.requests} timed requests after 5 warm-up ones; casting is each time a "
        "different resident, ticking "
        f"{args.choices} projects.", "",
        "| Request | Minyi p50 ms | Minyi p95 ms | Floor p50 ms | Floor p95 ms | p95 ratio |",
        "|---|---:|---:|---:|---:|---:|"]
    for label, mine, theirs in rows:
        lines.append(f"| {label} | {statistics.median(mine):.1f} | {_p(mine, 95):.1f} | "
                     f"{statistics.median(theirs):.1f} | {_p(theirs, 95):.1f} | {_p(mine, 95) / _p(theirs, 95):.1f} |")
    casts = [_p(mine, 95) for label, mine, _theirs in rows if label.startswith("Casting")]
    lines += ["", f"Target: casting a ballot under {CAST_TARGET_MS:.0f} ms at p95: "
              f"**{'met' if max(casts) < CAST_TARGET_MS else 'not met'}** ({max(casts):.1f} ms at worst)."]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
