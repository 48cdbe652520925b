"""The server's records of its voice kiosks: enrolment, device tokens, heartbeats, receipt prefixes, and the speech
models kiosks install. (The kiosk client itself is the top-level ``kiosk`` package.)"""
