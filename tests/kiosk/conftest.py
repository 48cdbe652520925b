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


@pytest.fixture(scope="session")
def pulseaudio():
    """A PulseAudio server (started here when none runs): its null sinks are microphones PortAudio can open."""
    import shutil
    import time

    if shutil.which("pulseaudio") is None or shutil.which("paplay") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pulseaudio and paplay are needed (make system-deps installs them)")
        pytest.skip("pulseaudio is not installed (make system-deps installs it)")
    if subprocess.run(["pactl", "info"], capture_output=True).returncode != 0:
        subprocess.run(["pulseaudio", "-D", "--exit-idle-time=-1", "-n", "--load=module-native-protocol-unix"],
                       check=True, capture_output=True)
        for _ in range(50):
            if subprocess.run(["pactl", "info"], capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
    return True


@pytest.fixture
def microphone(pulseaudio):
    """A virtual microphone of this test's own: play into the sink ``name``, record from ``name.monitor``."""
    import uuid

    name = f"minyi_mic_{uuid.uuid4().hex[:8]}"
    module = subprocess.run(["pactl", "load-module", "module-null-sink", f"sink_name={name}"], check=True,
                            capture_output=True, text=True).stdout.strip()
    yield name
    subprocess.run(["pactl", "unload-module", module], capture_output=True)
