"""The address people reach the app at, for absolute links outside a page: emails, the outgoing webhook,
exported files. ``POSTMORTEM_BASE_URL`` (or ``SITE_URL``) when set; unset, the scheme, host and port of the
request being served (incidents.web.middleware.SiteMiddleware sets it for the request, the writers store it in
what they queue, so an email sent later by a worker still links where the writer was); with neither (a
command, the reminders' schedule), http://127.0.0.1:$PORT (8000), where `make run` serves."""

import os
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

_request_site = ContextVar("request_site", default="")


def of_request():
    """The configured address, else the current request's ("" outside a request): what a writer stores."""
    return settings.POSTMORTEM_BASE_URL or _request_site.get()


def base(stored=""):
    """The address to link to: the configured one, else ``stored`` (the writer's request's), else the current
    request's, else the local one. Never ends with a slash."""
    url = settings.POSTMORTEM_BASE_URL or stored or _request_site.get() or local()
    return url.rstrip("/")


def local():
    return f"http://127.0.0.1:{os.environ.get('PORT') or 8000}"


@contextmanager
def serving(url):
    """Within this block, ``url`` is the request's address."""
    token = _request_site.set((url or "").rstrip("/"))
    try:
        yield
    finally:
        _request_site.reset(token)
