"""deploy/kiosk/setup.sh for real, on this (non-Pi) machine: under --prefix, without apt, for the current user. It
makes the kiosk's own venv and pip-installs .[kiosk] from the checkout, once per run (shared by xdist workers), then
runs a second time; the tests read what it left. Under CI=true nothing here is skipped."""

import fcntl
import json
import os
import pwd
import shutil
import subprocess
import sys
import tomllib
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SETUP = REPO / "deploy" / "kiosk" / "setup.sh"
USER = pwd.getpwuid(os.getuid()).pw_name
HOME = pwd.getpwuid(os.getuid()).pw_dir
SERVER_ONLY = ["SQLAlchemy", "Flask-SQLAlchemy", "psycopg", "boto3", "rq", "redis", "gunicorn", "Flask-Login"]
EDITED = "# a setting the kiosk's keeper changed between the two runs\n"


def _environment():
    """The caller's environment without what would point the script's Python at the test venv."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")}
    bin_dir = str(Path(sys.prefix) / "bin")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != bin_dir)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def run_setup(*args, env=None, timeout=1200):
    return subprocess.run(["bash", str(SETUP), *args], capture_output=True, text=True, timeout=timeout,
                          env=env or _environment(), cwd="/")


def _needs():
    missing = [tool for tool in ("bash", "python3") if shutil.which(tool, path=_environment()["PATH"]) is None]
    if missing:
        reason = f"{', '.join(missing)} missing: the kiosk setup cannot be tried here"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The prefix of one real setup (run twice; the config edited in between), and what each run said."""
    _needs()
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # shared by the workers: one install per run, not one per worker
    prefix, result_file = base / "kiosk-setup", base / "kiosk-setup.json"
    with open(base / "kiosk-setup.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not result_file.exists():
            runs = []
            first = run_setup("--prefix", str(prefix), "--no-apt", "--user", USER)
            runs.append({"returncode": first.returncode, "output": first.stdout + first.stderr})
            if first.returncode == 0:
                with open(prefix / "etc/minyi-kiosk/config.toml", "a") as config:
                    config.write(EDITED)
                second = run_setup("--prefix", str(prefix), "--no-apt", "--user", USER)
                runs.append({"returncode": second.returncode, "output": second.stdout + second.stderr})
            result_file.write_text(json.dumps(runs))
    runs = json.loads(result_file.read_text())
    assert runs[0]["returncode"] == 0, runs[0]["output"]
    return prefix, runs


def venv_python(prefix, code):
    """Run code with the kiosk venv's Python, away from the checkout (so nothing is imported from it)."""
    return subprocess.run([str(prefix / "opt/minyi/.venv/bin/python"), "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=prefix, env=_environment())


def test_setup_runs_a_second_time(installed):
    _, runs = installed
    assert len(runs) == 2 and runs[1]["returncode"] == 0, runs[-1]["output"]


def test_the_kiosk_command_and_its_libraries_are_in_its_own_venv(installed):
    prefix, _ = installed
    assert os.access(prefix / "opt/minyi/.venv/bin/minyi-kiosk", os.X_OK)
    done = venv_python(prefix, "import kiosk.cli, vosk, sounddevice, requests, sys; print(kiosk.cli.__file__);"
                               "print(sys.prefix)")
    assert done.returncode == 0, done.stderr
    module_file, venv_prefix = done.stdout.split()
    assert Path(module_file).is_relative_to(prefix / "opt/minyi/kiosk")
    assert Path(venv_prefix) == prefix / "opt/minyi/.venv"


def test_the_venv_is_made_not_copied_and_sees_no_system_packages(installed):
    prefix, _ = installed
    cfg = (prefix / "opt/minyi/.venv/pyvenv.cfg").read_text()
    assert "include-system-site-packages = false" in cfg
    assert str(REPO / ".venv") not in cfg
    assert not (prefix / "opt/minyi/.git").exists()


@pytest.mark.parametrize("distribution", SERVER_ONLY)
def test_none_of_the_servers_libraries_is_installed(installed, distribution):
    prefix, _ = installed
    done = venv_python(prefix, "import importlib.metadata as m\ntry:\n m.version(%r)\nexcept m.PackageNotFoundError:\n"
                               " print('not installed')\nelse:\n print('installed')" % distribution)
    assert done.stdout.strip() == "not installed", done.stdout + done.stderr


def test_the_kiosk_translations_are_compiled_in_the_copy(installed):
    prefix, _ = installed
    catalog = prefix / "opt/minyi/kiosk/translations/zh_Hans/LC_MESSAGES/messages.mo"
    done = venv_python(prefix, f"import gettext; print(len(gettext.GNUTranslations(open({str(catalog)!r}, 'rb'))"
                               "._catalog))")
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 10


def test_the_config_and_the_user_units_are_in_place(installed):
    prefix, _ = installed
    config_file = prefix / "etc/minyi-kiosk/config.toml"
    config = tomllib.loads(config_file.read_text())
    assert config["data_dir"] == str(prefix / "var/lib/minyi-kiosk")
    assert config_file.read_text().endswith(EDITED), "the second run replaced the kiosk's settings"
    data_dir = prefix / "var/lib/minyi-kiosk"
    assert (data_dir / "models").is_dir() and data_dir.stat().st_mode & 0o777 == 0o700
    units = prefix / HOME.lstrip("/") / ".config/systemd/user"
    service = (units / "minyi-kiosk.service").read_text()
    assert f"ExecStart={prefix}/opt/minyi/.venv/bin/minyi-kiosk serve" in service
    assert f"MINYI_KIOSK_CONFIG={config_file}" in service
    assert "http://127.0.0.1:8080/" in (units / "minyi-kiosk-screen.service").read_text()


def test_a_user_who_does_not_exist_is_refused_before_anything_is_done(tmp_path):
    _needs()
    nobody = f"nosuchuser{uuid.uuid4().hex[:8]}"
    done = run_setup("--prefix", str(tmp_path / "kiosk"), "--no-apt", "--user", nobody)
    assert done.returncode != 0
    assert f"setup.sh: user {nobody} does not exist" in done.stderr
    assert not (tmp_path / "kiosk").exists()


def test_every_problem_is_said_on_its_own_line(tmp_path):
    _needs()
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    old_python = fake_bin / "python3"
    old_python.write_text('#!/bin/sh\ncase "$2" in *platform*) echo 3.9.2 ;; *) exit 1 ;; esac\n')
    old_python.chmod(0o755)
    env = _environment()
    env["PATH"] = f"{fake_bin}{os.pathsep}{env['PATH']}"
    done = run_setup("--prefix", str(tmp_path / "kiosk"), "--no-apt", "--user", "nosuchuser", env=env)
    assert done.returncode != 0
    lines = done.stderr.splitlines()
    assert any("user nosuchuser does not exist" in line for line in lines), done.stderr
    assert any("python3 is 3.9.2" in line and "3.11" in line for line in lines), done.stderr
    assert lines[-1] == "setup.sh: nothing was changed."
    assert not (tmp_path / "kiosk").exists()


def test_an_unknown_option_shows_the_usage():
    done = run_setup("--frobnicate")
    assert done.returncode == 2
    assert "unknown option --frobnicate" in done.stderr and "usage:" in done.stderr
