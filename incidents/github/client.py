"""GitHub's REST API: reading one issue or pull request, with errors sorted into "retry later" and
"not there". Every outbound GitHub call of the project is in this module."""

import json
import urllib.error
import urllib.request

from django.conf import settings

from .refs import ISSUE, PULL


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
