"""The Minyi voice kiosk (Raspberry Pi client). It talks to the server over HTTP only."""

__version__ = "0.1.0"
