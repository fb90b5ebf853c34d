"""incidents.actions.github_events.receive, called as the webhook view calls it (the signature already
checked): the HTTP status and the outcome GitHub's delivery page shows, word for word, what each delivery
stores, and what it asks for next."""

import json
from pathlib import Path

import pytest
from django.db import IntegrityError

from incidents.actions.github import events as github_events
from incidents.actions.github import apply
from incidents.models import ActionItem, GitHubDelivery, GitHubReference
from tests.factories import ActionItemFactory, IncidentFactory

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parents[2] / "github" / "fixtures"


def body(name, edit=None):
    data = json.loads((FIXTURES / f"{name}.json").read_text())
    if edit:
        edit(data)
    return json.dumps(data).encode()


def receive(name, *, delivery=None, edit=None, event=None):
    return github_events.receive(delivery or f"d-{name}", event or name.split("__")[0], body(name, edit))


def stored(delivery):
    row = GitHubDelivery.objects.get(delivery_id=delivery)
    return row.status_code, row.outcome, row.action


def linked(url="acme/api#42"):
    return ActionItemFactory(incident=IncidentFactory(), url=url, status="open")


@pytest.mark.parametrize("delivery, event", [("", "issues"), ("d1", ""), (None, "issues"), ("  ", " ")])
def test_both_headers_are_required(delivery, event):
    assert github_events.receive(delivery, event, b"{}") == (400, "X-GitHub-Delivery and X-GitHub-Event are required.")
    assert not GitHubDelivery.objects.exists()


def test_the_delivery_id_and_event_are_stored_trimmed_and_cut():
    github_events.receive(" " + "d" * 120 + " ", " " + "e" * 60, b"{}")
    row = GitHubDelivery.objects.get()
    assert (row.delivery_id, row.event) == ("d" * 100, "e" * 50)
    assert (row.status_code, row.outcome) == (204, f"event {'e' * 40!r} is not handled")


def test_a_ping_answers_with_the_zen_or_plain_pong():
    assert receive("ping") == (200, "pong: Keep it logically awesome.")
    assert stored("d-ping") == (200, "pong: Keep it logically awesome.", "")
    assert receive("ping", delivery="d-2", edit=lambda d: d.update(zen="")) == (200, "pong")


def test_a_redelivery_answers_what_the_first_did_and_is_counted():
    receive("ping")
    assert receive("ping") == (200, "already received: pong: Keep it logically awesome.")
    assert receive("ping") == (200, "already received: pong: Keep it logically awesome.")
    assert GitHubDelivery.objects.get().redeliveries == 2


def test_a_malformed_payload_is_400_and_recorded():
    assert github_events.receive("d-bad", "issues", b"{not json") == (400, "malformed payload: not JSON")
    assert stored("d-bad") == (400, "malformed payload: not JSON", "")


def test_a_wrong_typed_field_is_400_naming_it_and_changes_nothing():
    item = linked()
    edit = lambda d: d["issue"].update(number="42")  # noqa: E731
    assert receive("issues__closed", edit=edit) == (400, "malformed payload: issue.number: Input should be a valid integer")
    assert stored("d-issues__closed") == (400, "malformed payload: issue.number: Input should be a valid integer", "")
    assert ActionItem.objects.get(pk=item.pk).status == "open"


def test_an_ignored_action_is_204():
    assert receive("issues__labeled") == (204, "issues action 'labeled' is not handled")


@pytest.mark.parametrize("name", ["issues__closed", "issues__deleted", "issues__transferred"])
def test_an_item_no_incident_links_is_noted(name):
    assert receive(name) == (200, "acme/api#42 is not linked from any incident")
    assert not GitHubReference.objects.exists()


def test_a_closed_issue_moves_the_items_and_says_so():
    item = linked()
    assert receive("issues__closed") == (200, "acme/api#42: closed (completed), action items moved in 1 incident(s)")
    assert stored("d-issues__closed") == (200, "acme/api#42: closed (completed), action items moved in 1 incident(s)",
                                          "closed")
    assert ActionItem.objects.get(pk=item.pk).status == "done"
    assert receive("issues__closed", delivery="again") == (200, "acme/api#42: closed (completed), state unchanged")


def test_an_open_issue_has_no_reason_in_the_outcome_and_moves_no_open_item():
    linked()
    assert receive("issues__opened") == (200, "acme/api#42: open")


def test_a_deleted_issue_is_marked_gone():
    item = linked()
    assert receive("issues__deleted") == (200, "acme/api#42: deleted on GitHub")
    reference = GitHubReference.objects.get(pk=ActionItem.objects.get(pk=item.pk).github_id)
    assert (reference.gone, reference.sync_error) == (True, "deleted on GitHub")


def test_a_transferred_issue_moves_and_its_new_place_is_asked_about(settings, monkeypatch):
    settings.GITHUB_SYNC = True
    monkeypatch.setattr("incidents.jobs.drain_github", lambda: None)  # asked for, not run
    item = linked()
    GitHubReference.objects.update(due_at=None)
    assert receive("issues__transferred") == (200, "acme/api#42 moved to acme/platform#7")
    reference = GitHubReference.objects.get()
    assert (reference.short, reference.due_at is not None) == ("acme/platform#7", True)
    assert ActionItem.objects.get(pk=item.pk).url == "https://github.com/acme/platform/issues/7"


def test_a_renamed_repository_counts_the_references_moved():
    linked("acme/api-legacy#42")
    linked("acme/api-legacy#43")
    assert receive("repository__renamed") == (200, "acme/api-legacy is now acme/api: 2 reference(s) moved")


def test_a_failure_while_applying_forgets_the_delivery_so_a_redelivery_applies_it(monkeypatch, caplog):
    linked()

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(apply, "apply_state", broken)
    assert receive("issues__closed") == (503, "could not be applied now; redeliver it from GitHub")
    assert not GitHubDelivery.objects.exists()
    assert [record.getMessage() for record in caplog.records] == ["webhook delivery d-issues__closed (issues) failed"]


def test_the_same_delivery_arriving_while_the_first_is_handled_is_409(monkeypatch):
    def taken(**fields):  # another request holds the row, not committed yet: nothing to read back
        raise IntegrityError("UNIQUE constraint failed: incidents_githubdelivery.delivery_id")

    monkeypatch.setattr(GitHubDelivery.objects, "create", taken)
    assert receive("ping") == (409, "the same delivery is being handled right now")


def test_a_state_event_stores_githubs_spelling_of_the_place_and_a_title_cut_to_300():
    ActionItemFactory(incident=IncidentFactory(), url="Acme/API#42", status="open")
    receive("issues__closed", edit=lambda d: d["issue"].update(title="t" * 400))
    reference = GitHubReference.objects.get()
    assert (reference.owner, reference.repo, reference.number, reference.title) == ("acme", "api", 42, "t" * 300)


def test_a_long_outcome_is_stored_cut_to_300_characters_and_answered_whole():
    action = "a" * 400
    status, outcome = receive("issues__labeled", edit=lambda d: d.update(action=action))
    assert (status, outcome) == (204, f"issues action {action!r} is not handled")
    assert stored("d-issues__labeled") == (204, outcome[:300], "")
