"""The Minyi web server, grouped by audience: ``public`` pages, ``residents``' pages, ``officials``, ``admin``, the
JSON ``api``, ``open311``, the ``kiosk_api``; ``web`` holds what every page shares, ``forms`` the forms, ``worker``
the background jobs and ``commands`` the ``minyi`` command's work. ``create_app`` builds the app."""

from server.app import create_app

__all__ = ["create_app"]
