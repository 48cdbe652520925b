"""Slow work off the request path, on both queues (the database's, and RQ on the real Redis): a job is asked
for only when its change commits, and once however often it is asked; `minyi worker` does it; a failing job is
tried again and then kept for the operator; a job lost with Redis, or with a worker killed mid-job, is done all
the same, and only once."""

import io
import os
import secrets
import signal
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta

import pytest
import soundfile
from aiosmtpd.controller import Controller
from sqlalchemy import func, insert, select, update

from appeals import services as appeal_services
from appeals import workflow as appeal_workflow
from appeals.models import Appeal
from core import jobs
from core.db import db, utcnow
from core.mail import OutgoingMail
from core.storage import uploads
from projects.promotion import promote_to_project
from server.worker.tasks import run, work
from tests.helpers import Inbox, WebClient, at_once, encoded, free_port, say, wait_until


@pytest.fixture(params=["database", "redis"])
def backend(request, app, make_app):
    """(name, app): an app using that queue (on Redis, a queue of its own), its context pushed."""
    if request.param == "database":
        app = make_app()
    else:  # (after the default app, whose context the factories would otherwise use)
        app = make_app(MINYI_REDIS_URL=request.getfixturevalue("redis_url"),
                       MINYI_JOB_QUEUE=f"test-{secrets.token_hex(4)}")
    with app.app_context():
        yield request.param, app
        db.session.remove()
        if request.param == "redis":
            _forget_queue(app)


def _forget_queue(app):
    queue = jobs.rq_queue(app)
    keys = [*queue.connection.scan_iter(f"rq:*{queue.name}*"), *queue.connection.scan_iter(f"minyi:jobs:{queue.name}:*")]
    if keys:
        queue.connection.delete(*keys)


def asked(app) -> list[tuple[str, str]]:
    """The jobs waiting in the app's queue."""
    if app.config.get("MINYI_REDIS_URL"):
        return sorted(tuple(job.args) for job in jobs.rq_queue(app).jobs)
    return sorted((job.name, job.key) for job in db.session.scalars(select(jobs.Job).where(jobs.Job.state == "queued")))


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, {"MINYI_SMTP_HOST": "127.0.0.1", "MINYI_SMTP_PORT": controller.port,
                  "MINYI_MAIL_FROM": "minyi@example.org"}
    controller.stop()


def test_a_job_is_asked_for_once_its_change_commits_and_only_once(backend, smtp, make_appeal, make_user):
    _name, app = backend
    appeal = make_appeal()
    appeal_services.cosign(appeal, actor=make_user("resident", region=appeal.region, verified=True,
                                                   email="li@example.org"))
    official = make_user("official", department=appeal.department)
    db.session.commit()
    app.config.update(smtp[1])
    appeal_workflow.answer_appeal(appeal, actor=official, body="A new pump comes Friday.")
    db.session.rollback()  # the answer was not saved: nobody is told
    make_user("resident")  # ... not even once something else is saved
    db.session.commit()
    assert asked(app) == []
    appeal_workflow.answer_appeal(appeal, actor=official, body="A new pump comes Friday.")
    db.session.commit()
    assert asked(app) == [("mail", "")]  # two mails, one job to send them
    work(app, burst=True)
    assert sorted(to for to, _message in smtp[0].messages) == sorted([[appeal.author.email], ["li@example.org"]])
    assert asked(app) == []


@pytest.fixture
def wav_appeal(make_kiosk):
    """An appeal sent by a kiosk with a WAV recording (the kiosk API takes WAV as well as Ogg/Opus)."""
    def factory(client, rate=16000):
        kiosk, code = make_kiosk()
        enrolled = client.post("/api/v1/kiosk/enroll", json={"code": code, "version": "0.1.0"}).get_json()
        wav = encoded(say("물이 안 나와요", pause=0.3), rate=rate, kind="wav")
        response = client.post("/api/v1/kiosk/appeals", headers={"Authorization": f"Bearer {enrolled['token']}"},
                               content_type="multipart/form-data",
                               data={"uuid": str(uuid.uuid4()), "transcript": "물이 안 나와요",
                                     "receipt_code": kiosk.receipt_prefix + "23456",
                                     "audio": (io.BytesIO(wav), "appeal.wav")})
        assert response.status_code == 201, response.get_json()
        return db.session.get(Appeal, response.get_json()["id"]), wav
    return factory


@pytest.mark.parametrize(("rate", "subtype"), [(16000, "OPUS"), (44100, "VORBIS")])
def test_a_wav_recording_is_kept_as_ogg_a_fraction_of_the_size(backend, wav_appeal, make_user, rate, subtype):
    """Opus where the sample rate allows it (the kiosks record at such rates), Vorbis otherwise."""
    _name, app = backend
    appeal, wav = wav_appeal(app.test_client(), rate=rate)
    assert appeal.audio_file.endswith(".wav") and ("transcode", str(appeal.id)) in asked(app)
    work(app, burst=True)
    db.session.refresh(appeal)
    store = uploads().area("audio")
    assert appeal.audio_file.endswith(".ogg") and not store.exists(appeal.audio_file[:-4] + ".wav")
    ogg = store.read(appeal.audio_file)
    info = soundfile.info(io.BytesIO(ogg))
    assert (info.format, info.subtype) == ("OGG", subtype) and abs(info.duration - appeal.audio_seconds) < 0.1
    assert len(ogg) < len(wav) / 4
    official = WebClient(app.test_client())
    official.login(make_user("official", department=appeal.department))
    response = official.get(f"/officials/appeals/{appeal.id}/recording")
    assert response.status_code == 200 and response.mimetype == "audio/ogg" and response.data == ogg
    assert "already" in run("transcode", str(appeal.id))  # done twice: nothing changes
    assert store.read(appeal.audio_file) == ogg


def test_a_failing_job_is_tried_again_then_kept_for_the_operator(backend, wav_appeal):
    from server.commands.serving import jobs_group

    name, app = backend
    app.config["MINYI_JOB_ATTEMPTS"] = 2 if name == "database" else 1
    appeal, _wav = wav_appeal(app.test_client())
    uploads().area("audio").delete(appeal.audio_file)  # the recording went missing: transcoding fails
    work(app, burst=True)
    if name == "database":
        job = db.session.scalar(select(jobs.Job).where(jobs.Job.name == "transcode"))
        assert (job.state, job.attempts) == ("queued", 1) and "FileNotFoundError" in job.last_error
        assert job.run_after > utcnow() + timedelta(seconds=5)  # not at once: it waits before trying again
        db.session.execute(update(jobs.Job).values(run_after=utcnow()))  # ... and the wait is over
        db.session.commit()
        work(app, burst=True)
        db.session.refresh(job)
        assert (job.state, job.attempts) == ("failed", 2)
    from server.worker.tasks import sweep

    sweep()  # the recording is still WAV, but the job failed every attempt: not asked again for a while
    assert ("transcode", str(appeal.id)) not in asked(app)
    report = app.test_cli_runner().invoke(jobs_group)
    assert "1 failed" in report.output and f"transcode({appeal.id})" in report.output
    again = app.test_cli_runner().invoke(jobs_group, ["retry"])
    assert "1 failed job(s) queued again" in again.output
    assert ("transcode", str(appeal.id)) in asked(app)


def test_work_asked_for_while_redis_was_away_is_done_by_the_sweep(make_app, redis_url, smtp, make_appeal, make_user):
    queue_name = f"test-{secrets.token_hex(4)}"
    appeal = make_appeal()
    official, author_email = make_user("official", department=appeal.department), appeal.author.email
    db.session.commit()
    away = make_app(MINYI_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0", MINYI_JOB_QUEUE=queue_name, **smtp[1])
    with away.app_context():
        appeal = db.session.get(Appeal, appeal.id)
        appeal_workflow.answer_appeal(appeal, actor=db.session.get(type(official), official.id), body="Fixed.")
        db.session.commit()  # saved, though the job could not be handed to Redis
        db.session.remove()
    worker_app = make_app(MINYI_REDIS_URL=redis_url, MINYI_JOB_QUEUE=queue_name, **smtp[1])
    try:
        work(worker_app, burst=True)  # its first sweep finds the mail waiting
        assert [to for to, _message in smtp[0].messages] == [[author_email]]
    finally:
        _forget_queue(worker_app)


class Stalling(Inbox):
    """A mail server that holds the first mail (until released, then refuses it) and takes the others."""

    def __init__(self):
        import threading

        super().__init__()
        self.holding, self.release = threading.Event(), threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        import asyncio

        if not self.holding.is_set():
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 120)
            return "451 Try again later"
        return await super().handle_DATA(server, session, envelope)


def test_a_worker_killed_mid_job_loses_nothing_and_sends_nothing_twice(backend, test_config, tmp_path, make_appeal,
                                                                      make_user):
    name, app = backend
    inbox = Stalling()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    env = {**os.environ, "MINYI_DATABASE_URL": test_config["SQLALCHEMY_DATABASE_URI"],
           "MINYI_SECRET_KEY": test_config["SECRET_KEY"], "MINYI_INSTANCE_PATH": str(tmp_path),
           "MINYI_SMTP_HOST": "127.0.0.1", "MINYI_SMTP_PORT": str(controller.port),
           "MINYI_MAIL_FROM": "minyi@example.org", "MINYI_JOB_LEASE_SECONDS": "3", "MINYI_JOB_SWEEP_SECONDS": "1",
           "MINYI_REDIS_URL": app.config.get("MINYI_REDIS_URL") or "", "MINYI_JOB_QUEUE": app.config["MINYI_JOB_QUEUE"]}
    workers = []

    def start_worker(number):
        log = open(tmp_path / f"worker{number}.log", "w")  # noqa: SIM115  (closed with the process)
        workers.append(subprocess.Popen([sys.executable, "-m", "server", "worker"], env=env, stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True))
        return workers[-1]

    try:
        app.config.update(MINYI_SMTP_HOST="127.0.0.1", MINYI_SMTP_PORT=controller.port)
        appeal = make_appeal()
        appeal_workflow.answer_appeal(appeal, actor=make_user("official", department=appeal.department), body="Done")
        db.session.commit()
        first = start_worker(1)
        assert inbox.holding.wait(60), (tmp_path / "worker1.log").read_text()
        os.killpg(first.pid, signal.SIGKILL)  # mid-job: the mail is being sent
        first.wait()
        inbox.release.set()
        second = start_worker(2)
        wait_until(lambda: inbox.messages, timeout=60, interval=0.2,
                   message=lambda: (tmp_path / "worker2.log").read_text())
        assert [to for to, _message in inbox.messages] == [[appeal.author.email]], (tmp_path / "worker2.log").read_text()
        time.sleep(4)  # real time is the behaviour: past another lease and a few sweeps, still sent once
        assert len(inbox.messages) == 1
        db.session.expire_all()
        assert db.session.scalar(select(OutgoingMail.sent_at)) is not None
        second.send_signal(signal.SIGTERM)  # a graceful stop: the worker finishes what it does, then leaves
        # Within a few seconds; the bound leaves room for a machine busy with the whole suite (RQ's stop once
        # waited up to a minute for its listening thread).
        assert second.wait(STOPS_WITHIN) == 0, (tmp_path / "worker2.log").read_text()
    finally:
        for process in workers:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        controller.stop()


#: Seconds a worker asked to stop may take to leave (a few, doubled and more for a machine busy with the suite).
STOPS_WITHIN = 15
#: What a worker logs once it waits for jobs (and its stop signals are its own).
READY = {"database": "waiting for jobs in the database", "redis": "Listening on"}


def test_a_worker_asked_to_stop_while_waiting_leaves_at_once(backend, test_config, tmp_path):
    """systemd's stop (SIGTERM) and Ctrl+C (SIGINT) end an idle worker within seconds, on either queue."""
    name, app = backend
    env = {**os.environ, "MINYI_DATABASE_URL": test_config["SQLALCHEMY_DATABASE_URI"],
           "MINYI_SECRET_KEY": test_config["SECRET_KEY"], "MINYI_INSTANCE_PATH": str(tmp_path),
           "MINYI_REDIS_URL": app.config.get("MINYI_REDIS_URL") or "", "MINYI_JOB_QUEUE": app.config["MINYI_JOB_QUEUE"],
           "MINYI_JOB_SWEEP_SECONDS": "1"}
    for round_, stop in enumerate((signal.SIGTERM, signal.SIGINT, signal.SIGTERM)):
        log_path = tmp_path / f"worker{round_}.log"
        with open(log_path, "w") as log:
            worker = subprocess.Popen([sys.executable, "-m", "server", "worker"], env=env, stdout=log,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_until(lambda path=log_path: READY[name] in path.read_text(), timeout=60, interval=0.1,
                       message=log_path.read_text)
            time.sleep(1.5)  # past a sweep, while it waits
            worker.send_signal(stop)
            assert worker.wait(STOPS_WITHIN) == 0, log_path.read_text()
        finally:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()


def test_the_sweep_asks_again_for_a_failed_job_once_the_cool_down_has_passed(backend, wav_appeal):
    """A job that failed every attempt (a settlement during an hour of database trouble) comes back by itself."""
    from server.worker.tasks import sweep

    name, app = backend
    app.config["MINYI_JOB_ATTEMPTS"] = 1
    appeal, _wav = wav_appeal(app.test_client())
    uploads().area("audio").delete(appeal.audio_file)
    work(app, burst=True)
    sweep()
    assert ("transcode", str(appeal.id)) not in asked(app)
    if name == "database":  # the hour passes
        db.session.execute(update(jobs.Job).values(run_after=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    else:
        queue = jobs.rq_queue()
        queue.connection.delete(jobs.failures_key(queue, "transcode", str(appeal.id)))
    sweep()
    assert ("transcode", str(appeal.id)) in asked(app)


def test_workers_at_the_same_time_never_take_the_same_job(app):
    """Four workers claim sixty jobs at once (one UPDATE each, SKIP LOCKED on PostgreSQL): each job once."""
    for n in range(60):
        jobs.add("dashboard", str(n))
    db.session.commit()

    def worker(number):
        taken = []
        while (job := jobs.claim(f"w{number}", timedelta(minutes=10), 8)) is not None:
            taken.append(job.key)
            jobs.finish(job.id, f"w{number}")
        return taken

    outcomes = at_once(app, worker, range(4))
    assert all(isinstance(taken, list) for taken in outcomes), outcomes
    assert sorted((key for taken in outcomes for key in taken), key=int) == [str(n) for n in range(60)]
    assert db.session.scalar(select(jobs.Job.id)) is None  # all done


SUPPORTERS = 250


def _supported_by_many(make_proposal, make_region, make_department, make_user):
    """A qualified proposal with SUPPORTERS supporters (one of them with a password, to delete their account),
    and an official of its department."""
    from accounts.users import Role, User
    from proposals.models import ProposalStatus
    from voting.models import Support

    village = make_region("village")
    proposal = make_proposal(village=village, title="Many hands")
    proposal.status = ProposalStatus.QUALIFIED
    department = make_department(region=village.path[0], categories=[proposal.category])
    official = make_user("official", department=department)
    leaving = make_user("resident", region=village, verified=True)
    now = utcnow()
    db.session.execute(insert(User), [
        {"phone": f"+86138{n:08d}", "password_hash": "x", "display_name": f"Backer {n}", "role": Role.RESIDENT,
         "region_id": village.id, "verified_at": now, "verification_method": "in_person", "active": True,
         "session_version": 1, "created_at": now} for n in range(SUPPORTERS - 1)])
    ids = [leaving.id, *db.session.scalars(select(User.id).where(User.display_name.like("Backer %")))]
    db.session.execute(insert(Support), [{"proposal_id": proposal.id, "user_id": uid, "created_at": now}
                                         for uid in ids])
    db.session.commit()
    return proposal, official, leaving, ids


def _told(kind: str) -> dict[int, int]:
    from accounts.notifications import Notification

    db.session.expire_all()
    return dict(db.session.execute(select(Notification.user_id, func.count()).where(Notification.kind == kind)
                                   .group_by(Notification.user_id)).all())


def test_many_people_are_told_by_a_job_a_batch_at_a_time_each_once(backend, make_proposal, make_region,
                                                                     make_department, make_user):
    """A proposal backed by hundreds becomes a project: the official's step tells none of them itself (it
    would wait on every one); the notify job does, a batch per transaction, so a worker that stops half-way
    leaves the rest to the next, and nobody is told twice. A resident who deleted their account meanwhile is
    told nothing."""
    from accounts.notifications import Announcement, recipients_of, tell_next
    from privacy import personal_data as privacy

    _name, app = backend
    proposal, official, leaving, ids = _supported_by_many(make_proposal, make_region, make_department, make_user)
    project = promote_to_project(actor=official, title="Many hands", description="x",
                                          department=official.department, lead=official, budget_public_minor=0, start_on=date.today(), target_on=date.today() + timedelta(days=30),
                                          proposals=[proposal])
    db.session.commit()
    announcement = db.session.scalar(select(Announcement))
    key, first_batch = str(announcement.id), announcement.recipients[:100]
    assert _told("became_project") == {}
    assert ("notify", key) in asked(app)
    assert announcement.params["project_id"] == project.id

    privacy.delete_account(leaving, actor=leaving, password="correct horse battery")
    db.session.commit()
    assert tell_next(int(key), recipients_of(int(key)), batch=100) == 100  # one batch, then the worker is gone
    assert set(_told("became_project")) == set(first_batch) - {leaving.id}

    work(app, burst=True)
    told = _told("became_project")
    assert set(told) == set(ids[1:]) | {proposal.author_id}
    assert set(told.values()) == {1}
    assert db.session.scalar(select(func.count()).select_from(Announcement)) == 0
    run("notify", key)  # asked again after all: nothing more
    assert _told("became_project") == told


def test_two_workers_telling_one_announcement_at_once_tell_each_person_once(app, make_proposal, make_region,
                                                                            make_department, make_user):
    from accounts.notifications import Announcement

    proposal, official, _leaving, ids = _supported_by_many(make_proposal, make_region, make_department, make_user)
    promote_to_project(actor=official, title="Many hands", description="x", department=official.department, lead=official,
                                budget_public_minor=0, start_on=date.today(), target_on=date.today() + timedelta(days=30), proposals=[proposal])
    db.session.commit()
    key = str(db.session.scalar(select(Announcement.id)))
    outcomes = at_once(app, lambda _n: run("notify", key), [1, 2])
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    told = _told("became_project")
    assert set(told) == {*ids, proposal.author_id} and set(told.values()) == {1}


def test_an_account_deleted_while_it_is_being_told_keeps_nothing_of_it(app, make_user, make_region):
    """A resident deletes their account while a batch is about to tell them something (in the app and by mail):
    the batch waits for the deletion and then tells them nothing, so no notification or mail outlives the
    account."""
    import threading

    from accounts.notifications import Announcement, Notification, recipients_of, tell_next

    app.config.update(MINYI_SMTP_HOST="127.0.0.1", MINYI_MAIL_FROM="minyi@example.org")
    leaving = make_user("resident", region=make_region("village"), verified=True, email="leaving@example.org")
    announcement = Announcement(kind="appeal_answered", params={"appeal_id": 1}, recipients=[leaving.id])
    db.session.add(announcement)
    db.session.commit()
    key, deleting = announcement.id, threading.Event()

    def delete():
        from accounts.users import User
        from privacy import personal_data as privacy

        user = db.session.get(User, leaving.id)
        privacy.delete_account(user, actor=user, password="correct horse battery")
        deleting.set()
        # The overlap is the behaviour: the batch arrives while the deletion is still open (it blocks on the
        # deletion's locks, which no event says from outside the database).
        time.sleep(1.5)
        db.session.commit()

    def batch():
        deleting.wait(30)
        tell_next(key, recipients_of(key))

    outcomes = at_once(app, lambda task: task(), [delete, batch])
    assert outcomes == [None, None]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == leaving.id)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutgoingMail).where(
        OutgoingMail.address == "leaving@example.org")) == 0
