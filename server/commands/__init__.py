"""The work of the ``minyi`` command (server.cli is its entry point): serving, workers, people, data
(demo, generated data at scale, backup and restore, the audit log, the dashboard) and kiosk speech models."""

from server.commands.data import audit_group, backup_command, dashboard_group, demo_command, restore_command
from server.commands.kiosk_models import kiosk_model_group
from server.commands.people import create_user_command, unlock_user_command
from server.commands.regions import regions_group
from server.commands.serving import jobs_group, serve_command, tick_command, worker_command


def register_commands(app) -> None:
    """Add every ``minyi`` command to ``app.cli``."""
    for command in (serve_command, demo_command, create_user_command, unlock_user_command, tick_command,
                    worker_command, jobs_group, dashboard_group, kiosk_model_group, audit_group, backup_command,
                    restore_command, regions_group):
        app.cli.add_command(command)
