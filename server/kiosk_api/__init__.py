"""The HTTP API the voice kiosks speak (``/api/v1/kiosk``), documented with the JSON API."""
