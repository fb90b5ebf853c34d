"""GET /search-index/snapshot/: this node's current search index generation as a tar stream, for a node that
joins with an empty data directory (incidents.search.peers fetches it; search.snapshot takes it).

Answered by a middleware placed right after the health check's, before ALLOWED_HOSTS and the HTTPS redirect:
peers call each other by address on the internal network (http://10.0.0.2:8000). Only for the bearer of
SEARCH_PEER_TOKEN (compared in constant time): the copy holds every incident's text, drafts included.
Without the setting the path is not there (the app's 404). A wrong or missing token is 403; no index yet, or
a failure while copying, 503 with Retry-After (logged); never a 500.
"""

import hmac
import logging

from django.conf import settings
from django.http import JsonResponse, StreamingHttpResponse

from incidents.search import snapshot

log = logging.getLogger(__name__)
PATH = "/search-index/snapshot/"


def _authorized(request):
    scheme, _space, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    expected = settings.SEARCH_PEER_TOKEN.encode()
    return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), expected)


def _unavailable(detail):
    return JsonResponse({"detail": detail}, status=503, headers={
        "Retry-After": str(settings.POSTMORTEM_RETRY_AFTER_SECONDS), "Cache-Control": "no-store"})


def answer(request):
    if request.method != "GET":
        return JsonResponse({"detail": "Use GET."}, status=405, headers={"Allow": "GET"})
    if not _authorized(request):
        return JsonResponse({"detail": "A valid SEARCH_PEER_TOKEN is required (Authorization: Bearer …)."},
                            status=403, headers={"Cache-Control": "no-store"})
    try:
        staging, engine_name, length = snapshot.stage()
    except snapshot.Unavailable as exc:
        return _unavailable(f"No search index to copy: {exc}.")
    except Exception:
        log.exception("search index snapshot: copying the current generation failed")
        return _unavailable("Copying the search index failed; see this node's log.")
    return StreamingHttpResponse(snapshot.stream(staging), content_type="application/x-tar", headers={
        "Content-Length": str(length), "Cache-Control": "no-store", "X-Search-Engine": engine_name})


class SnapshotMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path not in (PATH, PATH.rstrip("/")) or not settings.SEARCH_PEER_TOKEN:
            return self.get_response(request)
        return answer(request)
