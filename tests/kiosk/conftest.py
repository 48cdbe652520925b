"""Shared by the kiosk tests: the kiosk's command in its own process, with its own data folder."""

import os
import subprocess
import sys

import pytest


@pytest.fixture
def kiosk_env(tmp_path):
    env = dict(os.environ, MINYI_KIOSK_DATA_DIR=str(tmp_path / "kiosk"), MINYI_KIOSK_CONFIG=str(tmp_path / "none.toml"),
               MINYI_KIOSK_RETRY_FIRST_SECONDS="0.01", MINYI_KIOSK_LANGUAGE="en")
    return env


def kiosk_cli(env, *args, check=True):
    result = subprocess.run([sys.executable, "-m", "kiosk.cli", *args], env=env, capture_output=True, text=True,
                            timeout=120)
    if check:
        assert result.returncode == 0, result.stderr
    return result

