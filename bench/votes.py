"""Cast-vote throughput: many concurrent voters on a few proposals, then a count of what was kept.

A mode is ``http`` (logged-in test clients POST the htmx support form, the full app path) or ``service``
(``commit_with_retry(cast_support)`` in an app context), optionally ``:N`` to spread the clients over N
processes the way gunicorn workers would (one Python process has one GIL, which 32 threads share), or
``gunicorn:N``: the production server with N workers, driven over HTTP by wrk (``votes_server.py``)."""

import multiprocessing
import os
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from pages import Statement
from sqlalchemy import text


@dataclass
class VoteResult:
    mode: str
    clients: int
    processes: int
    proposals: list
    status: str = "open"
    background: float | None = None
    pool_size: int = 0
    pool_votes: int = 0  # votes the eligible residents could cast in all
    seconds: float = 0.0
    ok: Counter = field(default_factory=Counter)
    failed: Counter = field(default_factory=Counter)
    latencies: list = field(default_factory=list)
    initial: dict = field(default_factory=dict)
    final_count: dict = field(default_factory=dict)
    final_rows: dict = field(default_factory=dict)
    waits: Counter = field(default_factory=Counter)
    samples: int = 0
    cpu_busy: float = 0.0  # share of all cores busy during the run (from /proc/stat)
    own_cpu: float = 0.0  # share of all cores used by this process (in-process runs only)
    server_cpu: float = 0.0  # CPU seconds of everything but the load generator (gunicorn runs only)
    lost: int = 0  # votes the client was told were counted but the database does not have (gunicorn runs)
    statements: dict = field(default_factory=dict)
    plans: list = field(default_factory=list)
    percentiles: tuple | None = None  # (p50, p95, max) ms, when the load generator measured them

    @property
    def label(self) -> str:
        label = self.mode if self.processes == 1 else f"{self.mode}, {self.processes} processes"
        return label if self.status == "open" else f"{label}, {self.status} proposals"

    @property
    def votes(self) -> int:
        return sum(self.ok.values())

    @property
    def rate(self) -> float:
        return self.votes / self.seconds if self.seconds else 0.0

    @property
    def none_lost(self) -> bool:
        return self.lost == 0 and all(self.final_count[p] == self.final_rows[p] == self.initial[p] + self.ok[p]
                                      for p in self.proposals)

    @property
    def ran_out(self) -> bool:
        """The voters were used up before the time was (the rate then covers a shorter, uneven run)."""
        return self.pool_votes <= self.votes + sum(self.failed.values())

    def pct(self, p):
        if self.percentiles:
            return {50: self.percentiles[0], 95: self.percentiles[1], 100: self.percentiles[2]}[p]
        values = sorted(self.latencies)
        return values[min(len(values) - 1, int(p / 100 * len(values)))] if values else 0.0


def pick_proposals(engine, how_many, status="open"):
    """The proposals to contend for.

    ``open``: recent open county-wide proposals, so every vote recomputes the qualification threshold.
    ``qualified``: the newest qualified village proposal in each of the most populous villages (no threshold
    count): the control run."""
    with engine.connect() as conn:
        if status == "open":
            return [row[0] for row in conn.execute(text(
                "SELECT id FROM proposals WHERE status = 'open' AND scope = 'county' AND hidden_at IS NULL "
                "AND deadline IS NULL ORDER BY id DESC LIMIT :n"), {"n": how_many})]
        return [row[0] for row in conn.execute(text(
            "SELECT max(p.id) FROM proposals p WHERE p.status = :status AND p.scope = 'village' "
            "AND p.hidden_at IS NULL AND p.deadline IS NULL GROUP BY p.region_id "
            "ORDER BY (SELECT count(*) FROM users u WHERE u.region_id = p.region_id) DESC, p.region_id LIMIT :n"),
            {"n": how_many, "status": status})]


def voters(engine, proposals, rng):
    """(user id, session version, proposals this resident may still support), for every eligible resident, shuffled.

    Eligibility follows the proposal's scope (county: everyone; village: its residents)."""
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT u.id, u.session_version, array_agg(p.id ORDER BY p.id) FROM users u "
            "JOIN proposals p ON p.id = ANY(:ids) AND (p.scope = 'county' OR p.region_id = u.region_id "
            "OR (p.scope = 'township' AND p.region_id IN (SELECT id FROM regions WHERE parent_id = "
            "(SELECT parent_id FROM regions WHERE id = u.region_id)))) "
            "WHERE u.role = 'resident' AND u.verified_at IS NOT NULL AND u.active AND NOT EXISTS "
            "(SELECT 1 FROM supports s WHERE s.user_id = u.id AND s.proposal_id = p.id) "
            "GROUP BY u.id ORDER BY u.id"), {"ids": list(proposals)}).all()
    rows = [(r[0], r[1], tuple(r[2])) for r in rows]
    rng.shuffle(rows)
    return rows


def _counts(engine, proposals):
    with engine.connect() as conn:
        count = dict(conn.execute(text("SELECT id, supports_count FROM proposals WHERE id = ANY(:ids)"),
                                  {"ids": proposals}).all())
        rows = dict(conn.execute(text("SELECT proposal_id, count(*) FROM supports WHERE proposal_id = ANY(:ids) "
                                      "GROUP BY proposal_id"), {"ids": proposals}).all())
    return count, {p: rows.get(p, 0) for p in proposals}


def _watch_waits(engine, database, stop, result):
    """Sample what the database sessions are doing, every 50 ms (Lock = waiting for another voter's row lock;
    idle in transaction = a transaction is open while the app, not the database, is working)."""
    with engine.connect() as conn:
        while not stop.is_set():
            rows = conn.execute(text(
                "SELECT CASE WHEN state = 'active' THEN coalesce(wait_event_type || ':' || wait_event, "
                "'active, on CPU') ELSE state || ' (waiting for the app)' END, count(*) "
                "FROM pg_stat_activity WHERE datname = :db AND pid <> pg_backend_pid() "
                "AND state IN ('active', 'idle in transaction') GROUP BY 1"), {"db": database}).all()
            result.samples += 1
            for what, n in rows:
                result.waits[what] += n
            conn.rollback()
            stop.wait(0.05)


def run(app, config, mode, proposals, pool, clients, seconds, max_votes, recorder=None):
    """Vote for ``seconds`` (or until ``max_votes``) and check the counts afterwards."""
    from core.db import db

    mode, _sep, procs = mode.partition(":")
    processes = max(1, int(procs or 1))
    with app.app_context():
        engine = db.engine
    result = VoteResult(mode, clients, processes, list(proposals), pool_size=len(pool),
                        pool_votes=sum(len(targets) for _u, _v, targets in pool))
    result.initial, _rows = _counts(engine, result.proposals)
    stop, cpu_before, own_before = threading.Event(), _cpu(), os.times()
    watcher = threading.Thread(target=_watch_waits, args=(engine, engine.url.database, stop, result))
    if mode == "gunicorn":
        import votes_server

        watcher.start()
        summary, failed, server_cpu = votes_server.vote(app, config, processes, pool, clients, seconds)
        result.server_cpu = server_cpu
        counted, _rows = _counts(engine, result.proposals)
        ok = Counter({p: counted[p] - result.initial[p] for p in result.proposals})
        result.lost = max(0, summary["ok"] - sum(ok.values()))
        tallies = [{"ok": ok, "failed": failed, "latencies": [], "seconds": summary["seconds"], "statements": {},
                    "percentiles": (summary["p50"], summary["p95"], summary["max"])}]
    elif processes == 1:
        watcher.start()
        tally = _vote_threads(app, mode, result.proposals, pool, clients, seconds, max_votes, recorder)
        tallies = [tally]
    else:
        context = multiprocessing.get_context("spawn")
        gate, queue = context.Barrier(processes + 1), context.Queue()
        per = [clients // processes + (i < clients % processes) for i in range(processes)]
        cap = (max_votes // processes) if max_votes else 0
        children = [context.Process(target=_child, args=(config, mode, result.proposals, pool[i::processes],
                                                         per[i], seconds, cap, gate, queue))
                    for i in range(processes)]
        for child in children:
            child.start()
        gate.wait(timeout=120)
        watcher.start()
        tallies = [queue.get(timeout=seconds + 300) for _ in children]
        for child in children:
            child.join()
    stop.set()
    watcher.join()
    cpu_after, own_after = _cpu(), os.times()
    wall = (os.times().elapsed - own_before.elapsed) * (os.cpu_count() or 1)
    if cpu_before and cpu_after and cpu_after[1] > cpu_before[1]:
        result.cpu_busy = (cpu_after[0] - cpu_before[0]) / (cpu_after[1] - cpu_before[1])
    if processes == 1 and wall:
        result.own_cpu = (own_after.user + own_after.system - own_before.user - own_before.system) / wall
    result.seconds = max(t["seconds"] for t in tallies)
    result.percentiles = tallies[0].get("percentiles")
    for t in tallies:
        result.ok.update(t["ok"])
        result.failed.update(t["failed"])
        result.latencies.extend(t["latencies"])
        for sql, entry in t["statements"].items():
            mine = result.statements.setdefault(sql, Statement(sql))
            mine.calls += entry.calls
            mine.total_ms += entry.total_ms
            if entry.worst_ms >= mine.worst_ms:
                mine.worst_ms, mine.worst_params = entry.worst_ms, entry.worst_params
    result.final_count, result.final_rows = _counts(engine, result.proposals)
    return result


def _cpu():
    """(busy, total) jiffies of all cores, from /proc/stat."""
    try:
        values = [int(v) for v in open("/proc/stat").readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


def _child(config, mode, proposals, pool, clients, seconds, max_votes, gate, queue):
    """One worker process: its own app (and connection pool), ``clients`` threads."""
    from core.db import db
    from server import create_app

    app = create_app(config)
    try:
        queue.put(_vote_threads(app, mode, proposals, pool, clients, seconds, max_votes, None, gate.wait))
    finally:
        with app.app_context():
            db.engine.dispose()


def _vote_threads(app, mode, proposals, pool, clients, seconds, max_votes, recorder, gate=None):
    from flask import session
    from flask_wtf.csrf import generate_csrf

    from accounts.users import User
    from core.db import commit_with_retry, db
    from proposals.models import Proposal
    from voting import supports as services

    with app.test_request_context():
        token = generate_csrf()
        raw_token = session["csrf_token"]
    shares = [pool[i::clients] for i in range(clients)]
    lock, budget = threading.Lock(), [max_votes or 10**12]
    barrier, deadline = threading.Barrier(clients + 1), [0.0]
    statements: dict[str, Statement] = {}

    def take():
        with lock:
            if budget[0] <= 0 or time.perf_counter() >= deadline[0]:
                return False
            budget[0] -= 1
            return True

    def vote_http(share, rng, ok, failed, latencies):
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        barrier.wait()
        for user_id, version, targets in share:
            with client.session_transaction() as sess:
                sess.update({"_user_id": f"{user_id}:{version}", "_fresh": True, "csrf_token": raw_token})
            for pid in rng.sample(targets, len(targets)):
                if not take():
                    return
                began = time.perf_counter()
                response = client.post(f"/proposals/{pid}/support", data={"csrf_token": token},
                                       headers={"HX-Request": "true"})
                latencies.append((time.perf_counter() - began) * 1000)
                if response.status_code == 200 and b"badge-ok" in response.data:
                    ok[pid] += 1
                else:
                    failed[f"HTTP {response.status_code}"] += 1

    def vote_service(share, rng, ok, failed, latencies):
        barrier.wait()
        for user_id, _version, targets in share:
            for pid in rng.sample(targets, len(targets)):
                if not take():
                    return
                began = time.perf_counter()
                with app.app_context():
                    try:
                        user = db.session.get(User, user_id)
                        commit_with_retry(lambda: services.cast_support(db.session.get(Proposal, pid), actor=user))  # noqa: B023
                        ok[pid] += 1
                    except Exception as error:  # noqa: BLE001  (counted and reported, never hidden)
                        failed[type(error).__name__] += 1
                    finally:
                        db.session.remove()
                latencies.append((time.perf_counter() - began) * 1000)

    def worker(*args):
        if recorder is not None:
            recorder.start()
        try:
            (vote_http if mode == "http" else vote_service)(*args)
        finally:
            calls = recorder.stop() if recorder is not None else []
            with lock:
                for sql, params, ms in calls:
                    entry = statements.setdefault(sql, Statement(sql))
                    entry.calls += 1
                    entry.total_ms += ms
                    if ms >= entry.worst_ms:
                        entry.worst_ms, entry.worst_params = ms, params

    tallies = [(Counter(), Counter(), []) for _ in range(clients)]
    threads = [threading.Thread(target=worker, args=(shares[i], random.Random(i), *tallies[i]), daemon=True)
               for i in range(clients)]
    for thread in threads:
        thread.start()
    if gate is not None:
        gate()
    deadline[0] = time.perf_counter() + seconds
    began = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join()
    ok, failed, latencies = Counter(), Counter(), []
    for o, f, lat in tallies:
        ok.update(o)
        failed.update(f)
        latencies.extend(lat)
    return {"ok": ok, "failed": failed, "latencies": latencies, "seconds": time.perf_counter() - began,
            "statements": statements}
