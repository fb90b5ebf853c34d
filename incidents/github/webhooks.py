"""GitHub webhook deliveries: the signature checked and the payload parsed (pure: no network, no database
models, no settings).

``verify`` checks the ``X-Hub-Signature-256`` header against the raw body; ``parse`` turns the
``X-GitHub-Event`` name and the body into one small dataclass that says what happened to an issue, a
pull request or a repository, or ``Ignored`` with the reason. The payload of each handled event and action
is read through a pydantic model (GitHub's other fields ignored). A body that is not a JSON object, or a
handled event whose fields are missing or of the wrong type, raises ``BadPayload`` naming each field
("issue.number: Input should be a valid integer"); no other exception leaves ``parse`` whatever the bytes.
"""

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated, Literal, Optional

from pydantic import (BaseModel, ConfigDict, Field, PlainValidator, StrictBool, StrictInt, StrictStr, ValidationError,
                      model_validator)
from pydantic_core import PydanticCustomError

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


# The payloads, as far as we read them (pydantic models: GitHub's other fields are ignored). Types are
# strict: "42" is not a number, 1 is not a boolean. A field that is absent or null where it is optional
# means "no" or "unknown".

Text = Annotated[StrictStr, Field(min_length=1)]  # a required text that may not be empty
Number = Annotated[StrictInt, Field(ge=1)]  # issue numbers and ids: positive


def _timestamp(value):
    """GitHub's timestamp as an aware UTC datetime; None stays None (absent or null: unknown)."""
    if value is None:
        return None
    if isinstance(value, str) and TIMESTAMP.fullmatch(value):
        try:
            return datetime.fromisoformat(value).astimezone(timezone.utc)  # "Z" is UTC (Python 3.11+)
        except (ValueError, OverflowError):
            pass
    raise PydanticCustomError("timestamp", "Input should be a timestamp like 2026-11-01T09:30:00Z, not {given}",
                              {"given": repr(str(value)[:40])})


Timestamp = Annotated[Optional[datetime], PlainValidator(_timestamp)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Login(_Model):
    login: Text


class Repository(_Model):
    owner: Login
    name: Text


class Envelope(_Model):
    action: Text


class PingPayload(_Model):
    zen: StrictStr
    hook_id: Optional[Number] = None


class Issue(_Model):
    number: Number
    title: StrictStr
    state: Literal["open", "closed"]
    state_reason: Optional[StrictStr] = None
    updated_at: Timestamp = None
    closed_at: Timestamp = None


class PullRequest(_Model):
    number: Number
    title: StrictStr
    state: Literal["open", "closed"]
    draft: Optional[StrictBool] = None
    merged: Optional[StrictBool] = None
    updated_at: Timestamp = None
    closed_at: Timestamp = None
    merged_at: Timestamp = None


class IssuePayload(_Model):
    repository: Repository
    issue: Issue


class PullRequestPayload(_Model):
    repository: Repository
    pull_request: PullRequest


class Numbered(_Model):
    number: Number


class IssueDeletedPayload(_Model):
    repository: Repository
    issue: Numbered


class IssueTransfer(_Model):
    new_repository: Repository
    new_issue: Numbered


class IssueTransferredPayload(_Model):
    repository: Repository
    issue: Numbered
    changes: IssueTransfer


class OldName(_Model):
    from_: Text = Field(alias="from")


class RepositoryRename(_Model):
    name: OldName


class RepositoryRenamed(_Model):
    repository: RepositoryRename


class RepositoryRenamedPayload(_Model):
    repository: Repository
    changes: RepositoryRenamed


class PreviousOwner(_Model):
    """Who owned the repository before: a user or an organization."""

    user: Optional[Login] = None
    organization: Optional[Login] = None

    @model_validator(mode="after")
    def _someone(self):
        if self.user is None and self.organization is None:
            raise PydanticCustomError("owner_missing", "Input should name the user.login or organization.login")
        return self


class OwnerChange(_Model):
    from_: PreviousOwner = Field(alias="from")


class RepositoryTransfer(_Model):
    owner: OwnerChange


class RepositoryTransferredPayload(_Model):
    repository: Repository
    changes: RepositoryTransfer


OBJECT_ERRORS = {"model_type", "model_attributes_type", "dict_type"}


def _explain(error):
    """'issue.number: Input should be a valid integer; …': each wrong field named by its dotted path."""
    parts = []
    for item in error.errors():  # each names a field: only nested models (PreviousOwner) validate themselves
        where = ".".join(str(key) for key in item["loc"])
        parts.append(f"{where}: " + ("Input should be a JSON object" if item["type"] in OBJECT_ERRORS else item["msg"]))
    return "; ".join(parts)


def _read(model, payload):
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise BadPayload(_explain(exc)) from None


# Results: one function per handled (event, action), given the action (None for a ping) and the validated
# payload.


def _ping(action, payload):
    return Ping(zen=payload.zen, hook_id=payload.hook_id)


def _place(payload):
    return payload.repository.owner.login, payload.repository.name


def _issue_state(action, payload):
    issue = payload.issue
    changed_at = issue.updated_at
    if action == "closed":
        changed_at = issue.closed_at or changed_at
    return ItemState(*_place(payload), number=issue.number, kind=ISSUE, title=issue.title, state=issue.state,
                     state_reason=issue.state_reason or "", changed_at=changed_at, draft=False, action=action)


def _pull_state(action, payload):
    pull = payload.pull_request
    state, changed_at = pull.state, pull.updated_at
    if action == "closed":
        merged = bool(pull.merged)
        if merged and state == "closed":
            state = "merged"
        changed_at = (pull.merged_at if merged else None) or pull.closed_at or changed_at
    return ItemState(*_place(payload), number=pull.number, kind=PULL, title=pull.title, state=state,
                     state_reason="", changed_at=changed_at, draft=bool(pull.draft), action=action)


def _issue_deleted(action, payload):
    return ItemDeleted(*_place(payload), number=payload.issue.number)


def _issue_transferred(action, payload):
    new = payload.changes
    return ItemTransferred(*_place(payload), number=payload.issue.number, new_owner=new.new_repository.owner.login,
                           new_repo=new.new_repository.name, new_number=new.new_issue.number)


def _repository_renamed(action, payload):
    owner, repo = _place(payload)
    return RepositoryMoved(old_owner=owner, old_repo=payload.changes.repository.name.from_, new_owner=owner,
                           new_repo=repo)


def _repository_transferred(action, payload):
    owner, repo = _place(payload)
    before = payload.changes.owner.from_
    old_owner = (before.user or before.organization).login
    return RepositoryMoved(old_owner=old_owner, old_repo=repo, new_owner=owner, new_repo=repo)


ISSUE_STATE_ACTIONS = {"opened", "edited", "closed", "reopened"}
PULL_STATE_ACTIONS = {"opened", "edited", "closed", "reopened", "ready_for_review", "converted_to_draft"}

# event name -> {action: (payload model, result)}; a ping carries no action (its key is None).
PARSERS = {
    "ping": {None: (PingPayload, _ping)},
    "issues": {
        **{action: (IssuePayload, _issue_state) for action in ISSUE_STATE_ACTIONS},
        "deleted": (IssueDeletedPayload, _issue_deleted),
        "transferred": (IssueTransferredPayload, _issue_transferred),
    },
    "pull_request": {action: (PullRequestPayload, _pull_state) for action in PULL_STATE_ACTIONS},
    "repository": {
        "renamed": (RepositoryRenamedPayload, _repository_renamed),
        "transferred": (RepositoryTransferredPayload, _repository_transferred),
    },
}


def parse(event: str, body: bytes) -> Ping | ItemState | ItemDeleted | ItemTransferred | RepositoryMoved | Ignored:
    """What the delivery says happened. Raises BadPayload for a body that is not a JSON object, or a
    handled event missing a field it needs (or with the wrong type); never anything else. An event or action
    we do not handle is Ignored before its payload is read."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError, TypeError):
        raise BadPayload("not JSON") from None
    if not isinstance(payload, dict):
        raise BadPayload("not a JSON object")
    actions = PARSERS.get(event)
    if actions is None:
        return Ignored(f"event {str(event)[:40]!r} is not handled")
    action = None if None in actions else _read(Envelope, payload).action
    if action not in actions:
        return Ignored(f"{event} action {action!r} is not handled")
    model, result = actions[action]
    return result(action, _read(model, payload))
