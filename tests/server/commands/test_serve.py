"""`minyi serve` (what `make run` and the systemd unit start): gunicorn that really serves, says where, and lets go
of its port as soon as Ctrl+C stops it."""

import os
import signal
import socket
import subprocess
import sys
import urllib.request

import pytest

from tests.helpers import free_port, wait_until


@pytest.fixture
def serve(test_config, _migrated, tmp_path):
    """Start `minyi serve --bind 127.0.0.1:PORT --workers 1` in its own process group, as a terminal would;
    returns (process, port) once it answers /healthz."""
    started = []

    def start(port=None, *options):
        port = port or free_port()
        env = {**os.environ, "MINYI_DATABASE_URL": test_config["SQLALCHEMY_DATABASE_URI"],
               "MINYI_SECRET_KEY": test_config["SECRET_KEY"], "MINYI_INSTANCE_PATH": str(tmp_path)}
        env.pop("MINYI_BIND", None)
        server = subprocess.Popen([sys.executable, "-m", "server", "serve", "--bind", f"127.0.0.1:{port}",
                                   "--workers", "1", *options], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, start_new_session=True)
        started.append(server)

        def answers():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    return response.status == 200
            except OSError:
                assert server.poll() is None, server.stdout.read()
                return False

        wait_until(answers, timeout=30, message="gunicorn did not answer within 30 s", interval=0.3)
        return server, port

    yield start
    for server in started:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
        server.communicate(timeout=30)


def test_serve_answers_health_checks_and_says_the_address_it_bound(serve):
    server, port = serve()
    server.terminate()
    output = server.communicate(timeout=60)[0]
    assert f"Minyi is serving on http://127.0.0.1:{port}/" in output, output
    assert "127.0.0.1:5000" not in output
    assert "Error" not in output, output


def _port_is_free(port):
    # As gunicorn binds (SO_REUSEADDR): a connection of the old server waiting out TIME_WAIT does not count,
    # a socket still listening does.
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_ctrl_c_frees_the_port_at_once_even_with_a_request_half_sent(serve):
    server, port = serve()
    # A client in the middle of sending a request (a browser's open connection looks like this to the server):
    # the worker's thread waits for the rest of it.
    client = socket.create_connection(("127.0.0.1", port))
    client.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    try:
        assert not _port_is_free(port)
        os.killpg(server.pid, signal.SIGINT)  # Ctrl+C in a terminal signals the whole foreground group
        # Without the quick shutdown the port stays taken for gunicorn's graceful_timeout (30 s) or more; the
        # bound leaves room for a machine busy with other tests, where 5 s was once not enough to be scheduled.
        wait_until(lambda: _port_is_free(port), timeout=15, interval=0.1,
                   message="the port was still taken 15 s after Ctrl+C")
        wait_until(lambda: server.poll() is not None, timeout=15, message="minyi serve did not stop")
    finally:
        client.close()
    assert "SIGKILL" not in server.stdout.read()
    # `make run` again serves on the same address straight away.
    serve(port)


def test_with_demo_logins_the_last_words_are_the_address_and_the_logins(app, serve):
    """What `make run` ends with: the address, then the demo logins, not buried under logs."""
    from server.commands.data import demo_command

    assert app.test_cli_runner().invoke(demo_command).exit_code == 0
    server, port = serve(None, "--demo-logins")
    server.terminate()
    output = server.communicate(timeout=60)[0]
    address = output.index(f"Minyi is serving on http://127.0.0.1:{port}/")
    assert address < output.index("Demo logins (password for all: minyi-demo):") < output.index("admin@example.org")
    assert "+8613800138001" in output[address:]
