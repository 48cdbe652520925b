"""The ``minyi`` command: serve, db (migrations), demo, create-user, and Flask's own commands."""

import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, routes_command, shell_command, with_appcontext

ROOT = Path(__file__).resolve().parent.parent


def _create_app():
    from server import create_app
    from server.config import ConfigError

    try:
        return create_app()
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


@click.command("serve")
@click.option("--bind", envvar="MINYI_BIND", default="127.0.0.1:5000", show_default=True, show_envvar=True,
              help="Address and port to listen on.")
@click.option("--workers", type=int, default=None, help="Gunicorn worker processes (MINYI_WORKERS).")
def serve_command(bind, workers):
    """Serve the app with gunicorn (config: deploy/gunicorn.conf.py)."""
    _create_app()  # fail fast, with a clear message, on a bad configuration
    args = [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "deploy" / "gunicorn.conf.py"),
            "--bind", bind]
    if workers:
        args += ["--workers", str(workers)]
    args.append("server.wsgi:app")
    os.execv(sys.executable, args)


@click.command("demo")
@click.option("--force", is_flag=True, help="Load even when MINYI_ENV=production.")
@click.option("--scale", type=click.FloatRange(min=0.0001, max=10), default=None,
              help="Generate a large data set instead, into an empty database: 1 means 100,000 residents and "
                   "proposals, 1,000,000 supports and appeals (0.01 is a hundredth of that).")
@click.option("--seed", type=int, default=20261127, show_default=True, help="With --scale: the same seed, the same data.")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="With --scale: the day the data ends (default today, UTC).")
@with_appcontext
def demo_command(force, scale, seed, as_of):
    """Load bilingual demo data once (regions, departments, users of every role, proposals, appeals)."""
    from server.demo import DEMO_PASSWORD, demo_logins, load_demo

    if current_app.config["MINYI_ENV"] == "production" and not force:
        raise click.ClickException("Refusing to load demo accounts in production (use --force to insist).")
    if scale is not None:
        users = _load_scale(scale, seed, as_of)
    else:
        users = load_demo()
        if users is None:
            users = demo_logins()
            click.echo("Demo data is already loaded.")
            if not users:
                return
        else:
            click.echo("Demo data loaded.")
    click.echo("Demo logins (password for all: %s):" % DEMO_PASSWORD)
    for role, login, name in users:
        click.echo(f"  {role:<10} {login:<28} {name}")


def _load_scale(scale, seed, as_of):
    from datetime import timezone

    from server import scale as generated

    sizes = generated.Sizes.at_scale(scale, seed)
    try:
        generated.ensure_empty()
    except generated.NotEmpty as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Generating {sizes.users:,} residents, {sizes.proposals:,} proposals, {sizes.supports:,} supports "
               f"and {sizes.appeals:,} appeals in {sizes.villages} villages (seed {seed})…")
    try:
        facts = generated.load(sizes, now=as_of.replace(tzinfo=timezone.utc) if as_of else None)
    except generated.NotEmpty as error:
        raise click.ClickException(str(error)) from None
    for step, seconds in facts.timings.items():
        click.echo(f"  {step:<34} {seconds:8.1f} s")
    for what, count in facts.counts.items():
        click.echo(f"  {what:<34} {count:>10,}")
    click.echo(f"Generated in {sum(facts.timings.values()):.0f} s.")
    return facts.logins


@click.command("create-user")
@click.option("--role", type=click.Choice(["resident", "official", "moderator", "admin"]), default="resident",
              show_default=True)
@click.option("--name", "display_name", required=True, help="Display name.")
@click.option("--phone", help="Mobile number (this or --email is required).")
@click.option("--email", help="Email address.")
@click.option("--region", "region_code", help="Region code (a village for residents).")
@click.option("--department", "department_code", help="Department code (required for officials).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Password; asked for when not given.")
@with_appcontext
def create_user_command(role, display_name, phone, email, region_code, department_code, password):
    """Create an account of any role (e.g. the first admin)."""
    from sqlalchemy import select

    from accounts import services
    from accounts.db import db
    from accounts.errors import DomainError
    from accounts.regions import Department, Region

    region = department = None
    if region_code:
        region = db.session.scalar(select(Region).where(Region.code == region_code))
        if region is None:
            raise click.ClickException(f"No region with code {region_code!r}.")
    if department_code:
        department = db.session.scalar(select(Department).where(Department.code == department_code))
        if department is None:
            raise click.ClickException(f"No department with code {department_code!r}.")
    try:
        user = services.create_user(actor=None, role=role, password=password, display_name=display_name,
                                    phone=phone, email=email, region=region, department=department,
                                    phone_region=current_app.config["MINYI_PHONE_REGION"])
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(f"Created {role} #{user.id}: {user.login_name}")


@click.command("unlock-user")
@click.argument("identifier")
@with_appcontext
def unlock_user_command(identifier):
    """Lift the lock on the account with this phone or email (locked after too many wrong passwords), for an
    owner who proved who they are; also when every administrator is locked out."""
    from accounts import services
    from accounts.db import db

    user = services.find_by_login(identifier, current_app.config["MINYI_PHONE_REGION"])
    if user is None:
        raise click.ClickException(f"No account signs in with {identifier!r}.")
    user.failed_logins, user.locked_until = 0, None
    db.session.commit()
    click.echo(f"Unlocked #{user.id}: {user.login_name}")


@click.command("tick")
@with_appcontext
def tick_command():
    """Do all periodic work here and now, without a worker (from cron, or by hand): settle the pledges of
    proposals whose deadline has passed, expire proposals that never qualified, count the dashboard, send the
    mail that is waiting, make WAV recordings smaller. Running it twice changes nothing."""
    from server.jobs import run, undone

    for name, key in undone():
        click.echo(run(name, key))


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop once no job is left (instead of waiting for more).")
@with_appcontext
def worker_command(burst):
    """Do the jobs the app asks for (mail, recordings, settlements, the dashboard): from Redis when
    MINYI_REDIS_URL is set, from the database otherwise. Run one or more per site (deploy/systemd/minyi-worker.service);
    SIGTERM lets the current job finish."""
    from server.jobs import work

    work(current_app._get_current_object(), burst=burst)


@click.group("jobs", invoke_without_command=True)
@click.pass_context
@with_appcontext
def jobs_group(context):
    """What the workers have to do, and what failed."""
    if context.invoked_subcommand is None:
        from server.jobs import status

        for line in status():
            click.echo(line)


@jobs_group.command("retry")
@with_appcontext
def jobs_retry_command():
    """Put every failed job back in the queue."""
    from server.jobs import retry_failed

    click.echo(f"{retry_failed()} failed job(s) queued again.")


@click.group("dashboard")
def dashboard_group():
    """The public dashboard's figures."""


@dashboard_group.command("rebuild")
@with_appcontext
def dashboard_rebuild_command():
    """Count the dashboard's roll-ups again from every appeal and rating (they are kept current as appeals
    change; this is for after restoring a backup or editing the database by hand)."""
    from accounts.db import db
    from proposals.dashboard import Snapshot
    from proposals.rollups import rebuild

    rebuild()
    db.session.query(Snapshot).delete()
    db.session.commit()
    click.echo("Dashboard roll-ups counted again.")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@with_appcontext
def backup_command(file):
    """Write a backup of the database and every uploaded file (photos, kiosk recordings, speech models) to
    FILE, a .tar.gz with a manifest of row counts and checksums. Safe while the server runs."""
    from server.backup import BackupError, backup

    try:
        manifest = backup(file)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backup written to {file}: {sum(manifest['tables'].values())} rows in {len(manifest['tables'])} "
               f"tables, {len(manifest['files'])} files.")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Replace a database that already holds data (the backup's files are "
              "written back; other files are left where they are).")
@with_appcontext
def restore_command(file, replace):
    """Restore a backup made by `minyi backup` into the configured database and upload storage. The whole
    backup is checked first; a database that holds data is only replaced with --replace. Stop the server and
    the workers first."""
    from server.backup import BackupError, restore

    try:
        manifest = restore(file, replace=replace)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored the backup of {manifest['made_at']}: {sum(manifest['tables'].values())} rows, "
               f"{len(manifest['files'])} files (schema {manifest['revision']}).")


@click.group("audit")
def audit_group():
    """The audit log of official actions."""


@audit_group.command("verify")
@with_appcontext
def audit_verify_command():
    """Check that no entry of the audit log was changed, removed or slipped in (each is chained to the one
    before by its hash). Prints the end of the chain: note it down elsewhere now and then, and a later
    verify shows whether the log still leads to it. Exits with 1 when something does not hold."""
    from accounts.audit import verify

    verdict = verify()
    for problem in verdict.problems:
        click.echo(f"NOT INTACT: {problem}", err=True)
    click.echo(f"{verdict.entries} entries; the chain ends at entry {verdict.head_seq}, {verdict.head_hash}")
    if verdict.problems:
        raise SystemExit(1)
    click.echo("The audit log is intact.")


@click.group("kiosk-model")
def kiosk_model_group():
    """Speech models for the kiosks."""


@kiosk_model_group.command("add")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--language", type=click.Choice(["zh_Hans", "en"]), default="zh_Hans", show_default=True,
              help="Kiosks speaking this language install it.")
@click.option("--name", help="Model name (default: the folder inside the archive).")
@click.option("--not-current", is_flag=True, help="Keep it, but leave the kiosks on their current model.")
@with_appcontext
def kiosk_model_add_command(archive, language, name, not_current):
    """Add a Vosk speech model archive (.zip) for the kiosks: checked, kept, and made the current one of its
    language (kiosks install it with `minyi-kiosk model install`)."""
    from accounts.db import db
    from accounts.errors import DomainError
    from accounts.speech_models import add_model
    from accounts.storage import uploads

    try:
        model = add_model(actor=None, archive=archive, storage=uploads().area("models"), name=name,
                          language=language, current=not not_current)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(f"{model.name} ({language}), sha256 {model.sha256}, {model.size_bytes} bytes"
               + (", current" if model.current else ""))


def register_commands(app) -> None:
    for command in (serve_command, demo_command, create_user_command, unlock_user_command, tick_command,
                    worker_command, jobs_group, dashboard_group, kiosk_model_group, audit_group, backup_command,
                    restore_command):
        app.cli.add_command(command)


class MinyiGroup(FlaskGroup):
    """Flask's command group without its generic options (--app, --env-file, --debug) and dev server."""

    def __init__(self, **kwargs):
        super().__init__(create_app=_create_app, add_default_commands=False, add_version_option=False,
                         load_dotenv=False, set_debug_flag=False, **kwargs)
        self.params = [p for p in self.params if p.name not in ("app", "env_file", "debug")]
        self.add_command(shell_command)
        self.add_command(routes_command)


main = MinyiGroup(help="Minyi server administration. Configuration comes from MINYI_* environment variables "
                       "(see the README).")
