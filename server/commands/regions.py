"""The `minyi regions import-outlines` command: region outlines from a GeoJSON file (e.g. exported from the
county's GIS), matched to regions by the ``code`` property of each feature."""

import click
from flask.cli import with_appcontext

from accounts.geography import import_outlines
from core.db import db
from core.errors import DomainError


@click.group("regions")
def regions_group():
    """Reference data about regions."""


@regions_group.command("import-outlines")
@click.argument("geojson", type=click.File("r", encoding="utf-8"))
@with_appcontext
def import_outlines_command(geojson):
    """Give regions their outlines (and centres) from a GeoJSON FeatureCollection in WGS84 whose features carry
    the region's code in properties.code. All or nothing: one bad feature and none is changed."""
    try:
        count = import_outlines(geojson.read())
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(f"Outlines set for {count} regions.")
