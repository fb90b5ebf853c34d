"""GitHub's REST API: reading one issue or pull request (conditionally, with its ETag) and filing an issue,
with every answer sorted into what the caller does next. Every outbound GitHub call of the project is in
this module.

- 200 → the item (``Remote``); 304 → ``NOT_MODIFIED`` (costs no rate limit).
- 301/302/307/308 → followed, at most three times; the token goes only to the configured API host, never
  to another one. ``Remote.owner``/``repo`` say where the item lives now (a renamed repository).
- 404/410 → GitHubNotFound (gone: not worth asking again).
- 403/429 with ``x-ratelimit-remaining: 0`` or ``retry-after`` → RateLimited(until): every call waits.
- 401, any other 403, 422 → GitHubForbidden (permanent until someone fixes the token or permissions).
- 5xx, timeouts, connection errors, unreadable answers → GitHubUnavailable (retry with backoff).
"""

import datetime
import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.conf import settings

from .refs import ISSUE, PULL

MAX_REDIRECTS = 3
REPOSITORY_URL = re.compile(r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)/?$")
NOT_MODIFIED = "not-modified"


class GitHubError(Exception):
    """GitHub did not give the answer asked for."""


class GitHubUnavailable(GitHubError):
    """GitHub (or the network) failed in a way worth retrying later."""


class RateLimited(GitHubUnavailable):
    """GitHub asked us to wait until ``until`` (aware UTC) before any further call."""

    def __init__(self, message, until):
        super().__init__(message)
        self.until = until


class GitHubNotFound(GitHubError):
    """The issue or pull request does not exist (404), or no longer (410)."""


class GitHubForbidden(GitHubError):
    """GitHub refused for a reason that waiting does not fix (credentials, SAML, permissions, validation)."""


@dataclass(frozen=True)
class Remote:
    owner: str
    repo: str
    number: int
    kind: str
    title: str
    state: str  # open | closed | merged
    state_reason: str
    changed_at: datetime.datetime | None
    etag: str
    html_url: str
    exhausted_until: datetime.datetime | None  # the rate limit is used up until then (x-ratelimit-remaining: 0)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # redirects come back as HTTPError and are followed by _call, which decides about the token


_opener = urllib.request.build_opener(_NoRedirect)


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


def _timestamp(value):
    if not value:
        return None
    try:
        return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return None


def _rate_limit_until(headers):
    """When the answer says we must wait: x-ratelimit-remaining 0 with its reset, or retry-after."""
    retry_after = headers.get("retry-after")
    if retry_after and retry_after.strip().isdigit():
        return _now() + datetime.timedelta(seconds=int(retry_after))
    if headers.get("x-ratelimit-remaining") == "0":
        reset = headers.get("x-ratelimit-reset", "")
        if reset.strip().isdigit():
            return datetime.datetime.fromtimestamp(int(reset), datetime.timezone.utc)
        return _now() + datetime.timedelta(minutes=1)
    return None


def _message(body):
    try:
        return str(json.loads(body or b"{}").get("message", ""))[:200]
    except (ValueError, AttributeError):
        return ""


def _call(method, path, *, data=None, etag=""):
    """(status, headers, decoded JSON or None) for one API call, following redirects safely."""
    base = urlsplit(settings.GITHUB_API_URL)
    url = f"{settings.GITHUB_API_URL}{path}"
    for _ in range(MAX_REDIRECTS + 1):
        same_host = urlsplit(url)[:2] == base[:2]
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "postmortem-knowledge-base",
        }
        if settings.GITHUB_TOKEN and same_host:
            headers["Authorization"] = f"Bearer {settings.GITHUB_TOKEN}"
        if etag:
            headers["If-None-Match"] = etag
        body = json.dumps(data).encode() if data is not None else None
        if body is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=body, headers=headers, method=method)
        try:
            with _opener.open(request, timeout=settings.GITHUB_TIMEOUT_SECONDS) as response:
                return response.status, response.headers, json.load(response)
        except urllib.error.HTTPError as exc:
            status, answer_headers = exc.code, exc.headers
            if status in (301, 302, 307, 308) and answer_headers.get("Location"):
                url = urljoin(url, answer_headers["Location"])
                continue
            if status == 304:
                return status, answer_headers, None
            _raise_for(path, status, answer_headers, exc.read())
        except (urllib.error.URLError, TimeoutError, ConnectionError, ValueError, OSError) as exc:
            raise GitHubUnavailable(f"{path}: {getattr(exc, 'reason', exc)}") from exc
    raise GitHubUnavailable(f"{path}: more than {MAX_REDIRECTS} redirects")


def _raise_for(path, status, headers, body):
    message = _message(body)
    detail = f"{path}: HTTP {status}" + (f" ({message})" if message else "")
    if status in (404, 410):
        raise GitHubNotFound(detail)
    if status in (403, 429):
        until = _rate_limit_until(headers)
        if until is not None:
            raise RateLimited(f"{detail}, rate limited", until)
        if status == 429 or "rate limit" in message.lower():  # a secondary limit may come without headers
            raise RateLimited(detail, _now() + datetime.timedelta(minutes=1))
        raise GitHubForbidden(detail)
    if status in (401, 422) or 400 <= status < 500:
        raise GitHubForbidden(detail)
    raise GitHubUnavailable(detail)


def _remote(issue, headers, owner, repo, number):
    if not isinstance(issue, dict):
        raise GitHubUnavailable(f"/repos/{owner}/{repo}/issues/{number}: not an issue object")
    moved = REPOSITORY_URL.search(urlsplit(str(issue.get("repository_url") or "")).path)
    if moved:
        owner, repo = moved["owner"], moved["repo"]
    state = issue.get("state") or "open"
    kind = ISSUE
    changed_at = _timestamp(issue.get("closed_at")) if state == "closed" else None
    if issue.get("pull_request"):
        kind = PULL
        merged_at = _timestamp((issue["pull_request"] or {}).get("merged_at"))
        if state == "closed" and merged_at is None and "merged_at" not in (issue["pull_request"] or {}):
            _, _, pull = _call("GET", f"/repos/{owner}/{repo}/pulls/{number}")
            merged_at = _timestamp((pull or {}).get("merged_at"))
        if state == "closed" and merged_at:
            state, changed_at = "merged", merged_at
    return Remote(
        owner=owner, repo=repo, number=int(issue.get("number") or number), kind=kind,
        title=str(issue.get("title") or "")[:300], state=state,
        state_reason=str(issue.get("state_reason") or "") if state == "closed" else "",
        changed_at=changed_at or _timestamp(issue.get("updated_at")),
        etag=(headers.get("ETag") or "")[:200], html_url=str(issue.get("html_url") or ""),
        exhausted_until=_rate_limit_until({"x-ratelimit-remaining": headers.get("x-ratelimit-remaining"),
                                           "x-ratelimit-reset": headers.get("x-ratelimit-reset") or ""}),
    )


def fetch(owner, repo, number, etag=""):
    """One issue or PR as GitHub reports it now (a Remote), or NOT_MODIFIED when ``etag`` still holds."""
    status, headers, issue = _call("GET", f"/repos/{owner}/{repo}/issues/{number}", etag=etag)
    if status == 304:
        return NOT_MODIFIED
    return _remote(issue, headers, owner, repo, number)


def create_issue(owner, repo, title, body, labels=()):
    """File a new issue; its Remote (number, html_url, …)."""
    data = {"title": title, "body": body}
    if labels:
        data["labels"] = list(labels)
    _, headers, issue = _call("POST", f"/repos/{owner}/{repo}/issues", data=data)
    return _remote(issue, headers, owner, repo, (issue or {}).get("number") or 0)
