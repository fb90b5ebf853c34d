"""The answers when the database is unavailable or the storage is full (incidents.outages): 503 with
Retry-After — JSON ``{"detail": …}`` for the API and for clients that prefer JSON, else the page
templates/503.html, rendered without the database (no user, no session, no messages) in the language the
request asks for. ``server_error`` is the project's handler500: it answers these failures with 503 when
they were raised outside a view (another middleware), anything else with the plain 500 page; ``bad_request``
(handler400) does the same for a session the database could not save (Django reports it as a 400)."""

import logging
import sys

from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import translation
from django.views import defaults

from incidents import outages

log = logging.getLogger(__name__)


def wants_json(request):
    if request.path.startswith("/api/") or request.path.startswith("/healthz"):
        return True
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


def response(request, kind):
    """The 503 for failure ``kind`` (outages.DATABASE or outages.STORAGE)."""
    seconds = outages.retry_after()
    headers = {"Retry-After": str(seconds), "Cache-Control": "no-store"}
    language = translation.get_language_from_request(request)  # the cookie or Accept-Language: no session
    with translation.override(language):
        message = str(outages.MESSAGES[kind])
        if wants_json(request):
            return JsonResponse({"detail": message}, status=503, headers=headers)
        # A plain context (no context processors): nothing in it reads the database.
        page = render_to_string("503.html", {"request": request, "csrf_token": get_token(request),
                                             "message": message, "kind": kind, "retry_after": seconds})
    return HttpResponse(page, status=503, headers=headers)


def answer(request, exc):
    """The 503 for ``exc`` when it is an outage (logged as one line), else None."""
    kind = outages.classify(exc)
    if kind is None:
        return None
    outages.log_refused(log, request, kind, exc)
    return response(request, kind)


def bad_request(request, exception, template_name=defaults.ERROR_400_TEMPLATE_NAME):
    """handler400: a session that could not be saved because the database went away (SessionInterrupted,
    raised from the database error) answers 503; any other bad request the plain 400 page."""
    return answer(request, exception) or defaults.bad_request(request, exception, template_name)


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    """handler500: an outage raised outside a view still answers 503; any other error the page 500.html in
    the request's language, rendered like the 503 (no database, no context processors); should even that
    fail, Django's bare 500."""
    return answer(request, sys.exc_info()[1]) or error_page(request, template_name)


def error_page(request, template_name):
    try:
        with translation.override(translation.get_language_from_request(request)):
            page = render_to_string(template_name, {"request": request, "csrf_token": get_token(request)})
    except Exception:  # the page must not fail in its turn: the error is already logged by django.request
        log.warning("the 500 page could not be rendered; answering the bare one", exc_info=True)
        return HttpResponseServerError("<h1>Server Error (500)</h1>", content_type="text/html")
    return HttpResponseServerError(page)
