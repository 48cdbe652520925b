"""The ``minyi`` command's entry point: Flask's command group around ``create_app``, with the commands of
server.commands, ``shell`` and ``routes``."""

import click
from flask.cli import FlaskGroup, routes_command, shell_command

from server.app import create_app
from server.config import ConfigError


def _create_app():
    try:
        return create_app()
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


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
