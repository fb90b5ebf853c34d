"""gunicorn's settings for `make serve` (``gunicorn -c python:postmortem.gunicorn``), from the environment:
PORT (8000), HOST (0.0.0.0), WEB_CONCURRENCY (2 × CPUs + 1), GUNICORN_THREADS (1), GUNICORN_TIMEOUT (30 s), GUNICORN_MAX_REQUESTS
(1000, with 10 % jitter so workers do not restart together), FORWARDED_ALLOW_IPS (127.0.0.1: the proxy
whose X-Forwarded-* headers are trusted). A value that is not a number stops start-up with its name.

Stopping (SIGTERM to the master, which `manage.py serve` sends): the master stops listening and asks each
worker to finish its request in progress within graceful_timeout (= GUNICORN_TIMEOUT). See post_worker_init
for the listening socket the workers hold."""

import multiprocessing
import os
import signal
import socket


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
# GUNICORN_THREADS > 1: each worker serves that many requests at once in threads (gthread; keeps connections
# alive between requests); 1: one request at a time per worker (sync).
threads = _int("GUNICORN_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"
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


def post_worker_init(worker):
    """A worker asked to stop (SIGTERM) lets go of the listening socket at once, not only when its request in
    progress ends: once the master and the idle workers have let go too, new connections are refused (a
    load balancer tries another node) instead of queueing in the kernel for a worker that will never accept
    them, to be reset when it exits. Only this process's descriptor is replaced (by an unbound socket, so
    the worker's select() wakes up and sees it must stop): on a reload (HUP) the master and the new workers
    keep listening."""

    def handle_exit(signum, frame):
        worker.alive = False
        for listener in worker.sockets:
            with socket.socket(listener.sock.family, socket.SOCK_STREAM) as placeholder:
                os.dup2(placeholder.fileno(), listener.fileno())

    signal.signal(signal.SIGTERM, handle_exit)
    signal.siginterrupt(signal.SIGTERM, False)  # as gunicorn's own handler: a request in progress goes on

# gunicorn 27's control socket (gunicornctl) sits at one path per user ($HOME/.gunicorn/gunicorn.ctl): every
# node and test server on a machine would share it, and nothing here uses it.
control_socket_disable = True
