"""The `minyi demo`, `backup`, `restore`, `audit verify` and `dashboard rebuild` commands."""

from datetime import timezone
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from appeals.dashboard import Snapshot
from appeals.rollups import rebuild
from core.audit import verify
from core.db import db
from server.commands import scale as generated
from server.commands.backup import BackupError, backup, restore
from server.commands.demo import demo_logins, load_demo, login_lines


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
    for line in login_lines(users):
        click.echo(line)


def _load_scale(scale, seed, as_of):
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


@click.group("dashboard")
def dashboard_group():
    """The public dashboard's figures."""


@dashboard_group.command("rebuild")
@with_appcontext
def dashboard_rebuild_command():
    """Count the dashboard's roll-ups again from every appeal and rating (they are kept current as appeals
    change; this is for after restoring a backup or editing the database by hand)."""
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
    verdict = verify()
    for problem in verdict.problems:
        click.echo(f"NOT INTACT: {problem}", err=True)
    click.echo(f"{verdict.entries} entries; the chain ends at entry {verdict.head_seq}, {verdict.head_hash}")
    if verdict.problems:
        raise SystemExit(1)
    click.echo("The audit log is intact.")
