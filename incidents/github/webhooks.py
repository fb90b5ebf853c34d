"""GitHub webhook deliveries: the signature checked and the payload parsed (pure: no network, no models,
no settings).

``verify`` checks the ``X-Hub-Signature-256`` header against the raw body; ``parse`` turns the
``X-GitHub-Event`` name and the body into one small dataclass that says what happened to an issue, a
pull request or a repository, or ``Ignored`` with the reason. A body that is not a JSON object, or a
handled event that lacks a field it needs (or has it with the wrong type), raises ``BadPayload``; no other
exception leaves ``parse`` whatever the bytes.
"""

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from incidents.github.refs import ISSUE, PULL

SIGNATURE_PREFIX = "sha256="
SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")
# GitHub writes "2026-11-01T09:30:00Z"; an offset or fractional seconds are accepted too, a date alone is not.
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})")


class BadSignature(Exception):
    """The delivery is not signed with our secret (the message says why)."""


class BadPayload(ValueError):
    """The body is not a payload we can read (the message says what is wrong)."""


def sign(secret: str, body: bytes) -> str:
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> None:
    """HMAC-SHA256 of the raw body with the secret, compared in constant time with the header
    'sha256=<hex>'. Raises BadSignature when missing, wrong prefix, malformed hex, or mismatch."""
    if not header:
        raise BadSignature("missing X-Hub-Signature-256")
    header = header.strip()
    if not header.startswith(SIGNATURE_PREFIX):
        raise BadSignature(f"not {SIGNATURE_PREFIX}<hex>: {header.split('=', 1)[0][:20]!r}")
    given = header[len(SIGNATURE_PREFIX):]
    if not SHA256_HEX.fullmatch(given):
        raise BadSignature(f"not {SIGNATURE_PREFIX}<hex>: the digest is not 64 hex digits")
    if not hmac.compare_digest(sign(secret, body)[len(SIGNATURE_PREFIX):], given.lower()):
        raise BadSignature("signature does not match")


@dataclass(frozen=True)
class Ping:
    zen: str
    hook_id: int | None


@dataclass(frozen=True)
class ItemState:
    """An issue or pull request as the event describes it now."""

    owner: str
    repo: str
    number: int
    kind: str  # refs.ISSUE or refs.PULL
    title: str
    state: str  # "open" | "closed" | "merged" (a PR closed with merged true)
    state_reason: str  # issues: GitHub's state_reason ("completed", "not_planned", "reopened", …) or ""; PRs: ""
    changed_at: datetime | None  # aware UTC: closed_at / merged_at for closes and merges, else updated_at
    draft: bool  # PRs only, False for issues
    action: str


@dataclass(frozen=True)
class ItemDeleted:
    owner: str
    repo: str
    number: int


@dataclass(frozen=True)
class ItemTransferred:
    owner: str
    repo: str
    number: int
    new_owner: str
    new_repo: str
    new_number: int


@dataclass(frozen=True)
class RepositoryMoved:
    old_owner: str
    old_repo: str
    new_owner: str
    new_repo: str


@dataclass(frozen=True)
class Ignored:
    reason: str


# Reading fields: a dotted path names the field in every message ("issue.number missing").

_MISSING = object()


def _field(payload, path, required=True):
    value = payload
    for key in path.split("."):
        value = value.get(key, _MISSING) if isinstance(value, dict) else _MISSING
        if value is _MISSING:
            if required:
                raise BadPayload(f"{path} missing")
            return None
    return value


def _text(payload, path, required=True, empty=False):
    value = _field(payload, path, required)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise BadPayload(f"{path} is not a string")
    if not value and not empty:
        raise BadPayload(f"{path} is empty")
    return value


def _number(payload, path, required=True):
    value = _field(payload, path, required)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadPayload(f"{path} is not an integer")
    if value < 1:
        raise BadPayload(f"{path} is not a positive integer")
    return value


def _flag(payload, path):
    """An optional boolean: absent or null is False."""
    value = _field(payload, path, required=False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise BadPayload(f"{path} is not a boolean")
    return value


def _time(payload, path):
    """An optional GitHub timestamp as an aware UTC datetime (absent or null is None)."""
    value = _field(payload, path, required=False)
    if value is None:
        return None
    if not isinstance(value, str) or not TIMESTAMP.fullmatch(value):
        raise BadPayload(f"{path} is not a timestamp: {str(value)[:40]!r}")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise BadPayload(f"{path} is not a timestamp: {value[:40]!r}") from None


def _repository(payload):
    return _text(payload, "repository.owner.login"), _text(payload, "repository.name")


# Handlers: one per event, each given the action and the decoded payload.


def _ping(action, payload):
    return Ping(zen=_text(payload, "zen", empty=True), hook_id=_number(payload, "hook_id", required=False))


def _item_state(payload, key, kind, action):
    owner, repo = _repository(payload)
    state = _text(payload, f"{key}.state")
    if state not in {"open", "closed"}:
        raise BadPayload(f"{key}.state is not 'open' or 'closed': {state[:20]!r}")
    changed_at = _time(payload, f"{key}.updated_at")
    state_reason, draft = "", False
    if kind == ISSUE:
        state_reason = _text(payload, f"{key}.state_reason", required=False, empty=True) or ""
        if action == "closed":
            changed_at = _time(payload, f"{key}.closed_at") or changed_at
    else:
        draft = _flag(payload, f"{key}.draft")
        if action == "closed":
            merged_at = _time(payload, f"{key}.merged_at")
            merged = _flag(payload, f"{key}.merged")
            if merged and state == "closed":
                state = "merged"
            changed_at = (merged_at if merged else None) or _time(payload, f"{key}.closed_at") or changed_at
    return ItemState(
        owner=owner,
        repo=repo,
        number=_number(payload, f"{key}.number"),
        kind=kind,
        title=_text(payload, f"{key}.title", empty=True),
        state=state,
        state_reason=state_reason,
        changed_at=changed_at,
        draft=draft,
        action=action,
    )


ISSUE_STATE_ACTIONS = {"opened", "edited", "closed", "reopened"}
PULL_STATE_ACTIONS = {"opened", "edited", "closed", "reopened", "ready_for_review", "converted_to_draft"}


def _issues(action, payload):
    if action in ISSUE_STATE_ACTIONS:
        return _item_state(payload, "issue", ISSUE, action)
    if action == "deleted":
        owner, repo = _repository(payload)
        return ItemDeleted(owner=owner, repo=repo, number=_number(payload, "issue.number"))
    if action == "transferred":
        owner, repo = _repository(payload)
        return ItemTransferred(
            owner=owner,
            repo=repo,
            number=_number(payload, "issue.number"),
            new_owner=_text(payload, "changes.new_repository.owner.login"),
            new_repo=_text(payload, "changes.new_repository.name"),
            new_number=_number(payload, "changes.new_issue.number"),
        )
    return Ignored(f"issues action {action!r} is not handled")


def _pull_request(action, payload):
    if action in PULL_STATE_ACTIONS:
        return _item_state(payload, "pull_request", PULL, action)
    return Ignored(f"pull_request action {action!r} is not handled")


def _repository_event(action, payload):
    owner, repo = _repository(payload)
    if action == "renamed":
        old_repo = _text(payload, "changes.repository.name.from")
        return RepositoryMoved(old_owner=owner, old_repo=old_repo, new_owner=owner, new_repo=repo)
    if action == "transferred":
        if _field(payload, "changes.owner.from.user", required=False) is not None:
            old_owner = _text(payload, "changes.owner.from.user.login")
        elif _field(payload, "changes.owner.from.organization", required=False) is not None:
            old_owner = _text(payload, "changes.owner.from.organization.login")
        else:
            raise BadPayload("changes.owner.from.user.login missing (nor changes.owner.from.organization.login)")
        return RepositoryMoved(old_owner=old_owner, old_repo=repo, new_owner=owner, new_repo=repo)
    return Ignored(f"repository action {action!r} is not handled")


# event name -> (handler, whether the payload must carry an action)
PARSERS = {
    "ping": (_ping, False),
    "issues": (_issues, True),
    "pull_request": (_pull_request, True),
    "repository": (_repository_event, True),
}


def parse(event: str, body: bytes) -> Ping | ItemState | ItemDeleted | ItemTransferred | RepositoryMoved | Ignored:
    """What the delivery says happened. Raises BadPayload for a body that is not a JSON object, or a
    handled event missing a field it needs (or with the wrong type); never anything else."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError, TypeError):
        raise BadPayload("not JSON") from None
    if not isinstance(payload, dict):
        raise BadPayload("not a JSON object")
    handler = PARSERS.get(event)
    if handler is None:
        return Ignored(f"event {str(event)[:40]!r} is not handled")
    handle, needs_action = handler
    action = _text(payload, "action") if needs_action else ""
    return handle(action, payload)
