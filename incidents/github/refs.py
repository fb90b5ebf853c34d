"""GitHub issue and pull request references, parsed from what people write (pure: no network, no models).

A reference is written either as a URL (``https://github.com/OWNER/REPO/issues/N`` or ``.../pull/N``)
or in GitHub's short form ``OWNER/REPO#N``. Anything else is not a GitHub reference (``parse`` returns
None); a link that looks like one but is broken (``/issues/abc``, ``OWNER/REPO#0``) raises ValueError.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

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
