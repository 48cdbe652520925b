"""``python -m server`` is the ``minyi`` command."""

from server.cli import main

main()
