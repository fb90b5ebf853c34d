import logging

from django.conf import settings
from django.contrib import auth
from django.core.exceptions import DisallowedHost
from django.db import DatabaseError
from django.http import JsonResponse
from django.middleware import locale
from django.urls import Resolver404, resolve, reverse

from incidents import sites
from incidents.actions import preferences
from incidents.web import health, unavailable

log = logging.getLogger(__name__)


class HealthCheckMiddleware:
    """GET /healthz for the load balancer: answered first, so neither ALLOWED_HOSTS (a probe may send the
    node's address as Host) nor the HTTPS redirect applies to it. 200 when healthy, else 503."""

    PATH = "/healthz"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path not in (self.PATH, self.PATH + "/"):
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return JsonResponse({"detail": "Use GET."}, status=405, headers={"Allow": "GET, HEAD"})
        status, body = health.report()
        return JsonResponse(body, status=status, headers={"Cache-Control": "no-store"})


class BodySizeLimitMiddleware:
    """Refuse request bodies over POSTMORTEM_MAX_BODY_BYTES with 413 before anything reads them; the upload
    endpoints of the importer (UPLOAD_URL_NAMES) allow POSTMORTEM_MAX_UPLOAD_BYTES instead, those adding an
    attachment (ATTACHMENT_URL_NAMES) POSTMORTEM_MAX_ATTACHMENT_BYTES."""

    UPLOAD_URL_NAMES = ("api-imports", "incident-import")
    # Attachments: one file of POSTMORTEM_MAX_ATTACHMENT_BYTES (the view answers 413 for a larger file), and
    # the rest of the form around it.
    ATTACHMENT_URL_NAMES = ("api-attachment-list", "incident-attachment-add")
    MULTIPART_ALLOWANCE = 64 * 1024

    @staticmethod
    def _url_name(request):
        try:
            return resolve(request.path_info).url_name
        except Resolver404:
            return None

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse({"detail": "Content-Length is not a number."}, status=400)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if length > limit and request.path in {reverse(name) for name in self.UPLOAD_URL_NAMES}:
            limit = settings.POSTMORTEM_MAX_UPLOAD_BYTES
        elif length > limit and self._url_name(request) in self.ATTACHMENT_URL_NAMES:
            limit = settings.POSTMORTEM_MAX_ATTACHMENT_BYTES + self.MULTIPART_ALLOWANCE
        if length > limit:
            return JsonResponse({"detail": f"Request body is {length} bytes; the limit is {limit}."}, status=413)
        return self.get_response(request)


class OutageMiddleware:
    """A view (or its template) that fails because the database is unavailable or the storage is full
    answers 503 with Retry-After (incidents.web.unavailable), not 500. Failures raised in other middleware
    reach handler500 (postmortem.urls), which answers them the same way."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return unavailable.answer(request, exception)


class SiteMiddleware:
    """While a request is served, its scheme, host and port are the app's address for links that leave the
    page (emails, exports) unless POSTMORTEM_BASE_URL says otherwise (incidents.sites). After CommonMiddleware,
    so the host has passed ALLOWED_HOSTS."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            url = request.build_absolute_uri("/")
        except DisallowedHost:
            url = ""
        with sites.serving(url):
            return self.get_response(request)


class LocaleMiddleware(locale.LocaleMiddleware):
    """Django's LocaleMiddleware (the request's language from the cookie set by /i18n/setlang/, else the
    browser's), which also remembers the language a signed-in user last used on the site: their emails are
    written in it unless they chose one (incidents.actions.preferences). Cheap: the session holds the
    language last recorded, so the database is asked only when the request's language differs from it (a new
    session, or the language switched), and written only when the stored one differs. Recorded on the way
    out (request.user is set by then), for people signed in on the site only (an API call with a token neither
    says which language a person reads nor gets a session); a failure to record is logged, never the answer
    (the next request tries again)."""

    SESSION_KEY = "_language_recorded"

    def process_response(self, request, response):
        response = super().process_response(request, response)
        self.record(request)
        return response

    def record(self, request):
        user, language = getattr(request, "user", None), getattr(request, "LANGUAGE_CODE", "")
        session = getattr(request, "session", None)
        if user is None or not user.is_authenticated or session is None or session.get(self.SESSION_KEY) == language:
            return
        if session.get(auth.SESSION_KEY) is None:  # signed in by an API token, not on the site: not the UI's language
            return
        try:
            preferences.record_ui_language(user, language)
        except DatabaseError as exc:
            log.warning("could not record the language of %s: %s", user, exc)
            return
        session[self.SESSION_KEY] = language
