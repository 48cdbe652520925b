"""Fault (issue 8): PostgreSQL restarted, then crashed and started again, while residents support, pledge, send
appeals, officials answer and visitors read, over real HTTP. Every answer meanwhile is the normal one or a clear
503 (JSON on the API, a readable page on the web; never a 500, never a hang); the health check says 503 while
the database is away; once it is back the same app serves normally by itself; and the data is whole: every 2xx
answer has its row, a 503 left nothing, counts and roll-ups agree with a recount, and the audit chain holds.

PostgreSQL only: the test restarts a cluster of its own (tests/server/web/postgres_clusters.py)."""

import re
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from itertools import count

import psycopg
import pytest
import requests
from flask_migrate import upgrade
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError, PendingRollbackError
from werkzeug.serving import make_server

from core.db import db, utcnow
from server.web.database import database_away
from tests.helpers import NO_LIMITS, wait_until
from tests.server.web.postgres_clusters import Clusters

NOTHING_SAVED = "The service is briefly unavailable. Nothing was saved; please try again in a minute."
IN_DOUBT = "The service was interrupted just as this was being saved, so it may or may not have been saved."
SAVED = "This was saved, but the service became unavailable before the answer could be shown."
NORMAL = {"support": 200, "pledge": 201, "appeal": 201, "answer": 201, "list": 200, "page": 200, "mine": 200}
#: No answer may take longer than this, database away or not.
BOUND_SECONDS = 10


@dataclass
class Outcome:
    kind: str
    key: object  # what to look for in the database afterwards
    started: float
    ended: float
    status: int | None = None  # None: no HTTP answer at all
    problem: str | None = None  # what is wrong with the answer, if anything
    saved: bool | None = False  # what the answer says: saved, nothing saved, or None: it may or may not be


@pytest.fixture
def cluster():
    clusters = Clusters()
    try:
        clusters.create("main")
        yield clusters
    finally:
        clusters.remove()


@pytest.fixture
def app(cluster, test_config, tmp_path, monkeypatch):
    """The test's app on the cluster, migrated the normal way: conftest's factories (make_user, ...) write there."""
    from server import create_app

    monkeypatch.setenv("MINYI_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({**test_config, **NO_LIMITS, "SQLALCHEMY_DATABASE_URI": cluster.url("main")})
    with app.app_context():
        upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def served(app):
    """A second app on the cluster, served over HTTP by threads, as gunicorn's would; never restarted."""
    from server import create_app

    served = create_app(dict(app.config))
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="served", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)
    with served.app_context():
        db.engine.dispose()


@pytest.fixture
def crowd(make_region, make_category, make_department, make_user, make_proposal, make_appeal):
    """A village with 25 verified residents (each with an API token), an official, 12 proposals collecting
    pledges and 4 appeals."""
    from accounts.tokens import create_token

    village, category = make_region("village"), make_category()
    department = make_department(region=village.path[0], categories=[category])
    residents = [make_user("resident", region=village, verified=True) for _ in range(25)]
    official = make_user("official", department=department)
    proposals = [make_proposal(author=residents[0], title=f"Proposal {i}", goal_minor=10**9,
                               deadline=utcnow() + timedelta(days=30), category=category) for i in range(12)]
    appeals = [make_appeal(author=residents[1], category=category, body=f"Lamp {i} on the lane is out.")
               for i in range(4)]
    tokens = {user.id: create_token(user, actor=user, name="load")[1] for user in [*residents, official]}
    db.session.commit()
    people = [(user.id, user.login_name) for user in residents]
    return Crowd(residents=people[:24], spare=people[24], official=official.id,
                 proposals=[p.id for p in proposals], appeals=[a.id for a in appeals], tokens=tokens,
                 village=village.code, category=category.code)


@dataclass
class Crowd:
    residents: list  # (id, login name), of the load's threads
    spare: tuple  # (id, login name) of a resident they leave alone
    official: int
    proposals: list
    appeals: list
    tokens: dict  # user id: API token
    village: str
    category: str


class Load:
    """Threads sending requests until told to stop; every answer is checked and kept as an Outcome."""

    def __init__(self, url, crowd):
        self.url, self.crowd, self.stop = url, crowd, threading.Event()
        self.outcomes, self.lock, self.numbers = [], threading.Lock(), count(1)

    def send(self, session, kind, key, method, path, **kwargs):
        started = time.monotonic()
        outcome = Outcome(kind, key, started, started)
        try:
            response = session.request(method, self.url + path, timeout=BOUND_SECONDS + 5,
                                       headers={"Accept-Language": "en", **kwargs.pop("headers", {})}, **kwargs)
        except requests.RequestException as error:
            outcome.problem = f"no answer: {error}"
        else:
            outcome.status = response.status_code
            outcome.problem, outcome.saved = judged(kind, response)
        outcome.ended = time.monotonic()
        if outcome.ended - started > BOUND_SECONDS:
            outcome.problem = f"took {outcome.ended - started:.1f} s"
        with self.lock:
            self.outcomes.append(outcome)
        time.sleep(0.03)  # pacing, not waiting: a steady load, not a flood (the CI machine has two cores)
        return outcome

    def act(self, kind, user, sessions, pairs=None):
        """One request of ``kind`` by resident ``user`` (the official answers), unless no pair is left to support."""
        crowd, n = self.crowd, next(self.numbers)
        api, visitor, signed_in = sessions
        bearer = {"Authorization": f"Bearer {crowd.tokens[user]}"}
        if kind == "support":
            pair = next(pairs, None) if pairs is not None else (user, crowd.proposals[0])
            if pair is None:
                return
            self.send(api, kind, pair, "PUT", f"/api/v1/proposals/{pair[1]}/support",
                      headers={"Authorization": f"Bearer {crowd.tokens[pair[0]]}"})
        elif kind == "pledge":  # each amount is sent once: it tells the pledges apart
            proposal, amount = crowd.proposals[n % len(crowd.proposals)], 100 + n
            self.send(api, kind, (user, proposal, amount), "POST", f"/api/v1/proposals/{proposal}/pledges",
                      headers=bearer, json={"kind": "money", "amount_minor": amount})
        elif kind == "appeal":  # each body is sent once: it tells the appeals apart
            body = f"Load appeal {n}: the drain by the bridge is blocked."
            self.send(api, kind, body, "POST", "/api/v1/appeals", headers=bearer,
                      json={"body": body, "category": crowd.category, "village": crowd.village, "language": "en"})
        elif kind == "answer":
            body = f"Answer {n}: the crew comes on Monday."
            self.send(api, kind, body, "POST", f"/api/v1/appeals/{crowd.appeals[n % len(crowd.appeals)]}/answers",
                      headers={"Authorization": f"Bearer {crowd.tokens[crowd.official]}"}, json={"body": body})
        elif kind == "list":
            self.send(visitor, kind, None, "GET", "/proposals")
        elif kind == "page":
            self.send(visitor, kind, None, "GET", f"/appeals/{crowd.appeals[n % len(crowd.appeals)]}")
        else:
            self.send(signed_in, kind, None, "GET", "/appeals/mine")

    def sessions(self, login_name):
        """An API client, an anonymous visitor and a signed-in resident."""
        signed_in = requests.Session()
        log_in(signed_in, self.url, login_name)
        return requests.Session(), requests.Session(), signed_in

    def resident(self, index):
        """Supports (each of its residents for each proposal, once), pledges, appeals and pages, in turn."""
        mine = self.crowd.residents[index * 6:(index + 1) * 6]
        sessions = self.sessions(mine[0][1])
        pairs = iter([(user, proposal) for proposal in self.crowd.proposals for user, _login in mine])
        kinds = ("support", "list", "pledge", "page", "appeal", "mine")
        for step in count():
            if self.stop.is_set():
                return
            kind = kinds[step % len(kinds)]
            self.act(kind, mine[step % len(mine)][0], sessions, pairs if kind == "support" else None)

    def official(self):
        sessions = requests.Session(), None, None
        while not self.stop.is_set():
            self.act("answer", self.crowd.official, sessions)

    def one_of_each(self, signed_in):
        """One request of each kind, all at once, by the resident the threads leave alone (``signed_in``: their
        browser)."""
        threads = [threading.Thread(target=self.act, args=(kind, self.crowd.spare[0], (
            requests.Session(), requests.Session(), signed_in))) for kind in NORMAL]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=BOUND_SECONDS + 10)

    def __enter__(self):
        self.threads = [threading.Thread(target=self.resident, args=(i,), name=f"resident-{i}") for i in range(4)]
        self.threads.append(threading.Thread(target=self.official, name="official"))
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=BOUND_SECONDS + 10)
        assert not any(thread.is_alive() for thread in self.threads), "a load thread hangs"


def log_in(session, url, login_name):
    page = session.get(f"{url}/login", timeout=BOUND_SECONDS).text
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    answer = session.post(f"{url}/login", data={"csrf_token": token, "identifier": login_name,
                                                "password": "correct horse battery"}, allow_redirects=False,
                          timeout=BOUND_SECONDS)
    assert answer.status_code == 302, answer.text


def judged(kind, response) -> tuple[str | None, bool | None]:
    """(What is wrong with the answer or None, whether it says the request was saved: True, False or None when
    it may or may not have been)."""
    if response.status_code == NORMAL[kind]:
        return None, True
    if response.status_code != 503:
        return f"{response.status_code}: {response.text[:300]}", False
    if response.headers.get("Retry-After") is None:
        return "503 without Retry-After", False
    if kind in ("list", "page", "mine"):  # a readable page, in the site's frame
        page = response.text
        if not response.headers["Content-Type"].startswith("text/html") \
                or not re.search(rf"<h1[^>]*>\s*{re.escape(NOTHING_SAVED)}\s*</h1>", page):
            return f"503 page without its message: {page[:300]}", False
        return None, False
    try:
        error = response.json()["error"]
    except (ValueError, KeyError):
        return f"503 that is not a JSON error: {response.text[:300]}", False
    if error["code"] != "unavailable" or error["status"] != 503:
        return f"503 with {error}", False
    for message, saved in ((NOTHING_SAVED, False), (IN_DOUBT, None), (SAVED, True)):
        if error["message"].startswith(message):
            return None, saved
    return f"503 with {error['message']!r}", False


def health(url):
    answer = requests.get(f"{url}/healthz", timeout=BOUND_SECONDS)
    return answer.status_code, answer.json()


def back_in_service(url, seconds=15.0) -> float:
    """The moment /healthz says the database answers again; it must within ``seconds`` (the app is not restarted)."""
    wait_until(lambda: health(url)[0] == 200, timeout=seconds,
               message=f"the app did not recover within {seconds} s of the database")
    return time.monotonic()


def test_requests_fail_cleanly_while_postgresql_restarts_and_the_app_recovers_by_itself(cluster, served, crowd):
    def seen_every_kind(start, end=None):
        """Whether every kind of request ran, whole, since ``start`` (a loaded machine may be slow to)."""
        end = time.monotonic() if end is None else end
        return {o.kind for o in list(load.outcomes) if start <= o.started and o.ended <= end} == set(NORMAL)

    def until_every_kind_ran(start, at_least, most=30.0):
        """Wait until at least ``at_least`` s of load (the time is the behaviour: requests keep coming) in which
        every kind of request ran."""
        wait_until(lambda: time.monotonic() >= start + at_least and seen_every_kind(start),
                   timeout=start + most - time.monotonic(), message="not every kind of request ran in time",
                   interval=0.1)

    def met_the_outage():
        """The health check says 503 all along; true once the outage lasted 2 s and each kind of request met it."""
        assert health(served) == (503, {"status": "error", "database": "unreachable"})
        return time.monotonic() >= down + 2.0 and seen_every_kind(down)

    with Load(served, crowd) as load:
        until_every_kind_ran(time.monotonic(), 1.5)
        restarting = time.monotonic()  # a clean restart: sessions are ended, the server comes back at once
        cluster.restart("main", "fast")
        back = back_in_service(served)
        until_every_kind_ran(back, 1.5)
        crashing = time.monotonic()  # then a crash: every process killed at once, recovery at the next start
        cluster.stop("main", "immediate")
        down = time.monotonic()
        wait_until(met_the_outage, timeout=30.0, interval=0.2,
                   message="not every kind of request ran while the database was away")
        starting = time.monotonic()
        cluster.start("main")
        back_again = back_in_service(served)
        until_every_kind_ran(back_again, 2.0)
    # Restarted while the app is idle, its pool holds connections the server has closed: none is handed out.
    browser = load.sessions(crowd.spare[1])[2]
    cluster.restart("main", "fast")
    idle_restart = time.monotonic()
    load.one_of_each(browser)
    outcomes = load.outcomes
    wrong = [o for o in outcomes if o.problem]
    assert not wrong, "\n".join(f"{o.kind} {o.key}: {o.problem}" for o in wrong[:20])

    def between(start, end):
        return [o for o in outcomes if start <= o.started and o.ended <= end]

    # While the database was certainly up, everything was served; while it was certainly away, nothing was.
    for normal in (between(0, restarting), between(back, crashing), between(back_again, idle_restart)):
        assert normal and all(o.status != 503 for o in normal), [(o.kind, o.key) for o in normal if o.status == 503]
    away = between(down, starting)
    assert all(o.status == 503 for o in away)
    assert {o.kind for o in away} == set(NORMAL), "the outage was too short to see every kind of request fail"
    assert any(o.status == 503 for o in between(restarting, back))
    first = {o.kind: o.status for o in between(idle_restart, float("inf"))}
    assert first == NORMAL, "after a restart while the app was idle, it handed out connections the server had closed"

    whole(outcomes)


def whole(outcomes):
    """Every 2xx answer has its row, a 503 that said "nothing was saved" left none, and what is counted agrees
    with the rows."""
    from appeals.models import Appeal, AppealEvent, EventKind
    from core.audit import AuditEntry, verify
    from proposals.models import Proposal
    from voting.models import Pledge, Support
    from voting.pledges import progress

    db.session.expire_all()
    found = {
        "support": set(db.session.execute(select(Support.user_id, Support.proposal_id))),
        "pledge": set(db.session.execute(select(Pledge.backer_id, Pledge.proposal_id, Pledge.amount_minor))),
        "appeal": set(db.session.scalars(select(Appeal.body).where(Appeal.body.startswith("Load appeal")))),
        "answer": set(db.session.scalars(select(AppealEvent.body).where(AppealEvent.kind == EventKind.ANSWERED))),
    }
    for kind, rows in found.items():
        sent = [o for o in outcomes if o.kind == kind]
        saved = {o.key for o in sent if o.saved}
        maybe = {o.key for o in sent if o.saved is None}
        refused = {o.key for o in sent if o.saved is False}
        assert saved and refused, f"no {kind} was both saved and refused: the test saw too little"
        assert saved <= rows, f"{kind}: answered 2xx but not in the database: {saved - rows}"
        assert not rows & refused, f"{kind}: refused with 503 but in the database: {rows & refused}"
        assert rows <= saved | maybe, f"{kind}: in the database but never answered 2xx: {rows - saved - maybe}"
    assert len(found["pledge"]) == db.session.scalar(select(func.count()).select_from(Pledge))  # none twice
    assert len(found["appeal"]) == db.session.scalar(select(func.count()).where(Appeal.body.startswith("Load appeal")))
    assert len(found["answer"]) == db.session.scalar(select(func.count()).where(AppealEvent.kind == EventKind.ANSWERED))

    for proposal in db.session.scalars(select(Proposal)):
        supports = db.session.scalar(select(func.count()).where(Support.proposal_id == proposal.id))
        assert proposal.supports_count == supports
        assert progress(proposal).money_minor == sum(amount for _backer, pid, amount in found["pledge"]
                                                     if pid == proposal.id)
    # Every appeal has its first step (no appeal without it, none with two), every answer its audit entry.
    for appeal_id, steps in db.session.execute(select(AppealEvent.appeal_id, func.count()).where(
            AppealEvent.kind == EventKind.SUBMITTED).group_by(AppealEvent.appeal_id)):
        assert steps == 1, appeal_id
    assert db.session.scalar(select(func.count()).select_from(AppealEvent).where(
        AppealEvent.kind == EventKind.SUBMITTED)) == db.session.scalar(select(func.count()).select_from(Appeal))
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "appeal.answer")) == len(found["answer"])
    verdict = verify()
    assert verdict.problems == []
    assert verdict.entries == db.session.scalar(select(func.count()).select_from(AuditEntry))
    assert rollups() == recounted(), "the dashboard's roll-ups do not agree with a recount"


def rollups():
    from appeals.rollups import AppealRollup, ResponseTimes

    tables = []
    for model in (AppealRollup, ResponseTimes):
        key = [c.name for c in model.__table__.primary_key]
        rows = {tuple(getattr(r, k) for k in key): tuple(getattr(r, c.name) for c in model.__table__.columns
                                                          if c.name not in key)
                for r in db.session.scalars(select(model))}
        tables.append({k: v for k, v in rows.items() if any(v)})  # rows back at zero: a recount leaves them out
    return tables


def recounted():
    from appeals.rollups import rebuild

    rebuild()
    try:
        db.session.expire_all()
        return rollups()
    finally:
        db.session.rollback()


def test_a_change_cut_off_at_or_after_its_commit_is_not_called_unsaved(app, cluster):
    """"Nothing was saved" is said only of a transaction that never reached its COMMIT: one whose connection
    went during the COMMIT may have been saved, and one that went after it was."""
    import psycopg
    from sqlalchemy import text

    from server import create_app
    from server.extensions import csrf

    other = create_app(dict(app.config))

    def cut_off():  # the server ends this request's connection, as a restart does
        backend = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        with psycopg.connect(cluster.url("main", plain=True), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [backend])

    @other.post("/at-commit")
    @csrf.exempt
    def at_commit():
        cut_off()
        db.session.commit()
        return "saved"

    @other.post("/after-commit")
    @csrf.exempt
    def after_commit():
        db.session.execute(text("SELECT 1"))
        db.session.commit()
        cut_off()
        return str(db.session.execute(text("SELECT 1")).scalar())

    client = other.test_client()
    for path, message in (("/at-commit", IN_DOUBT), ("/after-commit", SAVED)):
        answer = client.post(path, headers={"Accept": "application/json", "Accept-Language": "en"})
        assert answer.status_code == 503 and answer.headers["Retry-After"]
        assert answer.get_json()["error"]["message"].startswith(message)
    assert client.get("/healthz").status_code == 200  # and the pool mends itself


def test_pooled_connections_are_tried_before_use_whatever_other_engine_options_are_given(tmp_path, monkeypatch):
    from server import create_app

    monkeypatch.setenv("MINYI_INSTANCE_PATH", str(tmp_path))
    app = create_app({"SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "postgresql://nobody@127.0.0.1:1/none",
                      "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}}})
    with app.app_context():
        assert db.engine.pool._pre_ping


def test_a_transaction_the_lost_connection_broke_counts_as_the_database_away():
    """The rate limiter asks for a token's owner again after the first query lost its connection: SQLAlchemy then
    refuses with PendingRollbackError, which is the database away (503, try again), not a bug (500)."""
    lost = OperationalError("SELECT 1", {}, psycopg.OperationalError(
        "consuming input failed: server closed the connection unexpectedly"))
    try:
        try:
            raise lost
        except OperationalError:
            raise PendingRollbackError("Can't reconnect until invalid transaction is rolled back.") from None
    except PendingRollbackError as error:
        assert error.__context__ is lost and database_away(error)
    assert not database_away(PendingRollbackError("rolled back for another reason"))
