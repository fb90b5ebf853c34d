"""gunicorn's settings for `make serve` (``gunicorn -c python:postmortem.gunicorn``), from the environment:
PORT (8000), HOST (0.0.0.0), WEB_CONCURRENCY (2 × CPUs + 1), GUNICORN_TIMEOUT (30 s), GUNICORN_MAX_REQUESTS
(1000, with 10 % jitter so workers do not restart together), FORWARDED_ALLOW_IPS (127.0.0.1: the proxy
whose X-Forwarded-* headers are trusted). A value that is not a number stops start-up with its name."""

import multiprocessing
import os


def _int(name, default, minimum=1):
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name}={raw!r} is not a whole number.") from None
    if value < minimum:
        raise SystemExit(f"{name}={raw!r} must be at least {minimum}.")
    return value


bind = f"{os.environ.get('HOST', '0.0.0.0')}:{_int('PORT', 8000)}"
workers = _int("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1)
worker_class = "sync"
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = timeout
keepalive = 5
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000, minimum=0)
max_requests_jitter = max_requests // 10
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "postmortem"
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"  # heartbeat files off the disk
