"""Page latency through the Flask test client, with every SQL statement of every request recorded."""

import html
import math
import random
import re
import statistics
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import quote

from sqlalchemy import event

MORE_LINK = re.compile(r'<a href="([^"]*after=[^"]*)">')


@dataclass
class Statement:
    sql: str
    calls: int = 0
    total_ms: float = 0.0
    worst_ms: float = 0.0
    worst_params: object = None


@dataclass
class PageResult:
    name: str
    kind: str  # "list" or "detail": which target applies
    latencies: list = field(default_factory=list)
    queries: list = field(default_factory=list)
    db_ms: list = field(default_factory=list)
    statements: dict = field(default_factory=dict)
    errors: int = 0
    #: The statement PostgreSQL spends the most on (every read of the page explained once), its plan and time.
    top: Statement | None = None
    plan: str = ""
    plan_ms: float = 0.0

    def pct(self, p):
        values = sorted(self.latencies)
        return values[min(len(values) - 1, max(0, math.ceil(p / 100 * len(values)) - 1))]




class QueryRecorder:
    """Times every statement the engine runs; thread-local so concurrent voters keep their own tallies."""

    def __init__(self, engine):
        self.engine, self.local, self.lock = engine, threading.local(), threading.Lock()
        self.totals: dict[str, Statement] = {}
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def close(self):
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)

    def start(self):
        self.local.calls = []

    def stop(self):
        calls, self.local.calls = getattr(self.local, "calls", []), None
        return calls

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        elapsed = (time.perf_counter() - conn.info["bench_started"].pop()) * 1000
        calls = getattr(self.local, "calls", None)
        if calls is not None:
            calls.append((statement, parameters, elapsed))


def _add(result: PageResult, calls):
    result.queries.append(len(calls))
    result.db_ms.append(sum(c[2] for c in calls))
    for sql, params, ms in calls:
        entry = result.statements.setdefault(sql, Statement(sql))
        entry.calls += 1
        entry.total_ms += ms
        if ms >= entry.worst_ms:
            entry.worst_ms, entry.worst_params = ms, params


def follow(client, url, pages):
    """The URLs of pages 2..pages+1 reached by following the "More" (after=) link from ``url``."""
    urls = []
    for _ in range(pages):
        body = client.get(url).get_data(as_text=True)
        match = MORE_LINK.search(body)
        if not match:
            break
        url = html.unescape(match.group(1))
        urls.append(url)
    return urls


def build_pages(facts, client, logged_in, rng: random.Random, deep_from=10, deep_to=30):
    terms = facts.search_terms
    detail_ids = [rng.choice(facts.visible_ids) for _ in range(1000)]
    deep = {}
    for sort in ("newest", "supported", "trending"):
        start = "/proposals" if sort == "newest" else f"/proposals?sort={sort}"
        deep[sort] = follow(client, start, deep_to)[deep_from - 1:]
    pages = [
        ("List, newest", "list", client, ["/proposals"]),
        ("List, most supported", "list", client, ["/proposals?sort=supported"]),
        ("List, trending", "list", client, ["/proposals?sort=trending"]),
        ("List, closing soon", "list", client, ["/proposals?sort=closing"]),
        (f"Deep page {deep_from + 1}-{deep_to + 1}, newest", "list", client, deep["newest"]),
        (f"Deep page {deep_from + 1}-{deep_to + 1}, most supported", "list", client, deep["supported"]),
        (f"Deep page {deep_from + 1}-{deep_to + 1}, trending", "list", client, deep["trending"]),
    ]
    for key in ("zh", "en", "zh_rare", "zh_rare2", "en_rare"):
        term, hits = terms[key]
        pages.append((f"Search {'rare ' if 'rare' in key else ''}\"{term}\" ({hits} hits)", "list", client,
                      [f"/proposals?q={quote(term)}"]))
    pages += [
        ("Region filter, a township", "list", client, [f"/proposals?region={r}" for r in facts.townships]),
        ("Region filter, a village", "list", client,
         [f"/proposals?region={rng.choice(facts.villages)}" for _ in range(50)]),
        ("Category filter", "list", client, [f"/proposals?category={c}" for c in facts.categories]),
        ("Detail, anonymous", "detail", client, [f"/proposals/{i}" for i in detail_ids]),
        ("Detail, logged-in resident", "detail", logged_in, [f"/proposals/{i}" for i in detail_ids[::-1]]),
    ]
    return [p for p in pages if p[3]]


def measure(pages, recorder, requests, warmup=5):
    results = []
    for name, kind, client, urls in pages:
        result = PageResult(name, kind)
        for n in range(warmup):
            client.get(urls[n % len(urls)])
        for n in range(requests):
            url = urls[n % len(urls)]
            recorder.start()
            began = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - began) * 1000
            calls = recorder.stop()
            if response.status_code != 200:
                result.errors += 1
            result.latencies.append(elapsed)
            _add(result, calls)
        results.append(result)
        print(f"  {name:48s} p50 {result.pct(50):7.1f} ms  p95 {result.pct(95):7.1f} ms  "
              f"max {max(result.latencies):7.1f} ms  {statistics.mean(result.queries):4.1f} queries", flush=True)
    return results


def read_only(sql: str) -> bool:
    words = sql.upper().split()
    return bool(words) and words[0] in ("SELECT", "WITH") and not {"INSERT", "UPDATE", "DELETE"} & set(words)


def explain_reads(engine, result: PageResult) -> list[tuple[Statement, str]]:
    """Every read-only statement the page ran, with its plan (EXPLAIN ANALYZE with its slowest parameters)."""
    return [(st, explain(engine, st)) for st in result.statements.values() if read_only(st.sql)]


def explain_slowest(engine, results) -> None:
    """Set each result's ``top``, ``plan`` and ``plan_ms``: the read PostgreSQL itself spends the most on."""
    import report

    for result in results:
        explained = explain_reads(engine, result)
        if explained:
            result.top, result.plan = max(explained, key=lambda pair: report.execution_ms(pair[1]))
            result.plan_ms = report.execution_ms(result.plan)


def explain(engine, statement: Statement) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the statement with the parameters of its slowest run."""
    with engine.connect() as conn:
        cursor = conn.connection.dbapi_connection.cursor()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement.sql, statement.worst_params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.close()
        conn.rollback()
    return plan


def profile(client, url, requests=20):
    """cProfile of ``requests`` GETs: the app's own functions and templates by cumulative time per request."""
    import cProfile
    import pstats
    from pathlib import Path

    root = str(Path(__file__).resolve().parent.parent)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(url)
    profiler.disable()
    rows = []
    for (filename, line, function), (_cc, calls, _tt, cumulative, _callers) in pstats.Stats(profiler).stats.items():
        if filename.startswith(root) and "/.venv/" not in filename and "/bench/" not in filename:
            rows.append((cumulative * 1000 / requests, calls / requests,
                         f"{filename[len(root) + 1:]}:{line} {function}"))
    return sorted(rows, reverse=True)[:14]
