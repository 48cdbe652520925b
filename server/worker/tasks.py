"""The work done by `minyi worker` (the queue itself is core/jobs.py): notifications to many people, mail,
SMS, codes to log in and new passwords asked for, recordings made smaller, settlements at their deadline, budget
voting closed after its last day and the cycles counted, and the dashboard's figures. Each task is idempotent and reads what is left to
do from the database, so running it twice, or on two workers at once, changes nothing; the sweep (every
MINYI_JOB_SWEEP_SECONDS) asks for each task that still has work, so nothing is lost with a worker or Redis."""

import logging
import os
import signal
import socket
import threading
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from accounts import code_sign_in, recovery
from accounts.notifications import Announcement, recipients_of, tell_next
from appeals import audio
from appeals.dashboard import refresh, shown_periods
from appeals.models import WAV_SQL, Appeal
from budgeting import results
from budgeting.cycles import COUNT_JOB
from budgeting.schedule import close_due_voting, voting_due
from core import jobs, sms
from core.db import commit_with_retry, db, utcnow
from core.mail import waiting
from core.rules import rule
from core.storage import uploads
from proposals.services import expire_stale
from server.worker import texting
from server.worker.mailer import deliver_pending
from voting.pledges import settle_due

log = logging.getLogger(__name__)

#: A WAV recording is made smaller within this long (after that, one that keeps failing is left as it is).
TRANSCODE_WINDOW = timedelta(days=1)
#: How often an idle worker looks at the jobs table (a job waits at most this long for a free worker).
POLL_SECONDS = 1.0


def notify(key: str) -> str:
    """Tell everyone an announcement is for (accounts.notifications), a batch per transaction."""
    told, recipients = 0, recipients_of(int(key))
    while (batch := tell_next(int(key), recipients)) is not None:
        told += batch
    return f"announcement {key}: {told} told"


def send_mail(key: str) -> str:
    """Send the outbox: everything waiting, in batches (a mail that fails stays for a later attempt)."""
    sent = failed = 0
    while True:
        batch = deliver_pending(limit=50)
        sent, failed = sent + batch[0], failed + batch[1]
        if batch == (0, 0) or batch[1]:
            return f"mail: {sent} sent, {failed} left for later"


def send_sms(key: str) -> str:
    """Send the SMS outbox: everything due, in batches (a message refused or not taken stays for a later attempt)."""
    sent = failed = 0
    while True:
        batch = texting.deliver_pending(limit=50)
        sent, failed = sent + batch[0], failed + batch[1]
        if batch == (0, 0) or batch[1]:
            return f"sms: {sent} sent, {failed} left for later"


def sign_in_codes(key: str) -> str:
    """Look up the numbers codes to log in were asked for; queue an SMS with a code to each that has an account."""
    issued = commit_with_retry(code_sign_in.issue_codes)
    return f"sign-in codes: {issued} made"


def password_resets(key: str) -> str:
    """Look up the accounts new passwords were asked for; queue a mail with a link or an SMS with a code to each
    active one."""
    issued = commit_with_retry(recovery.issue_resets)
    return f"password resets: {issued} made"


def transcode(key: str) -> str:
    """A kiosk's WAV recording kept as Ogg/Opus instead: written, then the appeal points to it, then the WAV
    is removed (after a crash in between, the next run removes it)."""

    appeal = db.session.get(Appeal, int(key))
    if appeal is None or not appeal.audio_file:
        return f"appeal {key}: no recording"
    store, stem = uploads().area("audio"), appeal.audio_file.rsplit(".", 1)[0]
    if not appeal.audio_file.endswith(".wav"):
        if store.exists(stem + ".wav"):
            store.delete(stem + ".wav")
        return f"appeal {key}: recording already {appeal.audio_file}"
    smaller = audio.to_ogg(store.read(appeal.audio_file))
    store.write(stem + ".ogg", smaller)
    moved = db.session.execute(update(Appeal).where(Appeal.id == appeal.id, Appeal.audio_file == stem + ".wav")
                               .values(audio_file=stem + ".ogg").execution_options(synchronize_session=False))
    db.session.commit()
    if moved.rowcount:
        store.delete(stem + ".wav")
    return f"appeal {key}: recording kept as Ogg ({len(smaller)} bytes)"


def settle(key: str) -> str:
    """Proposals past their deadline: pledges committed or released; proposals that never qualified expire."""
    settled = commit_with_retry(settle_due)
    expired = commit_with_retry(expire_stale)
    lines = [f"proposal {proposal_id}: {'goal reached, pledges committed' if funded else 'goal missed, pledges released'}"
             for proposal_id, funded in settled]
    return "\n".join([*lines, f"settled {len(settled)} proposal(s), expired {len(expired)}"])


def close_voting(key: str) -> str:
    """Budget cycles whose last day of voting is over: voting closed, by the system."""
    closed = commit_with_retry(close_due_voting)
    return "\n".join([*(f"budget cycle {cycle_id}: voting closed" for cycle_id in closed),
                      f"closed voting in {len(closed)} budget cycle(s)"])


def dashboard(key: str) -> str:
    """The dashboard's figures counted ahead, so no visitor waits for them."""
    periods = shown_periods()
    for months in periods:
        refresh(months)
    return f"dashboard: {len(periods)} period(s) counted"


def count_budget(key: str) -> str:
    """A budget cycle whose voting has closed: every part counted, then the cycle finished (budgeting.results)."""
    return results.count_cycle(int(key))


TASKS = {"notify": notify, "mail": send_mail, "sms": send_sms, "sign_in_codes": sign_in_codes,
         "password_resets": password_resets, "transcode": transcode, "settle": settle, "dashboard": dashboard,
         COUNT_JOB: count_budget, "close_voting": close_voting}


def undone() -> list[tuple[str, str]]:
    """Every task that has work now: the periodic ones, budget voting whose last day is over, each budget cycle
    waiting to be counted, each announcement not yet told to all, the outbox if anything waits, the SMS outbox if
    any message is due, numbers asked for a code to log in with, addresses and numbers asked for a new password,
    each WAV recording."""

    work = [("settle", ""), ("dashboard", "")]
    if voting_due():
        work.append(("close_voting", ""))
    work += [(COUNT_JOB, str(i)) for i in results.counting_cycles()]
    work += [("notify", str(i)) for i in db.session.scalars(select(Announcement.id).order_by(Announcement.id))]
    if current_app.config.get("MINYI_SMTP_HOST") and waiting():
        work.append(("mail", ""))
    if current_app.config.get("MINYI_SMPP_HOST") and sms.waiting():
        work.append(("sms", ""))
    if code_sign_in.waiting():
        work.append(("sign_in_codes", ""))
    if recovery.waiting():
        work.append(("password_resets", ""))
    recent = utcnow() - TRANSCODE_WINDOW
    work += [("transcode", str(appeal_id)) for appeal_id in db.session.scalars(
        select(Appeal.id).where(db.text(WAV_SQL), Appeal.created_at > recent).order_by(Appeal.id))]
    return work


def sweep() -> int:
    """Ask for every task that has work (a job already waiting is not asked twice); returns how many."""
    work = undone()
    lease, attempts = jobs.settings()
    if current_app.config.get("MINYI_REDIS_URL"):
        queue = jobs.rq_queue()
        db.session.commit()
        return sum(jobs.push(queue, name, key, revive=False) for name, key in work)
    for name, key in work:
        jobs.add(name, key, revive=False)
    db.session.commit()
    jobs.give_up_abandoned(attempts, lease)
    return len(work)


def run(name: str, key: str) -> str:
    """Do one task here and now, in its own transaction."""
    task = TASKS.get(name)
    if task is None:
        raise LookupError(f"no task called {name!r}")
    try:
        outcome = task(key)
        db.session.commit()
        return outcome
    except BaseException:
        db.session.rollback()
        raise


def run_rq_job(name: str, key: str) -> str:
    """What RQ runs: the task, in the worker's app (the waiting marker is lifted first, so a request for the
    same work made while it runs gets a run of its own)."""
    app = _worker_app
    with app.app_context():
        queue = jobs.rq_queue()
        queue.connection.delete(jobs.waiting_key(queue, name, key))
        failures = jobs.failures_key(queue, name, key)
        try:
            outcome = run(name, key)
        except Exception:
            queue.connection.incr(failures)
            queue.connection.expire(failures, int(jobs.COOL_DOWN.total_seconds()))
            raise
        queue.connection.delete(failures)
        log.info("%s(%s): %s", name, key, outcome.replace("\n", "; "))
        return outcome


def status() -> list[str]:
    """What is waiting, running and failed, and why each failure failed (for `minyi jobs`)."""
    if current_app.config.get("MINYI_REDIS_URL"):
        from rq.registry import FailedJobRegistry, StartedJobRegistry

        queue = jobs.rq_queue()
        failed = FailedJobRegistry(queue=queue)
        lines = [f"Redis: {queue.count} queued, {StartedJobRegistry(queue=queue).count} running, "
                 f"{failed.count} failed"]
        for job in queue.job_class.fetch_many(failed.get_job_ids(0, 49), connection=queue.connection):
            if job is not None:
                result = job.latest_result()
                error = ((result.exc_string if result else "") or "").strip().splitlines()
                lines.append(f"  failed: {job.description}: {error[-1] if error else ''}")
        return lines
    counts = jobs.counts()
    lines = [f"Database: {counts[jobs.QUEUED]} queued, {counts[jobs.RUNNING]} running, {counts[jobs.FAILED]} failed"]
    lines += [f"  failed: {job.name}({job.key}) after {job.attempts} attempt(s): {job.last_error}"
              for job in jobs.failures()]
    return lines


def retry_failed() -> int:
    """Put every failed job back in the queue; returns how many."""
    if current_app.config.get("MINYI_REDIS_URL"):
        from rq.registry import FailedJobRegistry

        failed = FailedJobRegistry(queue=jobs.rq_queue())
        job_ids = failed.get_job_ids()
        for job_id in job_ids:
            failed.requeue(job_id)
        return len(job_ids)
    return jobs.retry_failed()


_worker_app = None


def work(app, burst: bool = False) -> None:
    """Run jobs until stopped (SIGTERM or SIGINT lets the current job finish); ``burst``: until none is left."""
    global _worker_app
    _worker_app = app
    name = f"{socket.gethostname()}.{os.getpid()}"
    with app.app_context():
        sweep_every = float(rule("MINYI_JOB_SWEEP_SECONDS"))
        sweep()
    if app.config.get("MINYI_REDIS_URL"):
        _work_rq(app, name, burst, sweep_every)
    else:
        _work_database(app, name, burst, sweep_every)


def _work_rq(app, name: str, burst: bool, sweep_every: float) -> None:
    from rq import SimpleWorker

    class Worker(SimpleWorker):
        def unsubscribe(self):
            # RQ's own waits for its listening thread (for RQ's commands) to end, and that thread, once
            # unsubscribed, sleeps up to 60 s before it looks again: a worker asked to stop took a minute to leave.
            # The thread is a daemon, so it ends with the process; a second is all it is given.
            if self.pubsub_thread:
                self.pubsub.unsubscribe()
                self.pubsub_thread.stop(timeout=1)

    with app.app_context():
        queue = jobs.rq_queue()
    # Jobs run in this process (no fork per job: they are short, and the app is loaded once). A job lost with a
    # worker that died is found again by the sweep once the lease has passed (RQ itself retries it later still).
    worker = Worker([queue], connection=queue.connection, name=name)
    if not burst:
        _every(sweep_every, app, sweep)
    worker.work(burst=burst, with_scheduler=not burst, logging_level=app.config.get("MINYI_LOG_LEVEL", "INFO"))


def _work_database(app, name: str, burst: bool, sweep_every: float) -> None:
    stopping = threading.Event()
    if not burst:
        for stop_signal in (signal.SIGTERM, signal.SIGINT):
            signal.signal(stop_signal, lambda *_: stopping.set())
    next_sweep = time.monotonic() + sweep_every
    log.info("worker %s: waiting for jobs in the database", name)
    while not stopping.is_set():
        with app.app_context():
            try:
                if not burst and time.monotonic() >= next_sweep:
                    sweep()
                    next_sweep = time.monotonic() + sweep_every
                if not _one_job(name):
                    if burst:
                        return
                    stopping.wait(POLL_SECONDS)
            except SQLAlchemyError as error:  # the database is away: wait for it rather than stop
                db.session.rollback()
                if burst:
                    raise
                log.warning("worker %s: database unavailable, waiting: %s", name, error)
                stopping.wait(5)


def _one_job(name: str) -> bool:
    """Claim one job from the table and do it; False when none was due (then wait a moment)."""
    lease, attempts = jobs.settings()
    job = jobs.claim(name, lease, attempts)
    if job is None:
        return False
    job_id, job_name, key = job.id, job.name, job.key
    try:
        outcome = run(job_name, key)
    except Exception as error:  # noqa: BLE001  (kept on the job, tried again later)
        log.exception("%s(%s) failed", job_name, key)
        jobs.fail(job_id, name, f"{type(error).__name__}: {error}"[:2000], attempts, timedelta(seconds=10))
    else:
        log.info("%s(%s): %s", job_name, key, outcome.replace("\n", "; "))
        jobs.finish(job_id, name)
    return True


def _every(seconds: float, app, action) -> None:
    """Call ``action()`` in the app every ``seconds`` from a background thread (errors are logged, not fatal)."""
    def loop():
        while True:
            time.sleep(seconds)
            try:
                with app.app_context():
                    action()
            except Exception:  # noqa: BLE001
                log.exception("periodic %s failed", getattr(action, "__name__", action))

    threading.Thread(target=loop, name="minyi-sweep", daemon=True).start()
