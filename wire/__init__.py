"""The contract between the kiosk and the server: protocol constants and receipt codes (``protocol``) and the
checks of a speech model archive (``model_archive``). Standard library only; the one thing both sides import."""
