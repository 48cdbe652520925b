"""Gunicorn settings for Minyi. Every value can be overridden by an environment variable."""

import multiprocessing
import os

bind = os.environ.get("MINYI_BIND", "127.0.0.1:5000")
# Threads let one worker serve slow clients (kiosks on poor networks) without blocking others.
workers = int(os.environ.get("MINYI_WORKERS", min(multiprocessing.cpu_count() * 2 + 1, 8)))
threads = int(os.environ.get("MINYI_THREADS", 4))
worker_class = "gthread"
timeout = int(os.environ.get("MINYI_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("MINYI_LOG_LEVEL", "info").lower()
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
forwarded_allow_ips = os.environ.get("MINYI_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Load the app before forking: a bad configuration stops the master at once, with its message.
preload_app = True
