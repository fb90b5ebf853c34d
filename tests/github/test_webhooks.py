import json
import random
from datetime import datetime, timezone
from pathlib import Path

import pytest

from incidents.github import webhooks
from incidents.github.refs import ISSUE, PULL
from incidents.github.webhooks import (
    BadPayload,
    BadSignature,
    Ignored,
    ItemDeleted,
    ItemState,
    ItemTransferred,
    Ping,
    RepositoryMoved,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SECRET = "It's a Secret to Everybody"
RESULTS = (Ping, ItemState, ItemDeleted, ItemTransferred, RepositoryMoved, Ignored)


def fixture(name) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def payload(name):
    return json.loads(fixture(name))


def utc(text):
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)


# Signatures


def test_sign_and_verify():
    body = fixture("issues__closed")
    header = webhooks.sign(SECRET, body)
    assert header.startswith("sha256=") and len(header) == len("sha256=") + 64
    webhooks.verify(SECRET, body, header)
    webhooks.verify(SECRET, body, header.upper().replace("SHA256=", "sha256="))  # hex digits in either case


def test_known_signature():
    # GitHub's documented example: secret "It's a Secret to Everybody", body "Hello, World!".
    assert webhooks.sign(SECRET, b"Hello, World!") == (
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    )


def test_forged_signature():
    body = fixture("issues__closed")
    with pytest.raises(BadSignature, match="signature does not match"):
        webhooks.verify(SECRET, body, webhooks.sign("another secret", body))


@pytest.mark.parametrize("header", [None, ""])
def test_missing_signature(header):
    with pytest.raises(BadSignature, match="missing X-Hub-Signature-256"):
        webhooks.verify(SECRET, b"{}", header)


def test_wrong_algorithm():
    with pytest.raises(BadSignature, match="not sha256="):
        webhooks.verify(SECRET, b"{}", "sha1=" + "a" * 40)


@pytest.mark.parametrize("digest", ["zz" * 32, "ab" * 31, "ab" * 33, "", "ab" * 31 + " z"])
def test_malformed_hex(digest):
    with pytest.raises(BadSignature, match="not sha256="):
        webhooks.verify(SECRET, b"{}", "sha256=" + digest)


def test_body_changed_after_signing():
    body = fixture("pull_request__closed_merged")
    header = webhooks.sign(SECRET, body)
    changed = bytearray(body)
    changed[len(changed) // 2] ^= 0x01
    with pytest.raises(BadSignature, match="signature does not match"):
        webhooks.verify(SECRET, bytes(changed), header)


# Fixtures


def item(number, kind, state, state_reason, changed_at, action, draft=False):
    return dict(
        owner="acme", repo="api", number=number, kind=kind, state=state, state_reason=state_reason,
        changed_at=utc(changed_at), action=action, draft=draft,
    )


ITEM_STATES = {
    "issues__opened": ("issues", item(42, ISSUE, "open", "", "2026-10-30 14:02:11", "opened")),
    "issues__edited": ("issues", item(42, ISSUE, "open", "", "2026-10-31 08:45:00", "edited")),
    "issues__closed": ("issues", item(42, ISSUE, "closed", "completed", "2026-11-03 16:20:05", "closed")),
    "issues__closed_not_planned": ("issues", item(42, ISSUE, "closed", "not_planned", "2026-11-04 09:00:00", "closed")),
    "issues__reopened": ("issues", item(42, ISSUE, "open", "reopened", "2026-11-05 12:30:00", "reopened")),
    "pull_request__closed_merged": ("pull_request", item(43, PULL, "merged", "", "2026-11-08 15:00:00", "closed")),
    "pull_request__closed_unmerged": ("pull_request", item(43, PULL, "closed", "", "2026-11-09 17:45:30", "closed")),
    "pull_request__reopened": ("pull_request", item(43, PULL, "open", "", "2026-11-10 09:00:00", "reopened")),
    "pull_request__edited": ("pull_request", item(43, PULL, "open", "", "2026-11-02 10:20:00", "edited")),
    "pull_request__ready_for_review": (
        "pull_request", item(43, PULL, "open", "", "2026-11-02 12:00:00", "ready_for_review")
    ),
    "pull_request__converted_to_draft": (
        "pull_request", item(43, PULL, "open", "", "2026-11-02 11:00:00", "converted_to_draft", draft=True)
    ),
}


@pytest.mark.parametrize("name", sorted(ITEM_STATES))
def test_item_states(name):
    event, expected = ITEM_STATES[name]
    result = webhooks.parse(event, fixture(name))
    assert type(result) is ItemState
    assert {field: getattr(result, field) for field in expected} == expected
    assert result.changed_at.tzinfo == timezone.utc
    assert result.title


def test_issue_title():
    result = webhooks.parse("issues", fixture("issues__closed"))
    assert result.title == "Retry storm after cache failover exhausts DB connections"


def test_ping():
    assert webhooks.parse("ping", fixture("ping")) == Ping(zen="Keep it logically awesome.", hook_id=123456789)


def test_issue_transferred():
    assert webhooks.parse("issues", fixture("issues__transferred")) == ItemTransferred(
        owner="acme", repo="api", number=42, new_owner="acme", new_repo="platform", new_number=7
    )


def test_issue_deleted():
    assert webhooks.parse("issues", fixture("issues__deleted")) == ItemDeleted(owner="acme", repo="api", number=42)


def test_repository_renamed():
    assert webhooks.parse("repository", fixture("repository__renamed")) == RepositoryMoved(
        old_owner="acme", old_repo="api-legacy", new_owner="acme", new_repo="api"
    )


def test_repository_transferred_from_a_user():
    assert webhooks.parse("repository", fixture("repository__transferred")) == RepositoryMoved(
        old_owner="octocat", old_repo="api", new_owner="acme", new_repo="api"
    )


def test_repository_transferred_from_an_organization():
    data = payload("repository__transferred")
    data["changes"]["owner"]["from"] = {"organization": {"login": "acme-labs", "id": 77}}
    assert webhooks.parse("repository", json.dumps(data).encode()) == RepositoryMoved(
        old_owner="acme-labs", old_repo="api", new_owner="acme", new_repo="api"
    )


@pytest.mark.parametrize(
    "event, name, reason",
    [
        ("push", "push", "event 'push' is not handled"),
        ("issues", "issues__labeled", "issues action 'labeled' is not handled"),
        ("issue_comment", "issues__opened", "event 'issue_comment' is not handled"),
    ],
)
def test_ignored(event, name, reason):
    assert webhooks.parse(event, fixture(name)) == Ignored(reason)


@pytest.mark.parametrize(
    "event, action", [("pull_request", "synchronize"), ("pull_request", "labeled"), ("repository", "archived")]
)
def test_ignored_actions(event, action):
    data = payload("pull_request__edited" if event == "pull_request" else "repository__renamed")
    data["action"] = action
    assert webhooks.parse(event, json.dumps(data).encode()) == Ignored(f"{event} action {action!r} is not handled")


def test_null_state_reason_and_closed_at():
    data = payload("issues__opened")
    assert data["issue"]["state_reason"] is None and data["issue"]["closed_at"] is None
    del data["issue"]["state_reason"]
    result = webhooks.parse("issues", json.dumps(data).encode())
    assert result.state_reason == "" and result.changed_at == utc("2026-10-30 14:02:11")


def test_timestamp_with_offset_is_utc():
    data = payload("issues__closed")
    data["issue"]["closed_at"] = "2026-11-03T18:20:05+02:00"
    assert webhooks.parse("issues", json.dumps(data).encode()).changed_at == utc("2026-11-03 16:20:05")


# Bad payloads


def changed(name, edit):
    data = payload(name)
    edit(data)
    return json.dumps(data).encode()


STAMP = "Input should be a timestamp like 2026-11-01T09:30:00Z, not"


@pytest.mark.parametrize(
    "event, body, message",
    [
        ("issues", b"{not json", "not JSON"),
        ("issues", b"\xff\xfe\x00garbage", "not JSON"),
        ("issues", b"", "not JSON"),
        ("issues", b"[1, 2, 3]", "not a JSON object"),
        ("ping", b'"zen"', "not a JSON object"),
        ("push", b"[]", "not a JSON object"),
        ("issues", changed("issues__closed", lambda d: d["issue"].pop("number")), "issue.number: Field required"),
        ("issues", changed("issues__closed", lambda d: d["issue"].update(number="42")),
         "issue.number: Input should be a valid integer"),
        ("issues", changed("issues__closed", lambda d: d["issue"].update(number=True)),
         "issue.number: Input should be a valid integer"),
        ("issues", changed("issues__closed", lambda d: d["issue"].update(number=0)),
         "issue.number: Input should be greater than or equal to 1"),
        ("issues", changed("issues__closed", lambda d: d["issue"].update(closed_at="yesterday")),
         f"issue.closed_at: {STAMP} 'yesterday'"),
        ("issues", changed("issues__closed", lambda d: d["issue"].update(closed_at="2026-13-01T00:00:00Z")),
         f"issue.closed_at: {STAMP} '2026-13-01T00:00:00Z'"),
        ("issues", changed("issues__closed", lambda d: d["issue"].update(closed_at="2026-11-01")),
         f"issue.closed_at: {STAMP} '2026-11-01'"),
        ("issues", changed("issues__closed", lambda d: d["issue"].update(updated_at=1700000000)),
         f"issue.updated_at: {STAMP} '1700000000'"),
        ("issues", changed("issues__closed", lambda d: d["issue"].update(closed_at="9999-12-31T23:59:59-23:59")),
         f"issue.closed_at: {STAMP} '9999-12-31T23:59:59-23:59'"),  # past year 9999 once in UTC
        ("issues", changed("issues__closed", lambda d: d["issue"].update(closed_at="2026-11-01T09:30:00+24:00")),
         f"issue.closed_at: {STAMP} '2026-11-01T09:30:00+24:00'"),
        ("issues", changed("issues__closed", lambda d: d["issue"].update(state="done")),
         "issue.state: Input should be 'open' or 'closed'"),
        ("issues", changed("issues__closed", lambda d: d.pop("action")), "action: Field required"),
        ("issues", changed("issues__closed", lambda d: d.update(action=7)), "action: Input should be a valid string"),
        ("issues", changed("issues__closed", lambda d: d.pop("issue")), "issue: Field required"),
        ("issues", changed("issues__closed", lambda d: d.update(issue=[42])), "issue: Input should be a JSON object"),
        ("issues", changed("issues__closed", lambda d: d["repository"].pop("owner")), "repository.owner: Field required"),
        ("issues", changed("issues__closed", lambda d: d["repository"]["owner"].pop("login")),
         "repository.owner.login: Field required"),
        ("issues", changed("issues__closed", lambda d: d["repository"].update(name=None)),
         "repository.name: Input should be a valid string"),
        ("issues", changed("issues__deleted", lambda d: d["issue"].update(number=4.2)),
         "issue.number: Input should be a valid integer"),
        ("issues", changed("issues__transferred", lambda d: d.pop("changes")), "changes: Field required"),
        ("issues", changed("issues__transferred", lambda d: d["changes"]["new_repository"]["owner"].pop("login")),
         "changes.new_repository.owner.login: Field required"),
        ("pull_request", changed("pull_request__closed_merged", lambda d: d["pull_request"].update(merged="yes")),
         "pull_request.merged: Input should be a valid boolean"),
        ("pull_request", changed("pull_request__edited", lambda d: d["pull_request"].update(draft=1)),
         "pull_request.draft: Input should be a valid boolean"),
        ("repository", changed("repository__renamed", lambda d: d.pop("changes")), "changes: Field required"),
        ("repository", changed("repository__renamed", lambda d: d["changes"]["repository"]["name"].pop("from")),
         "changes.repository.name.from: Field required"),
        ("repository", changed("repository__transferred", lambda d: d["changes"]["owner"].update({"from": {}})),
         "changes.owner.from: Input should name the user.login or organization.login"),
        ("ping", changed("ping", lambda d: d.update(hook_id="123")), "hook_id: Input should be a valid integer"),
        ("ping", changed("ping", lambda d: d.pop("zen")), "zen: Field required"),
    ],
)
def test_bad_payload(event, body, message):
    with pytest.raises(BadPayload) as raised:
        webhooks.parse(event, body)
    assert str(raised.value) == message


def test_every_wrong_field_is_named_in_one_message():
    body = changed("issues__closed", lambda d: d["issue"].update(number="42", state=None, title=5))
    with pytest.raises(BadPayload) as raised:
        webhooks.parse("issues", body)
    assert str(raised.value) == ("issue.number: Input should be a valid integer; issue.title: Input should be a valid "
                                 "string; issue.state: Input should be 'open' or 'closed'")


def test_unknown_fields_are_ignored_and_an_ignored_action_is_not_read():
    data = payload("issues__closed")
    data["issue"]["reactions"] = {"+1": "many"}
    data["brand_new_field"] = [None]
    assert webhooks.parse("issues", json.dumps(data).encode()).number == 42
    assert webhooks.parse("issues", json.dumps({"action": "labeled", "issue": "nonsense"}).encode()) == Ignored(
        "issues action 'labeled' is not handled")


def test_bad_payload_is_a_value_error():
    assert issubclass(BadPayload, ValueError)


# Anything at all: BadPayload or a result, never another exception.


def mutations(rng, body):
    """Byte-level damage: truncation, flipped bytes, deleted and duplicated runs."""
    cut = rng.randrange(len(body))
    yield body[:cut]
    flipped = bytearray(body)
    for _ in range(rng.randint(1, 8)):
        flipped[rng.randrange(len(flipped))] = rng.randrange(256)
    yield bytes(flipped)
    start = rng.randrange(len(body))
    yield body[:start] + body[start + rng.randint(1, 40):]
    yield body[:start] + body[start:start + 30] * 3 + body[start:]


ODD_VALUES = [None, True, 0, -1, 2**70, 1.5, "", "x", "2026-02-30T00:00:00Z", "9999-12-31T23:59:59-23:59", [], {}, [1]]


def leaves(value, path=()):
    if isinstance(value, dict):
        for key, child in value.items():
            yield path + (key,)
            yield from leaves(child, path + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield path + (index,)
            yield from leaves(child, path + (index,))


def structural(rng, data):
    """Field-level damage: a field replaced with a value of another type, or removed."""
    data = json.loads(json.dumps(data))
    path = rng.choice(list(leaves(data)))
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    if rng.random() < 0.3 and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = rng.choice(ODD_VALUES)
    return json.dumps(data).encode()


def test_fuzz_never_raises_anything_but_bad_payload():
    rng = random.Random(20261101)
    names = sorted(path.stem for path in FIXTURES.glob("*.json"))
    events = ["ping", "issues", "pull_request", "repository", "push", ""]
    bodies = [b"[" * 100_000, b"{" * 100_000, b"1" * 5000, b'{"action": "\xff"}', b"\x00", b"null", b"NaN"]
    for _ in range(25):
        for name in names:
            body = fixture(name)
            bodies.extend(mutations(rng, body))
            bodies.append(structural(rng, json.loads(body)))
    assert len(bodies) > 500
    outcomes = {"result": 0, "bad": 0}
    for index, body in enumerate(bodies):
        for event in (events[index % len(events)], rng.choice(events[:4])):
            try:
                result = webhooks.parse(event, body)
            except BadPayload:
                outcomes["bad"] += 1
            else:
                assert isinstance(result, RESULTS)
                outcomes["result"] += 1
    assert outcomes["result"] > 50 and outcomes["bad"] > 50
