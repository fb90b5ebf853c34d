"""Conditional GETs of incident pages and API documents: an ETag made of what the answer is made of
(``models.stamps``) and of who asks, so an unchanged answer costs one query and a 304, not a render.

Who asks: the user and their permissions (what they may do shows on the page), the language, the session and
the CSRF secret (the page's forms carry tokens made from it; a new sign-in makes new ones), and for the API
the media type and query asked for. A request with a message waiting to be shown ("Saved INC-12.") or
without a CSRF cookie yet is answered in full, with no ETag. An incident the user may not see has no ETag
(the view answers 404, as for a missing one).

The answer is also kept under its ETag in the ``pages`` cache: since the ETag names everything the answer is
made of, the same ETag asked again without If-None-Match (another tab, a client without an HTTP cache) is
answered from there without rendering. What a page is made of is decided by the database on every request;
only the bytes are reused."""

import functools
import hashlib
from pathlib import Path

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers, quote_etag
from django.utils.translation import get_language

from .models import Incident
from .models.stamps import stamp

@functools.cache
def build():
    """This release, as a digest of what renders pages (the code, templates, translations, static files' hashed
    names), read once per process: the same on every node running the same release, new with the next one."""
    base = Path(settings.BASE_DIR)
    files = sorted([*base.glob("incidents/**/*.py"), *base.glob("templates/**/*"), *base.glob("incidents/locale/**/*.mo"),
                    Path(settings.STATIC_ROOT) / "staticfiles.json"])
    digest = hashlib.sha256()
    for path in files:
        if path.is_file():
            digest.update(str(path.relative_to(base) if path.is_relative_to(base) else path.name).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


_configured = {}


def configured():
    """The settings as they are now (those of plain values: a flag such as POSTMORTEM_REVIEW_REQUIRED changes
    what a page shows); paths, which differ between nodes, are not plain values."""
    holder = settings._wrapped  # replaced, never changed in place, when settings are overridden (tests)
    if _configured.get("holder") is not holder:
        plain = (str, int, float, bool, type(None))
        _configured.update(holder=holder, text=repr(sorted((name, value) for name in dir(settings) if name.isupper()
                                                          and isinstance(value := getattr(settings, name), plain))))
    return _configured["text"]


PAGES = "pages"  # the cache alias of kept answers (settings.CACHES)
VARY = ("Cookie", "Authorization", "Accept", "Accept-Language")


def _messages_waiting(request):
    storage = get_messages(request)
    waiting = bool(list(storage))
    storage.used = False  # looked at, not shown: they stay for the page that shows them
    return waiting


def etag(request, pk, kind):
    """The ETag (unquoted) of incident ``pk``'s ``kind`` ("page", "document") for this request, or None."""
    user = request.user
    if not user.is_authenticated or request.method not in ("GET", "HEAD"):
        return None
    if kind == "page" and (not request.META.get("CSRF_COOKIE") or _messages_waiting(request)):
        return None
    number = str(pk).upper().removeprefix("INC-")
    if not number.isdigit():
        return None
    state = stamp(Incident.objects.visible_to(user), int(number))
    if state is None:
        return None
    permissions = ",".join(sorted(user.get_all_permissions()))  # read for visible_to already: no query
    session = getattr(request, "session", None)
    who = [str(user.pk), permissions, get_language() or "", getattr(session, "session_key", "") or "",
           request.META.get("CSRF_COOKIE", "") if kind == "page" else request.META.get("HTTP_ACCEPT", ""),
           request.GET.urlencode()]
    text = "\x1f".join([build(), configured(), kind, state, *who])
    return f"{kind}-{hashlib.sha256(text.encode()).hexdigest()[:40]}"


def _finish(response, tag):
    response.headers["ETag"] = quote_etag(tag)
    patch_cache_control(response, private=True, no_cache=True)  # asked again before every reuse
    patch_vary_headers(response, VARY)
    return response


def keep(response):
    """Render ``response`` and keep it under the ETag ``conditional`` gave it (nothing without one)."""
    tag = getattr(response, "keep_as", None)
    if tag is not None:
        if callable(getattr(response, "render", None)) and not response.is_rendered:
            response.render()
        caches[PAGES].set(tag, (response["Content-Type"], response.content))
    return response


def conditional(kind, pk_argument):
    """A view decorator: ETag on the answer, 304 when the client's copy is current, the kept answer when the
    cache has it."""

    def decorate(view):
        def wrapped(request, *args, **kwargs):
            tag = etag(request, kwargs[pk_argument], kind)
            if tag is None:
                return view(request, *args, **kwargs)
            unchanged = get_conditional_response(request, etag=quote_etag(tag))
            if unchanged is not None:
                return _finish(unchanged, tag)
            kept = caches[PAGES].get(tag)
            if kept is not None:
                return _finish(HttpResponse(kept[1], content_type=kept[0]), tag)
            response = view(request, *args, **kwargs)
            if response.status_code != 200:
                return response
            response.keep_as = tag
            if not hasattr(response, "data"):  # a DRF Response is rendered once finalized: keep() then
                keep(response)
            return _finish(response, tag)

        wrapped.__name__, wrapped.__doc__, wrapped.__wrapped__ = view.__name__, view.__doc__, view
        return wrapped

    return decorate
