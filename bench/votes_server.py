"""Cast-vote throughput behind the production server: gunicorn (``deploy/gunicorn.conf.py``) with N workers,
driven by ``wrk`` (a load generator written in C, so the clients take little of the CPU the server needs).

Every connection votes as a different resident: each request carries that resident's signed session cookie and
the CSRF token, exactly as a browser's htmx POST would. Needs ``wrk`` (``apt-get install wrk``)."""

import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# One Lua state per wrk thread: each walks its own list of (path, cookie) votes, never repeating a pair, and
# counts the answers that say the vote was counted (the fragment's "badge-ok") apart from all others.
LUA = r"""
local threads, counter = {}, 1
function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end
function init(args)
  votes, next_vote, ok, refused, errors = {}, 0, 0, 0, 0
  for line in io.lines(args[1] .. "." .. id) do
    local path, cookie = line:match("([^\t]+)\t(.+)")
    table.insert(votes, {path, cookie})
  end
  body = "csrf_token=" .. args[2]
end
function request()
  next_vote = next_vote % #votes + 1
  local vote = votes[next_vote]
  return wrk.format("POST", vote[1], {["Cookie"] = "session=" .. vote[2], ["HX-Request"] = "true",
    ["Content-Type"] = "application/x-www-form-urlencoded", ["Accept-Language"] = "en"}, body)
end
function response(status, headers, body)
  if status == 200 and body:find("badge-ok", 1, true) then ok = ok + 1
  elseif status == 200 then refused = refused + 1
  else errors = errors + 1 end
end
function done(summary, latency, requests)
  local ok_all, refused_all, errors_all = 0, 0, 0
  for _, thread in ipairs(threads) do
    ok_all = ok_all + thread:get("ok")
    refused_all = refused_all + thread:get("refused")
    errors_all = errors_all + thread:get("errors")
  end
  io.write(string.format('WRK {"ok": %d, "refused": %d, "errors": %d, "socket_errors": %d, '
    .. '"seconds": %f, "p50": %f, "p95": %f, "max": %f}\n', ok_all, refused_all, errors_all,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3, latency.max / 1e3))
end
"""


def available() -> bool:
    return shutil.which("wrk") is not None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cookies(app, pool):
    """The signed session cookie of each voter, and the form's CSRF token (one raw token shared by all)."""
    from flask import session
    from flask_wtf.csrf import generate_csrf

    with app.test_request_context():
        token = generate_csrf()
        raw_token = session["csrf_token"]
        serializer = app.session_interface.get_signing_serializer(app)
        cookies = {user_id: serializer.dumps({"_user_id": f"{user_id}:{version}", "_fresh": True,
                                              "csrf_token": raw_token})
                   for user_id, version, _targets in pool}
    return token, cookies


def _wait_for(port, process, limit=60.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped at start (exit code {process.returncode})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start listening within a minute")


def _busy_seconds():
    """CPU seconds all cores have been busy so far (from /proc/stat)."""
    values = [int(v) for v in open("/proc/stat").readline().split()[1:]]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def vote(app, config, workers, pool, clients, seconds):
    """Serve the app with gunicorn and ``workers`` workers, let ``clients`` wrk connections vote for ``seconds``.

    Returns wrk's summary (votes counted, latencies), the failures by kind, and the CPU seconds the machine spent
    on everything but wrk during the run (gunicorn's workers and PostgreSQL, plus whatever else ran)."""
    token, cookies = _cookies(app, pool)
    workdir = Path(tempfile.mkdtemp(prefix="minyi-wrk-"))
    threads = min(clients, os.cpu_count() or 1, 4)
    votes = [(f"/proposals/{pid}/support", cookies[user_id]) for user_id, _v, targets in pool for pid in targets]
    for i in range(threads):
        with open(workdir / f"votes.{i + 1}", "w") as out:
            out.writelines(f"{path}\t{cookie}\n" for path, cookie in votes[i::threads])
    (workdir / "vote.lua").write_text(LUA)

    port = _free_port()
    env = dict(os.environ, MINYI_DATABASE_URL=config["SQLALCHEMY_DATABASE_URI"], MINYI_SECRET_KEY=config["SECRET_KEY"],
               MINYI_LOG_LEVEL="WARNING", MINYI_WORKERS=str(workers), MINYI_BIND=f"127.0.0.1:{port}",
               MINYI_INSTANCE_PATH=os.environ.get("MINYI_INSTANCE_PATH", str(workdir)), PYTHONPATH=str(ROOT))
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", str(ROOT / "deploy" / "gunicorn.conf.py"),
                               "server.wsgi:app"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(workdir / "gunicorn.log", "w"),
                              start_new_session=True)
    try:
        _wait_for(port, server)
        time.sleep(2)  # the workers fork after the master listens
        busy_before, wrk_before = _busy_seconds(), resource.getrusage(resource.RUSAGE_CHILDREN)
        run = subprocess.run(["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{seconds:g}s", "--latency",
                              "--timeout", "30s",
                              "-s", str(workdir / "vote.lua"), f"http://127.0.0.1:{port}", "--",
                              str(workdir / "votes"), token], capture_output=True, text=True, check=True)
        busy_after, wrk_after = _busy_seconds(), resource.getrusage(resource.RUSAGE_CHILDREN)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    line = next((ln for ln in run.stdout.splitlines() if ln.startswith("WRK ")), None)
    if line is None:
        raise RuntimeError("wrk printed no summary:\n" + run.stdout + run.stderr)
    summary = json.loads(line[4:])
    failed = Counter({k: summary[k] for k in ("refused", "errors", "socket_errors") if summary[k]})
    shutil.rmtree(workdir, ignore_errors=True)
    wrk_cpu = wrk_after.ru_utime + wrk_after.ru_stime - wrk_before.ru_utime - wrk_before.ru_stime
    return summary, failed, busy_after - busy_before - wrk_cpu
