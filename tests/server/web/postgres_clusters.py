"""PostgreSQL clusters of a test's own (initdb, pg_ctl), for what the shared server must not be made to do:
replicate, restart, crash. They run as the ``postgres`` user when the tests run as root (as CI does):
PostgreSQL refuses to run as root."""

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
import pytest

from tests.helpers import free_port

#: Loopback only, no socket file, and no waiting for the disk (a throwaway cluster has nothing to keep).
OPTIONS = "-c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off"


def programs() -> Path:
    """The folder of initdb, pg_ctl and pg_basebackup; the test is skipped without them (failed under CI=true)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    initdb = found[-1] if found else shutil.which("initdb")
    if initdb is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL's server programs (initdb, pg_ctl, pg_basebackup) are not installed")
        pytest.skip("PostgreSQL's server programs are not installed")
    return Path(initdb).parent


class Clusters:
    """A temporary folder of clusters; ``run(program, *args)`` runs a PostgreSQL program as their owner."""

    def __init__(self):
        self.bin = programs()
        self.home = Path(tempfile.mkdtemp(prefix="minyi-clusters-"))
        self.ports: dict[str, int] = {}
        self.extras: dict[str, str] = {}
        self.as_owner = []
        if os.geteuid() == 0:
            shutil.chown(self.home, "postgres")
            self.as_owner = ["runuser", "-u", "postgres", "--"]

    def run(self, program, *args, timeout=120):
        subprocess.run([*self.as_owner, str(self.bin / program), *map(str, args)], check=True, capture_output=True,
                       timeout=timeout)

    def start(self, name: str, extra: str | None = None, port: int | None = None) -> None:
        """Start cluster ``name`` and wait until it takes connections: on its port, with OPTIONS and ``extra``
        (those of its first start when not given). Its output goes to its log: a server writing into our pipe
        would keep ``run`` waiting."""
        port = self.ports.setdefault(name, port or free_port())
        extra = self.extras[name] = extra if extra is not None else self.extras.get(name, "")
        self.run("pg_ctl", "-D", self.home / name, "-l", self.home / f"{name}.log", "-w", "start",
                 "-o", f"-p {port} {OPTIONS} {extra}")

    def create(self, name: str, extra: str | None = None, database: str = "minyi") -> str:
        """A new cluster, started, with an empty ``database``; returns its SQLAlchemy URL."""
        self.run("initdb", "-D", self.home / name, "-A", "trust", "-U", "postgres")
        self.start(name, extra)
        with psycopg.connect(self.url(name, "postgres", plain=True), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        return self.url(name, database)

    def url(self, name: str, database: str = "minyi", plain: bool = False) -> str:
        scheme = "postgresql" if plain else "postgresql+psycopg"
        return f"{scheme}://postgres@127.0.0.1:{self.ports[name]}/{database}"

    def restart(self, name: str, mode: str = "fast") -> None:
        """Stop (``mode``: smart, fast or immediate) and start again, with the options it was started with."""
        self.run("pg_ctl", "-D", self.home / name, "-l", self.home / f"{name}.log", "-m", mode, "-w", "restart")

    def stop(self, name: str, mode: str = "fast") -> None:
        self.run("pg_ctl", "-D", self.home / name, "-m", mode, "-w", "stop")

    def remove(self) -> None:
        """Stop every cluster still running and throw them all away."""
        for pid_file in self.home.glob("*/postmaster.pid"):
            subprocess.run([*self.as_owner, str(self.bin / "pg_ctl"), "-D", str(pid_file.parent), "-m",
                            "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(self.home, ignore_errors=True)
