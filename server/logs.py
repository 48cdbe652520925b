"""Logging to stderr in one standard line format, for journald, docker and gunicorn alike."""

import logging
import sys

FORMAT = "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"


def configure_logging(app) -> None:
    root = logging.getLogger()
    if not any(getattr(h, "_minyi", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT))
        handler._minyi = True
        root.addHandler(handler)
    root.setLevel(app.config["MINYI_LOG_LEVEL"])
    # Flask's own handler would print every message twice.
    app.logger.handlers.clear()
    app.logger.propagate = True
