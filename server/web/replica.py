"""Anonymous reading from the read replica (MINYI_DATABASE_REPLICA_URL), only while the replica is there and
close behind the primary.

Each process looks at the replica at most every MINYI_REPLICA_CHECK_SECONDS: can it be reached, and how far
behind is it (``LAG_SQL``)? While it cannot be reached, or lags more than MINYI_REPLICA_MAX_LAG_SECONDS,
every page reads the primary: nobody sees an error or an old page because the replica is away. A replica
that fails in the middle of a page is set aside at once and the page is made again from the primary."""

import logging
import math
import threading
import time

from flask import current_app, g, request
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from core.db import db, use_replica
from core.rules import rule
from server.web.errors import database_error

log = logging.getLogger(__name__)

#: Seconds the replica is behind: 0 when it has replayed all it received (or is no standby at all), else the
#: time since the last transaction it replayed was committed on the primary; NULL when it receives nothing
#: from the primary (no WAL receiver streaming: cut off, or reconnecting), so nothing says how far behind it
#: is. (Without pg_read_all_stats the receiver's status reads as NULL: it is then taken as streaming.)
LAG_SQL = text(
    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0 "
    "WHEN NOT EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status IS NULL OR status = 'streaming') THEN NULL "
    "WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0 "
    "ELSE COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 0) END")


class Replica:
    """What this process last found out about the replica."""

    def __init__(self, engine):
        self.engine = engine
        self.lock = threading.Lock()
        self.checked = -math.inf  # time.monotonic() of the last look
        self.state, self.lag = "unknown", None  # "ok", "behind", "detached", "unreachable"

    def check(self) -> str:
        """Look at the replica now."""
        try:
            with self.engine.connect() as connection:
                lag = connection.execute(LAG_SQL).scalar() if self.engine.dialect.name == "postgresql" else 0.0
            if lag is None:
                state = "detached"
            else:
                lag = float(lag)
                state = "ok" if lag <= float(rule("MINYI_REPLICA_MAX_LAG_SECONDS")) else "behind"
        except SQLAlchemyError as error:
            lag, state = None, "unreachable"
            if self.state != state:
                log.warning("read replica unreachable, reading from the primary: %s", error)
        if state != self.state and state == "detached":
            log.warning("read replica receives nothing from the primary, reading from the primary")
        elif state != self.state and state != "unreachable":
            (log.info if state == "ok" else log.warning)("read replica %s (%.1f s behind)", state, lag)
        self.state, self.lag, self.checked = state, lag, time.monotonic()
        return state

    def usable(self) -> bool:
        """Whether to read from the replica now (looking again when the last look is old)."""
        if time.monotonic() - self.checked >= float(rule("MINYI_REPLICA_CHECK_SECONDS")) \
                and self.lock.acquire(blocking=False):  # one thread looks; the others go by the last look
            try:
                self.check()
            finally:
                self.lock.release()
        return self.state == "ok"

    def failed(self, error) -> None:
        """The replica failed a page: read the primary until the next look."""
        log.warning("read replica failed on %s, reading from the primary: %s", request.path, error)
        self.state, self.lag, self.checked = "unreachable", None, time.monotonic()


def replica() -> Replica:
    return current_app.extensions["minyi_replica"]


def read_from_replica() -> None:
    """Anonymous reading (the public lists, pages, dashboard and open data, most of the traffic) is served by
    the read replica. Signed-in people, and API clients, Open311 clients and kiosks with their keys, read the
    primary, so they always see what they have just done; so does the health check."""
    g.pop("minyi_replica", None)
    if request.method in ("GET", "HEAD") and request.endpoint != "web.healthz" \
            and "Authorization" not in request.headers and "api_key" not in request.args \
            and not current_user.is_authenticated and replica().usable():
        use_replica()


def replica_failed(error: OperationalError):
    """A page that was reading the replica when it went away is made again from the primary (its
    before-request checks run again: they now find the replica set aside)."""
    if not g.get("minyi_replica") or request.endpoint is None:
        return database_error(error)  # the primary's error: 503 while it is away, else unexpected
    replica().failed(error)
    db.session.rollback()
    g.minyi_replica = False
    try:  # the whole request again (its checks too), now on the primary; its errors handled as usual
        answer = current_app.preprocess_request()
        return answer if answer is not None else current_app.dispatch_request()
    except Exception as again:  # noqa: BLE001
        return current_app.handle_user_exception(again)


def init_app(app) -> None:
    if "replica" not in app.config.get("SQLALCHEMY_BINDS", {}):
        return
    with app.app_context():
        app.extensions["minyi_replica"] = Replica(db.engines["replica"])
    app.before_request(read_from_replica)
    app.register_error_handler(OperationalError, replica_failed)
