"""The `minyi serve`, `worker`, `tick` and `jobs` commands: the server and the background work."""

import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from server.commands.demo import demo_logins as logins
from server.commands.demo import login_lines
from server.worker.tasks import retry_failed, run, status, undone, work

ROOT = Path(__file__).resolve().parent.parent.parent
#: Text gunicorn's when_ready prints under the address (deploy/gunicorn.conf.py reads it).
READY_NOTE = "MINYI_READY_NOTE"


@click.command("serve")
@click.option("--bind", envvar="MINYI_BIND", default="127.0.0.1:5000", show_default=True, show_envvar=True,
              help="Address and port to listen on.")
@click.option("--workers", type=int, default=None, help="Gunicorn worker processes (MINYI_WORKERS).")
@click.option("--demo-logins", is_flag=True, help="Once serving, print the demo logins under the address "
              "(what `make run` does).")
@with_appcontext
def serve_command(bind, workers, demo_logins):
    """Serve the app with gunicorn (config: deploy/gunicorn.conf.py)."""
    # with_appcontext has built the app: a bad configuration fails here, with a clear message
    args = [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "deploy" / "gunicorn.conf.py"),
            "--bind", bind]
    found = logins() if demo_logins else []
    if found:
        # Printed by the config's when_ready, after "serving on": the last thing `make run` shows.
        os.environ[READY_NOTE] = "\n".join(login_lines(found))
    if workers:
        args += ["--workers", str(workers)]
    args.append("server.wsgi:app")
    os.execv(sys.executable, args)


@click.command("tick")
@with_appcontext
def tick_command():
    """Do all periodic work here and now, without a worker (from cron, or by hand): settle the pledges of
    proposals whose deadline has passed, expire proposals that never qualified, close budget voting after its last
    day and count the cycles, count the dashboard, send the mail that is waiting, make WAV recordings smaller.
    Running it twice changes nothing."""
    for name, key in undone():
        click.echo(run(name, key))


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop once no job is left (instead of waiting for more).")
@with_appcontext
def worker_command(burst):
    """Do the jobs the app asks for (mail, recordings, settlements, the dashboard): from Redis when
    MINYI_REDIS_URL is set, from the database otherwise. Run one or more per site (deploy/systemd/minyi-worker.service);
    SIGTERM lets the current job finish."""
    work(current_app._get_current_object(), burst=burst)


@click.group("jobs", invoke_without_command=True)
@click.pass_context
@with_appcontext
def jobs_group(context):
    """What the workers have to do, and what failed."""
    if context.invoked_subcommand is None:
        for line in status():
            click.echo(line)


@jobs_group.command("retry")
@with_appcontext
def jobs_retry_command():
    """Put every failed job back in the queue."""
    click.echo(f"{retry_failed()} failed job(s) queued again.")
