"""The `minyi create-user` and `unlock-user` commands."""

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from accounts import services
from accounts.regions import Department, Region
from core.db import db
from core.errors import DomainError


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
    user = services.find_by_login(identifier, current_app.config["MINYI_PHONE_REGION"])
    if user is None:
        raise click.ClickException(f"No account signs in with {identifier!r}.")
    user.failed_logins, user.locked_until = 0, None
    db.session.commit()
    click.echo(f"Unlocked #{user.id}: {user.login_name}")
