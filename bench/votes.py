"""Cast-vote throughput: many concurrent voters on a few proposals, then a count of what was kept."""

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import text

from pages import Statement


@dataclass
class VoteResult:
    mode: str
    clients: int
    proposals: list
    seconds: float = 0.0
    ok: Counter = field(default_factory=Counter)
    failed: Counter = field(default_factory=Counter)
    latencies: list = field(default_factory=list)
    initial: dict = field(default_factory=dict)
    final_count: dict = field(default_factory=dict)
    final_rows: dict = field(default_factory=dict)
    waits: Counter = field(default_factory=Counter)
    samples: int = 0
    statements: dict = field(default_factory=dict)
    plans: list = field(default_factory=list)

    @property
    def votes(self) -> int:
        return sum(self.ok.values())

    @property
    def rate(self) -> float:
        return self.votes / self.seconds if self.seconds else 0.0

    @property
    def none_lost(self) -> bool:
        return all(self.final_count[p] == self.final_rows[p] == self.initial[p] + self.ok[p] for p in self.proposals)

    def pct(self, p):
        values = sorted(self.latencies)
        return values[min(len(values) - 1, int(p / 100 * len(values)))] if values else 0.0


def pick_proposals(engine, how_many, scope="county"):
    """Recent open, visible proposals without a deadline whose supports come from the whole ``scope``."""
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(text(
            "SELECT id FROM proposals WHERE status = 'open' AND scope = :scope AND hidden_at IS NULL "
            "AND deadline IS NULL ORDER BY id DESC LIMIT :n"), {"scope": scope, "n": how_many})]


def voters(engine, proposals, rng):
    """Verified residents who support none of ``proposals`` yet, shuffled: (id, session_version)."""
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT id, session_version FROM users u WHERE role = 'resident' AND verified_at IS NOT NULL "
            "AND active AND NOT EXISTS (SELECT 1 FROM supports s WHERE s.user_id = u.id "
            "AND s.proposal_id = ANY(:ids)) ORDER BY id"), {"ids": list(proposals)}).all()
    rows = [tuple(r) for r in rows]
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
    """Sample what the database sessions are doing, every 50 ms (Lock = waiting for another voter)."""
    with engine.connect() as conn:
        while not stop.is_set():
            rows = conn.execute(text(
                "SELECT coalesce(wait_event_type || ':' || wait_event, 'running on CPU'), count(*) "
                "FROM pg_stat_activity WHERE datname = :db AND pid <> pg_backend_pid() AND state = 'active' "
                "GROUP BY 1"), {"db": database}).all()
            result.samples += 1
            for what, n in rows:
                result.waits[what] += n
            conn.rollback()
            stop.wait(0.05)


def run(app, mode, proposals, pool, clients, seconds, max_votes, recorder=None):
    """Run ``clients`` threads voting for ``seconds`` (or ``max_votes``); each voter supports every proposal once."""
    from flask_wtf.csrf import generate_csrf

    from accounts.db import commit_with_retry, db
    from accounts.users import User
    from proposals.models import Proposal
    from voting import services

    with app.app_context():
        engine = db.engine
    result = VoteResult(mode, clients, list(proposals))
    result.initial, _rows = _counts(engine, result.proposals)
    with app.test_request_context():
        token = generate_csrf()
        from flask import session

        raw_token = session["csrf_token"]
    shares = [pool[i::clients] for i in range(clients)]
    lock, budget = threading.Lock(), [max_votes or 10**12]
    barrier = threading.Barrier(clients + 1)
    deadline = [0.0]

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
        for user_id, version in share:
            with client.session_transaction() as sess:
                sess.update({"_user_id": f"{user_id}:{version}", "_fresh": True, "csrf_token": raw_token})
            for pid in rng.sample(result.proposals, len(result.proposals)):
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
        for user_id, _version in share:
            for pid in rng.sample(result.proposals, len(result.proposals)):
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
                    entry = result.statements.setdefault(sql, Statement(sql))
                    entry.calls += 1
                    entry.total_ms += ms
                    if ms >= entry.worst_ms:
                        entry.worst_ms, entry.worst_params = ms, params

    tallies = [(Counter(), Counter(), []) for _ in range(clients)]
    threads = [threading.Thread(target=worker, args=(shares[i], random.Random(i), *tallies[i]), daemon=True)
               for i in range(clients)]
    for thread in threads:
        thread.start()
    watcher_stop = threading.Event()
    watcher = threading.Thread(target=_watch_waits, args=(engine, engine.url.database, watcher_stop, result))
    deadline[0] = time.perf_counter() + seconds
    began = time.perf_counter()
    watcher.start()
    barrier.wait()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - began
    watcher_stop.set()
    watcher.join()
    for ok, failed, latencies in tallies:
        result.ok.update(ok)
        result.failed.update(failed)
        result.latencies.extend(latencies)
    result.final_count, result.final_rows = _counts(engine, result.proposals)
    return result
