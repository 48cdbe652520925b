"""The `minyi kiosk-model` commands: speech models for the kiosks."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from core.db import db
from core.errors import DomainError
from core.storage import uploads
from kiosk_fleet.speech_models import add_model


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
    try:
        model = add_model(actor=None, archive=archive, storage=uploads().area("models"), name=name,
                          language=language, current=not not_current)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(f"{model.name} ({language}), sha256 {model.sha256}, {model.size_bytes} bytes"
               + (", current" if model.current else ""))
