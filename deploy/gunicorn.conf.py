"""Gunicorn settings for Minyi. Every value can be overridden by an environment variable."""

import multiprocessing
import os
import signal
import sys


def _int(name, default):
    value = os.environ.get(name, "").strip()
    try:
        return int(value) if value else default
    except ValueError:
        sys.exit(f"{name} must be a whole number, not {value!r}.")


bind = os.environ.get("MINYI_BIND", "127.0.0.1:5000")
# Threads let one worker serve slow clients (kiosks on poor networks) without blocking others.
workers = _int("MINYI_WORKERS", min(multiprocessing.cpu_count() * 2 + 1, 8))
threads = _int("MINYI_THREADS", 4)
worker_class = "gthread"
timeout = _int("MINYI_TIMEOUT", 60)
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("MINYI_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Load the app before forking: a bad configuration stops the master at once, with its message.
preload_app = True
# Gunicorn 23+ opens a control socket under $HOME; Minyi does not use it, and the service's home is read-only.
control_socket_disable = True

# One log format for gunicorn and the app: "time level [pid] logger: message", on stderr.
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
loglevel = os.environ.get("MINYI_LOG_LEVEL", "info").lower()
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"minyi": {"format": "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "minyi", "stream": "ext://sys.stderr"}},
    "root": {"level": loglevel.upper(), "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": loglevel.upper(), "propagate": False},
        "gunicorn.access": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}


def when_ready(server):
    # The sockets really bound: --bind on the command line (`minyi serve --bind`) overrides ``bind`` above, and
    # port 0 gets a port from the system.
    addresses = ", ".join(f"{listener}/" for listener in server.LISTENERS)
    note = os.environ.get("MINYI_READY_NOTE")  # `minyi serve --demo-logins` (server/commands/serving.py)
    print(f"\nMinyi is serving on {addresses}  (Ctrl+C stops it)" + (f"\n\n{note}\n" if note else ""), flush=True)


def _quit_now(signum, frame):
    os._exit(0)


def post_worker_init(worker):
    # Ctrl+C (SIGINT) and SIGQUIT are gunicorn's quick shutdown, and the worker ends at once, dropping its
    # connections. Gunicorn's own handler neither does it at once (left to Python's usual exit, a worker waits for
    # a thread reading a request a client has half sent, a browser's open connection, until the master kills it
    # after graceful_timeout) nor safely: it shuts the thread pool down under a lock, and the second signal of a
    # Ctrl+C (the terminal's SIGINT, then the master's SIGQUIT) arriving meanwhile, or a signal arriving while the
    # worker holds that lock to hand a connection to a thread, waited on that lock for ever. The port stayed taken
    # for 30 s or more. SIGTERM (systemd's stop) still lets requests finish.
    signal.signal(signal.SIGINT, _quit_now)
    signal.signal(signal.SIGQUIT, _quit_now)


def pre_fork(server, worker):
    # The loaded app (modules, templates, translations) lives as long as the process: moved out of the
    # collector's sight, it is neither copied into every worker by the collector touching it, nor walked by
    # every full collection, which otherwise paused requests that make many objects (similar appeals compare
    # thousands) by 50 to 150 ms (docs/performance.md).
    import gc

    gc.freeze()
