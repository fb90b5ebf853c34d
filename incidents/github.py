"""GitHub issue and pull request references: parsing, and reading their state from GitHub's REST API.

A reference is written either as a URL (``https://github.com/OWNER/REPO/issues/N`` or ``.../pull/N``)
or in GitHub's short form ``OWNER/REPO#N``. Anything else is not a GitHub reference (``parse`` returns
None); a link that looks like one but is broken (``/issues/abc``, ``OWNER/REPO#0``) raises ValueError.
"""

import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

OWNER = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})"
REPO = r"[A-Za-z0-9._-]{1,100}"
SHORT_FORM = re.compile(rf"^(?P<owner>{OWNER})/(?P<repo>{REPO})#(?P<number>\S+)$")
ISSUE_PATH = re.compile(rf"^/(?P<owner>{OWNER})/(?P<repo>{REPO})/(?P<kind>issues|pull|pulls)/(?P<number>[^/]+)(?:/.*)?$")
GITHUB_HOSTS = {"github.com", "www.github.com"}

ISSUE, PULL = "issue", "pull"


@dataclass(frozen=True)
class Ref:
    owner: str
    repo: str
    number: int
    kind: str

    @property
    def short(self):
        return f"{self.owner}/{self.repo}#{self.number}"

    @property
    def url(self):
        return f"https://github.com/{self.owner}/{self.repo}/{'pull' if self.kind == PULL else 'issues'}/{self.number}"


def _number(text, original):
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{original!r}: {text!r} is not an issue or pull request number.")
    return int(text)


def looks_like_short_form(text):
    return bool(SHORT_FORM.match(text.strip()))


def parse(text):
    """Parse a GitHub issue/PR URL or short form into a Ref; None when it is not a GitHub reference."""
    text = (text or "").strip()
    short = SHORT_FORM.match(text)
    if short:
        # The short form does not say whether it is an issue or a PR; GitHub redirects either way.
        return Ref(short["owner"], short["repo"], _number(short["number"], text), ISSUE)
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or (parts.hostname or "").lower() not in GITHUB_HOSTS:
        return None
    match = ISSUE_PATH.match(parts.path)
    if not match:
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) >= 3 and segments[2] in {"issues", "pull", "pulls"}:
            raise ValueError(f"{text!r} is not a valid GitHub issue or pull request URL.")
        return None  # a repository, file or other GitHub page: an ordinary link
    kind = ISSUE if match["kind"] == "issues" else PULL
    return Ref(match["owner"], match["repo"], _number(match["number"], text), kind)


class GitHubUnavailable(Exception):
    """GitHub (or the network) failed in a way worth retrying later."""


class GitHubNotFound(Exception):
    """The issue or pull request does not exist, or the token may not see it."""


def _get(path):
    request = urllib.request.Request(
        f"{settings.GITHUB_API_URL}{path}",
        headers={
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "postmortem-knowledge-base",
            **({"Authorization": f"Bearer {settings.GITHUB_TOKEN}"} if settings.GITHUB_TOKEN else {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.GITHUB_TIMEOUT_SECONDS) as response:
            return json.load(response)
    except urllib.error.HTTPError as exc:
        if exc.code in (404, 410):
            raise GitHubNotFound(f"{path}: HTTP {exc.code}") from exc
        if exc.code in (403, 429) or exc.code >= 500:
            raise GitHubUnavailable(f"{path}: HTTP {exc.code}") from exc
        raise
    except (urllib.error.URLError, TimeoutError, ConnectionError, json.JSONDecodeError) as exc:
        raise GitHubUnavailable(f"{path}: {exc}") from exc


def fetch(owner, repo, number):
    """Title, state (open/closed/merged) and kind of one issue or PR, as GitHub reports them now."""
    issue = _get(f"/repos/{owner}/{repo}/issues/{number}")
    state = issue.get("state", "open")
    kind = ISSUE
    if issue.get("pull_request"):
        kind = PULL
        if state == "closed" and (issue["pull_request"].get("merged_at") or _get(f"/repos/{owner}/{repo}/pulls/{number}").get("merged")):
            state = "merged"
    return {"title": (issue.get("title") or "")[:300], "state": state, "kind": kind}
