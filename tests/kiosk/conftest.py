"""Shared by the kiosk tests: the kiosk's command runs in its own process (tests.helpers.kiosk_cli), with its own
data folder."""

import os

import pytest


@pytest.fixture
def kiosk_env(tmp_path):
    env = dict(os.environ, MINYI_KIOSK_DATA_DIR=str(tmp_path / "kiosk"), MINYI_KIOSK_CONFIG=str(tmp_path / "none.toml"),
               MINYI_KIOSK_RETRY_FIRST_SECONDS="0.01", MINYI_KIOSK_LANGUAGE="en")
    return env
