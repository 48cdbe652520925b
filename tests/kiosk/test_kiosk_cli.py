"""The kiosk command exists and reports its version."""

import subprocess
import sys

from kiosk import __version__


def test_minyi_kiosk_prints_its_version():
    result = subprocess.run([sys.executable, "-m", "kiosk.cli", "--version"], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.strip() == f"minyi-kiosk {__version__}"
