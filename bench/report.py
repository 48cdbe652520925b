"""docs/performance.md from one benchmark run. The hand-written analysis between the markers survives re-runs."""

import os
import platform
import re
import statistics
from datetime import datetime, timezone
from importlib.metadata import version

START, END = "<!-- analysis:start -->", "<!-- analysis:end -->"
#: Other benchmarks write sections of their own (``<!-- NAME:start -->`` … ``<!-- NAME:end -->``), kept here:
#: appeals (bench/appeals_bench.py), lists (bench/lists_bench.py), kiosk (bench/kiosk_bench.py), load
#: (bench/load_test.py) and counting (bench/pb_counting_bench.py).
KEPT_SECTIONS = ("appeals", "lists", "home-and-maps", "kiosk", "load", "counting")
PAGE_TARGET_MS, VOTE_TARGET = 50.0, 500.0
PLACEHOLDER = ("_Not written yet: read the tables and plans above and say which queries are slow, why, and "
               "what would fix them. This section is kept when the benchmark rewrites the file._")


def _machine():
    cpu = "unknown CPU"
    mem = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1048576:.1f} GiB"
    except OSError:
        pass
    return cpu, mem


def execution_ms(plan: str) -> float:
    found = re.search(r"Execution Time: ([\d.]+) ms", plan)
    return float(found.group(1)) if found else 0.0


def _hint(plan: str) -> str:
    """One line on what dominates a plan: sequential scans, rows thrown away by filters, sorts."""
    notes = []
    for table in dict.fromkeys(re.findall(r"Seq Scan on (\w+)", plan)):
        notes.append(f"sequential scan of `{table}`")
    removed = sum(int(n) for n in re.findall(r"Rows Removed by Filter: (\d+)", plan))
    if removed:
        notes.append(f"{removed:,} rows read and thrown away by filters")
    for method in dict.fromkeys(re.findall(r"Sort Method: ([\w -]+?)(?:  |$)", plan, re.M)):
        notes.append(f"sort ({method.strip()})")
    if "Index Scan Backward" in plan or "Index Only Scan Backward" in plan:
        notes.append("walks an index backwards")
    total = re.search(r"Execution Time: ([\d.]+) ms", plan)
    head = f"{float(total.group(1)):.1f} ms in PostgreSQL" if total else ""
    return "; ".join([head] + notes) if head else "; ".join(notes)


def _shape(sql: str) -> str:
    """A statement without its parameters and select list, to group pages that run the same query."""
    one = " ".join(sql.split())
    return re.sub(r"^(WITH .*?\) )?SELECT .*? FROM ", r"\1SELECT … FROM ", one)


def _trim(plan: str, lines=28) -> str:
    rows = plan.splitlines()
    return "\n".join(rows if len(rows) <= lines else rows[:lines - 3] + ["   ..."] + rows[-2:])


def _sql(sql: str, limit=700) -> str:
    one = " ".join(sql.split())
    return one if len(one) <= limit else one[:limit] + " …"


def _kept_analysis(previous: str) -> str:
    if START in previous and END in previous:
        return previous.split(START, 1)[1].split(END, 1)[0].strip("\n") or PLACEHOLDER
    return PLACEHOLDER


def render(*, source, load, background, profiles, command, database, args, facts, fill_s, migrate_s, sizes_mb, db_mb, pg_version, pg_settings, pages,
           votes, previous):
    cpu, mem = _machine()
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = ["# Performance", "",
           f"Measured {when} by `bench/proposals_bench.py` (see `bench/README.md`). Re-running the command rewrites "
           "everything here except the **Analysis** section.", "",
           "## Command", "", "```sh", command, "```", "",
           f"A fresh PostgreSQL database (`{database}`) is created, migrated with Alembic through the app, filled "
           "with `COPY`, vacuumed and analysed, measured, and dropped"
           + (" (this run kept it: `--keep`)." if args.keep else "."), "",
           "## Code measured", "",
           f"- Alembic revision `{source['revision']}`; app sources (`accounts`, `proposals`, `voting`, `server`: "
           f"`.py` and templates) sha256 `{source['before']}` at the start"
           + ("." if source["before"] == source["after"] else
              f", **`{source['after']}` at the end: the code changed during the run**, so later rows may measure "
              "newer code than earlier ones."), "",
           "## Machine", "",
           f"- {os.cpu_count()} cores ({cpu}), {mem} RAM (`/proc/meminfo` MemTotal)",
           f"- PostgreSQL {pg_version} on the same machine: "
           + ", ".join(f"{k}={v}" for k, v in sorted(pg_settings.items())),
           f"- Python {platform.python_version()}, Flask {version('flask')}, SQLAlchemy {version('sqlalchemy')}, "
           f"psycopg {version('psycopg')}",
           "- The app runs in-process (Flask test client, no HTTP server, no network); PostgreSQL, the app and the "
           "benchmark share the same cores.",
           f"- Load average (1, 5, 15 min) before the fill: {load[0]}; after the vote runs: {load[1]} (the vote runs "
           "themselves put 32 threads on the run queue).",
           (f"- Other load on the machine, measured for 3 s just before the page timings: {background:.0%} of all "
            f"cores busy (the benchmark waits up to {args.quiet_wait:.0f} s for at most {args.quiet:.0%}; the machine "
            "is shared, and other work shows first in p95 and max)."
            if background is not None else "- Other load on the machine: not measured."), "",
           "## Data and fill time", "",
           f"Fill: **{fill_s:.1f} s** (COPY of every table, then `VACUUM (ANALYZE)`), after {migrate_s:.1f} s of "
           f"migrations. Database size {db_mb:.0f} MB.", "",
           "| Step | Seconds |", "|---|---:|"]
    out += [f"| {step} | {seconds:.1f} |" for step, seconds in facts.timings.items()]
    out += ["", "| Data | Count |", "|---|---:|"]
    out += [f"| {key} | {value:,} |" for key, value in facts.counts.items()]
    out += [f"| {table} table with indexes | {mb:.0f} MB |" for table, mb in sorted(sizes_mb.items())]
    out += ["", f"{args.townships} townships, {args.villages} villages, seed {args.seed}. Supports per proposal are "
            "heavy-tailed (Pareto) and come from distinct verified residents of the proposal's scope; supports_count, "
            "hot (`hot_score`), status and qualified_at are derived from them. 12% of proposals have a funding goal "
            "(with 0–15 pledges), 0.3% are hidden.", ""]
    out += _targets(pages, votes)
    out += ["## Page latency", "",
            f"{args.requests} timed requests per row (after 5 warm-up requests), one client, `Accept-Language: en`. "
            "Queries and DB time are per request (DB time = time spent in `cursor.execute`).", "",
            "| Page | p50 ms | p95 ms | max ms | queries | DB ms | errors | p95 < 50 ms |",
            "|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in pages:
        met = "met" if r.pct(95) < PAGE_TARGET_MS else "**not met**"
        out.append(f"| {r.name} | {r.pct(50):.1f} | {r.pct(95):.1f} | {max(r.latencies):.1f} | "
                   f"{statistics.mean(r.queries):.1f} | {statistics.mean(r.db_ms):.1f} | {r.errors} | {met} |")
    for name, rows in profiles:
        out += ["", f"Where the app's own time goes on **{name}** (cProfile over 20 requests, cumulative ms per "
                "request, profiler overhead included; functions and templates of this repository only):", "",
                "| ms/request | calls/request | function |", "|---:|---:|---|"]
        out += [f"| {ms:.1f} | {calls:.0f} | `{where}` |" for ms, calls, where in rows]
    out += ["", "## Cast-vote throughput", ""]
    for v in votes:
        out += _vote_section(v)
    out += ["## Slowest queries (EXPLAIN ANALYZE)", "",
            "After the timings, every read-only statement each page ran was explained once with "
            "`EXPLAIN (ANALYZE, BUFFERS)`, with the parameters of its slowest run. The most expensive one per page:",
            "", "| Page | p95 ms | statement | PostgreSQL ms | what the plan does |", "|---|---:|---|---:|---|"]
    for r in sorted([p for p in pages if p.top], key=lambda p: p.plan_ms, reverse=True):
        out.append(f"| {r.name} | {r.pct(95):.1f} | `{_sql(r.top.sql, 90)}` | {r.plan_ms:.1f} | "
                   f"{_hint(r.plan).split('; ', 1)[-1] if '; ' in _hint(r.plan) else ''} |")
    shown = {}  # pages whose most expensive statement is the same query with the same plan shape share one plan
    for r in sorted([p for p in pages if p.top and p.plan_ms >= 2.0], key=lambda p: p.plan_ms, reverse=True):
        shown.setdefault((_shape(r.top.sql), tuple(re.findall(r"(\w[\w ]*?(?:Scan|Join|Sort)\w*)", r.plan))),
                         []).append(r)
    for group in list(shown.values())[:5]:
        r = group[0]
        others = f" (same plan shape: {', '.join(g.name for g in group[1:])})" if group[1:] else ""
        out += ["", f"### {r.name} — {r.plan_ms:.1f} ms in PostgreSQL{others}", "",
                f"Plan: {_hint(r.plan)}.", "", "```sql", _sql(r.top.sql), "```", "", "```", _trim(r.plan), "```"]
    out.append("")
    for v in [v for v in votes if v.plans][:1]:
        per_vote = max(1, v.votes)
        out += ["", f"### Read queries of one vote ({v.label})", "",
                "Every read-only statement the vote path ran, explained once afterwards (so the time is what "
                "PostgreSQL spends, without the waiting for the GIL and the CPU that inflates driver-side times "
                "under 32 threads):", "",
                "| Statement | per vote | PostgreSQL ms (EXPLAIN ANALYZE) | driver-side mean ms in the run |",
                "|---|---:|---:|---:|"]
        out += [f"| `{_sql(s.sql, 110)}` | {s.calls / per_vote:.1f} | {execution_ms(plan):.2f} | "
                f"{s.total_ms / s.calls:.1f} |" for s, plan in v.plans]
        for statement, plan in [p for p in v.plans[:3] if execution_ms(p[1]) >= 1.0] or v.plans[:1]:
            out += ["", f"Plan of the most expensive read ({_hint(plan)}):", "", "```sql", _sql(statement.sql), "```",
                    "", "```", _trim(plan), "```", ""]
    out += ["## Analysis", "", START, _kept_analysis(previous), END, ""]
    for name in KEPT_SECTIONS:
        start, end = _markers(name)
        if start in previous and end in previous:
            out += [start + previous.split(start, 1)[1].split(end, 1)[0] + end, ""]
    return "\n".join(out)


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def slowest_plans(results, count=2) -> list[str]:
    """Markdown lines: the plans of the ``count`` slowest statements (``pages.explain_slowest``) of ``results``."""
    out = []
    for r in sorted([r for r in results if r.plan], key=lambda r: -r.plan_ms)[:count]:
        name = r.name.replace("|", "\\|")  # (names may hold a query string's |)
        out += ["", f"Plan of the slowest statement of **{name}** ({_hint(r.plan)}):", "",
                "```sql", _sql(r.top.sql), "```", "", "```", _trim(r.plan), "```"]
    return out


def write_section(target: str, section: str, name: str) -> None:
    """Print ``section`` (``target`` "-") or put it in place of its part of the file ``target``."""
    from pathlib import Path

    if target == "-":
        print(section)
        return
    path = Path(target)
    path.write_text(replace_section(path.read_text() if path.exists() else "# Performance\n", section, name))
    print(f"updated {target}")


def replace_section(previous: str, section: str, name: str = "appeals") -> str:
    """``previous`` with the section ``name`` replaced by ``section`` (appended when it had none)."""
    start, end = _markers(name)
    block = f"{start}\n{section.strip()}\n{end}"
    if start in previous and end in previous:
        head, rest = previous.split(start, 1)
        return head + block + rest.split(end, 1)[1]
    return previous.rstrip("\n") + "\n\n" + block + "\n"


def _targets(pages, votes):
    lists = [p for p in pages if p.kind == "list"]
    details = [p for p in pages if p.kind == "detail"]
    out = ["## Targets", "", "| Target (from the issue) | Result | |", "|---|---|---|"]
    for label, group in (("List pages: p95 under 50 ms", lists), ("Detail page: p95 under 50 ms", details)):
        worst = max(group, key=lambda p: p.pct(95))
        failing = [p.name for p in group if p.pct(95) >= PAGE_TARGET_MS]
        result = f"worst p95 {worst.pct(95):.1f} ms ({worst.name})"
        if failing:
            result += f"; over 50 ms: {', '.join(failing)}"
        out.append(f"| {label} | {result} | {'**not met**' if failing else 'met'} |")
    for v in votes:
        out.append(f"| At least 500 votes/s ({v.label}, {v.clients} clients) | {v.rate:.0f} votes/s | "
                   f"{'met' if v.rate >= VOTE_TARGET else '**not met**'} |")
        out.append(f"| No vote lost ({v.label}) | {v.votes:,} successful votes, {sum(v.failed.values())} failed; "
                   f"counts {'agree' if v.none_lost else 'DISAGREE'} | {'met' if v.none_lost else '**not met**'} |")
    return out + [""]


def _core_ms_per_vote(v) -> float:
    """CPU time the whole machine spent per successful vote (busy share × cores × seconds / votes)."""
    return v.cpu_busy * (os.cpu_count() or 1) * v.seconds * 1000 / v.votes


def _vote_section(v):
    how = {"http": "logged-in test clients POST the htmx support form",
           "gunicorn": "the production server (gunicorn, deploy/gunicorn.conf.py); wrk POSTs the htmx support "
                       "form, each connection with a resident's own session cookie"}.get(
        v.mode, "threads call commit_with_retry(cast_support) in their own app context")
    if v.mode == "gunicorn":
        spread = f" (wrk connections) against {v.processes} gunicorn workers"
    else:
        spread = f" in {v.processes} processes (like gunicorn workers)" if v.processes > 1 else " (threads of one process)"
    which = ("open, county-wide: every resident may vote, and every vote recomputes the qualification threshold"
             if v.status == "open" else f"already {v.status}, each in another village, residents vote in their own "
             "village: no threshold count, the control run")
    out = [f"### {v.label}: {how}",
           "", f"{v.clients} concurrent clients{spread}, proposals {', '.join(map(str, v.proposals))} ({which}); "
           "they contend for the same rows. Each voter supports each of them once."
           + (f" Other load just before the run: {v.background:.0%} of the cores." if v.background is not None
              else ""), "",
           f"- **{v.votes:,} votes in {v.seconds:.1f} s = {v.rate:.0f} votes/s**; "
           f"latency per vote p50 {v.pct(50):.0f} ms, p95 {v.pct(95):.0f} ms, max {v.pct(100):.0f} ms",
           f"- failures: {dict(v.failed) if v.failed else 'none'}"
           + (f"; all {v.pool_size:,} eligible voters had cast all {v.pool_votes:,} votes before the time was up "
              "(the rate covers the shorter run)" if v.ran_out else ""),
           f"- CPU: {v.cpu_busy:.0%} of all {os.cpu_count()} cores busy during the run"
           + (f"; this Python process alone used {v.own_cpu:.0%} of them" if v.own_cpu else "")
           + (f"; **{_core_ms_per_vote(v):.1f} ms of CPU per vote** (app, test client and PostgreSQL together: "
              f"{500 * _core_ms_per_vote(v) / 1000:.1f} such cores would carry 500 votes/s)"
              if v.votes and not v.server_cpu else "")
           + (f"; **{v.server_cpu * 1000 / v.votes:.1f} ms of server CPU per vote** (gunicorn and PostgreSQL, wrk "
              f"not counted: {v.server_cpu / v.votes * 500:.1f} such cores would carry 500 votes/s)"
              if v.votes and v.server_cpu else ""),
           *([f"- lost: **{v.lost} votes** wrk was told were counted are not in the database"] if v.lost else []),
           "",
           "| Proposal | supports before | successful votes | supports_count after | support rows after | lost |",
           "|---:|---:|---:|---:|---:|---|"]
    for p in v.proposals:
        lost = v.initial[p] + v.ok[p] - v.final_rows[p]
        agree = v.final_count[p] == v.final_rows[p] == v.initial[p] + v.ok[p]
        out.append(f"| {p} | {v.initial[p]:,} | {v.ok[p]:,} | {v.final_count[p]:,} | {v.final_rows[p]:,} | "
                   f"{'none' if agree else f'**{lost} (counts disagree)**'} |")
    if v.samples:
        out += ["", f"What the database sessions were doing (sampled every 50 ms, {v.samples} samples; average "
                "sessions per sample):", "", "| State | Sessions |", "|---|---:|"]
        out += [f"| {what} | {n / v.samples:.1f} |" for what, n in v.waits.most_common(6)]
    heavy = sorted(v.statements.values(), key=lambda s: s.total_ms, reverse=True)[:6]
    if heavy:
        out += ["", "Statements by total time inside the database driver during the run:", "",
                "| Statement | calls | mean ms | total s |", "|---|---:|---:|---:|"]
        out += [f"| `{_sql(s.sql, 110)}` | {s.calls:,} | {s.total_ms / s.calls:.1f} | {s.total_ms / 1000:.1f} |"
                for s in heavy]
    return out + [""]
