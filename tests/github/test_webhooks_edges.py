"""incidents.github.webhooks at its edges: optional fields (absent or null), empty texts, the smallest
number, the time a closed item reports, and the exact messages of BadPayload and BadSignature (what GitHub's
delivery page and our log show). Written against the mutants `make mutation PKG=webhooks` found alive
(docs/mutation-testing.md)."""

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from incidents.github import webhooks
from incidents.github.webhooks import BadPayload, BadSignature, Ignored, Ping, RepositoryMoved

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def payload(name):
    return json.loads((FIXTURES / f"{name}.json").read_bytes())


def parse(event, data):
    return webhooks.parse(event, json.dumps(data).encode())


def utc(text):
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)


def bad(event, data, message):
    with pytest.raises(BadPayload) as raised:
        parse(event, data) if isinstance(data, dict) else webhooks.parse(event, data)
    assert str(raised.value) == message


# Optional fields: absent or null is allowed, and means "no" or "unknown".


def test_a_ping_without_hook_id_and_with_an_empty_zen():
    data = payload("ping")
    del data["hook_id"]
    data["zen"] = ""
    assert parse("ping", data) == Ping(zen="", hook_id=None)


@pytest.mark.parametrize("absent", [True, False])
def test_a_pull_request_without_draft_or_merged_is_not_a_draft_and_not_merged(absent):
    data = payload("pull_request__closed_unmerged")
    for field in ("draft", "merged"):
        if absent:
            del data["pull_request"][field]
        else:
            data["pull_request"][field] = None
    result = parse("pull_request", data)
    assert (result.state, result.draft) == ("closed", False)
    assert result.changed_at == utc("2026-11-09 17:45:30")


def test_an_issue_without_any_time_has_no_change_time():
    data = payload("issues__opened")
    del data["issue"]["updated_at"], data["issue"]["closed_at"]
    assert parse("issues", data).changed_at is None


def test_a_closed_issue_without_closed_at_falls_back_to_updated_at():
    data = payload("issues__closed")
    del data["issue"]["closed_at"]
    assert parse("issues", data).changed_at == utc("2026-11-03 16:20:06")


def test_an_empty_state_reason_is_no_reason():
    data = payload("issues__closed")
    data["issue"]["state_reason"] = ""
    result = parse("issues", data)
    assert (result.state, result.state_reason) == ("closed", "")


# Which time a closed pull request reports.


def test_a_merged_pull_request_reports_when_it_was_merged_not_closed():
    data = payload("pull_request__closed_merged")
    data["pull_request"].update(merged_at="2026-11-08T14:59:00Z", closed_at="2026-11-08T15:00:00Z")
    result = parse("pull_request", data)
    assert (result.state, result.changed_at) == ("merged", utc("2026-11-08 14:59:00"))


def test_an_unmerged_pull_request_reports_when_it_was_closed_whatever_merged_at_says():
    data = payload("pull_request__closed_unmerged")
    data["pull_request"]["merged_at"] = "2026-11-09T17:00:00Z"  # merged false is what counts
    result = parse("pull_request", data)
    assert (result.state, result.changed_at) == ("closed", utc("2026-11-09 17:45:30"))


# The messages, word for word (and cut where they quote what was sent).


def test_a_timestamp_that_is_not_one_is_quoted_in_the_message_cut_to_40_characters():
    data = payload("issues__closed")
    stamp = "issue.updated_at: Input should be a timestamp like 2026-11-01T09:30:00Z, not"
    data["issue"]["updated_at"] = 1700000000
    bad("issues", data, f"{stamp} '1700000000'")
    data["issue"]["updated_at"] = "y" * 50
    bad("issues", data, f"{stamp} {'y' * 40!r}")
    data["issue"]["updated_at"] = "2026-02-30T00:00:00Z"  # the right shape, not a day
    bad("issues", data, f"{stamp} '2026-02-30T00:00:00Z'")


@pytest.mark.parametrize("state", ["s" * 30, "merged", "Open"])
def test_a_state_that_is_neither_open_nor_closed_is_refused(state):
    data = payload("pull_request__closed_merged")
    data["pull_request"]["state"] = state  # "merged" is ours, never GitHub's
    bad("pull_request", data, "pull_request.state: Input should be 'open' or 'closed'")


def test_a_repository_transfer_from_nobody_names_both_fields_it_looked_for():
    data = payload("repository__transferred")
    data["changes"]["owner"]["from"] = {}
    bad("repository", data, "changes.owner.from: Input should name the user.login or organization.login")
    data["changes"]["owner"]["from"] = {"user": None, "organization": None}
    bad("repository", data, "changes.owner.from: Input should name the user.login or organization.login")
    data["changes"]["owner"]["from"] = {"user": {"login": 7}}
    bad("repository", data, "changes.owner.from.user.login: Input should be a valid string")


def test_a_repository_transfer_from_an_organization_when_user_is_null():
    data = payload("repository__transferred")
    data["changes"]["owner"]["from"] = {"user": None, "organization": {"login": "acme-labs"}}
    assert parse("repository", data) == RepositoryMoved(old_owner="acme-labs", old_repo="api", new_owner="acme",
                                                         new_repo="api")


def test_an_empty_title_is_kept_and_issue_number_one_is_a_number():
    data = payload("issues__edited")
    data["issue"].update(title="", number=1)
    result = parse("issues", data)
    assert (result.title, result.number) == ("", 1)


def test_an_empty_required_text_is_refused_by_name():
    data = payload("issues__closed")
    data["repository"]["name"] = ""
    bad("issues", data, "repository.name: String should have at least 1 character")
    data = payload("issues__closed")
    data["action"] = ""
    bad("issues", data, "action: String should have at least 1 character")
    data = payload("repository__renamed")
    data["changes"]["repository"]["name"]["from"] = ""
    bad("repository", data, "changes.repository.name.from: String should have at least 1 character")


@pytest.mark.parametrize("body, message", [(b"{not json", "not JSON"), (b"[1]", "not a JSON object")])
def test_a_body_that_is_not_a_json_object(body, message):
    bad("issues", body, message)


def test_an_unknown_event_is_named_cut_to_40_characters():
    assert webhooks.parse("e" * 50, b"{}") == Ignored(f"event {'e' * 40!r} is not handled")


# Signatures: the messages, word for word (the prefix of a wrong algorithm quoted, cut to 20 characters).


def refused(header, message, body=b"{}"):
    with pytest.raises(BadSignature) as raised:
        webhooks.verify("secret", body, header)
    assert str(raised.value) == message


def test_signature_messages():
    refused(None, "missing X-Hub-Signature-256")
    refused(webhooks.sign("another", b"{}"), "signature does not match")
    refused("sha1=ab=cd", "not sha256=<hex>: 'sha1'")
    refused("hmac-sha-two-hundred-fifty-six=ab", "not sha256=<hex>: 'hmac-sha-two-hundred'")  # 20 characters of 30
