"""POST /github/webhook/: signed deliveries in GitHub's shapes (tests/github/fixtures) change what is stored
before the answer returns; anything unsigned, forged or malformed changes nothing."""

import json
import pathlib

import pytest

from incidents.github.webhooks import sign
from incidents.models import ActionItem, GitHubDelivery, GitHubReference, Incident
from tests.factories import ActionItemFactory, IncidentFactory, LinkFactory

pytestmark = pytest.mark.django_db
FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "github" / "fixtures"
SECRET = "It's a Secret to Everybody"
EVENTS = {"ping": "ping", "issues": "issues", "pull": "pull_request", "repository": "repository", "push": "push"}


@pytest.fixture(autouse=True)
def secret(settings):
    settings.GITHUB_WEBHOOK_SECRET = SECRET
    settings.GITHUB_SYNC = False  # deliveries work without any outbound call


def body_of(name, **changes):
    data = json.loads((FIXTURES / f"{name}.json").read_text())
    for path, value in changes.items():
        node = data
        *parents, last = path.split("__")
        for key in parents:
            node = node[key]
        node[last] = value
    return json.dumps(data).encode()


def deliver(client, name, body=None, *, delivery=None, signature=None, event=None):
    body = body if body is not None else body_of(name)
    event = event or name.split("__")[0]
    headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery or f"d-{name}-{hash(body)}"}
    if signature is not False:
        headers["X-Hub-Signature-256"] = signature or sign(SECRET, body)
    return client.post("/github/webhook/", body, content_type="application/json", headers=headers)


def item_on(url="acme/api#42", status="open"):
    return ActionItemFactory(incident=IncidentFactory(), url=url, status=status)


def status_of(item):
    return ActionItem.objects.get(pk=item.pk).status


def test_ping(client):
    response = deliver(client, "ping")
    assert response.status_code == 200 and response.json()["detail"].startswith("pong")
    assert GitHubDelivery.objects.get().event == "ping"


@pytest.mark.parametrize("signature", [False, "sha256=" + "0" * 64, "sha1=abc", "sha256=zz", "forged"])
def test_unsigned_or_forged_deliveries_change_nothing(client, signature):
    item = item_on()
    if signature == "forged":
        signature = sign("another secret", body_of("issues__closed"))
    response = deliver(client, "issues__closed", signature=signature)
    assert response.status_code == 401
    assert status_of(item) == "open" and not GitHubDelivery.objects.exists()


def test_a_body_changed_after_signing_is_refused(client):
    item = item_on()
    body = body_of("issues__closed")
    response = deliver(client, "issues__closed", body.replace(b'"completed"', b'"not_planned"'), signature=sign(SECRET, body))
    assert response.status_code == 401 and status_of(item) == "open"


def test_without_a_secret_the_endpoint_refuses(client, settings, caplog):
    settings.GITHUB_WEBHOOK_SECRET = ""
    assert deliver(client, "ping").status_code == 503
    assert "GITHUB_WEBHOOK_SECRET" in caplog.text


def test_only_post(client):
    assert client.get("/github/webhook/").status_code == 405


def test_issue_closed_as_completed_marks_the_item_done_before_answering(client):
    item = item_on(status="in_progress")
    incident = item.incident
    response = deliver(client, "issues__closed")
    assert response.status_code == 200
    item = ActionItem.objects.select_related("github").get(pk=item.pk)
    assert (item.status, item.link_event, item.closed_by_link) == ("done", "closed", True)
    assert (item.github.state, item.github.state_reason) == ("closed", "completed")
    assert item.link_note == "acme/api#42 closed 2026-11-04"  # 16:20 UTC is the next day in Tokyo
    assert Incident.objects.get(pk=incident.pk).version == incident.version + 1


def test_not_planned_means_wont_do(client):
    item = item_on()
    deliver(client, "issues__closed_not_planned")
    assert status_of(item) == "wont_do"


def test_a_merged_pr_marks_the_item_done(client):
    item = item_on("https://github.com/acme/api/pull/43")
    deliver(client, "pull_request__closed_merged")
    assert status_of(item) == "done"
    assert ActionItem.objects.get(pk=item.pk).link_event == "merged"


def test_a_pr_closed_without_merge_is_flagged_not_moved(client):
    item = item_on("acme/api#43")
    deliver(client, "pull_request__closed_unmerged")
    item = ActionItem.objects.get(pk=item.pk)
    assert (item.status, item.link_event, item.closed_by_link) == ("open", "closed_unmerged", False)


def test_reopen_moves_back_only_what_the_link_closed(client):
    by_link, by_person = item_on(), item_on(status="open")
    deliver(client, "issues__closed")
    ActionItem.objects.filter(pk=by_person.pk).update(status="wont_do", closed_by_link=False, link_event="")
    deliver(client, "issues__reopened")
    assert status_of(by_link) == "open"
    assert ActionItem.objects.get(pk=by_link.pk).link_event == "reopened"
    assert status_of(by_person) == "wont_do"


def test_an_item_a_person_closed_stays_closed(client):
    item = item_on(status="wont_do")
    deliver(client, "issues__closed")
    assert status_of(item) == "wont_do"


def test_a_redelivery_changes_nothing_new(client):
    item = item_on()
    assert deliver(client, "issues__closed", delivery="same").status_code == 200
    ActionItem.objects.filter(pk=item.pk).update(status="open", closed_by_link=False)  # a person reopened it
    response = deliver(client, "issues__closed", delivery="same")
    assert response.status_code == 200 and response.json()["detail"].startswith("already received")
    assert status_of(item) == "open"
    assert GitHubDelivery.objects.get().redeliveries == 1


def test_an_older_event_does_not_undo_a_newer_one(client):
    item = item_on()
    deliver(client, "issues__closed")
    deliver(client, "issues__reopened", body_of("issues__reopened", issue__updated_at="2026-11-01T00:00:00Z"))
    assert status_of(item) == "done"


@pytest.mark.parametrize("body, message", [
    (b"not json", "not JSON"),
    (b"[]", "not a JSON object"),
    (b'{"action": "closed"}', "repository: Field required; issue: Field required"),
    (body_of("issues__closed", issue__number="42"), "issue.number: Input should be a valid integer"),
    (body_of("issues__closed", issue__closed_at=17), "issue.closed_at: Input should be a timestamp like "
                                                     "2026-11-01T09:30:00Z, not '17'"),
])
def test_malformed_signed_payloads_are_400_naming_the_field(client, body, message):
    item = item_on()
    response = deliver(client, "issues__closed", body)
    assert (response.status_code, response.json()) == (400, {"detail": f"malformed payload: {message}"})
    assert status_of(item) == "open"
    assert (GitHubDelivery.objects.get().status_code, GitHubDelivery.objects.get().outcome) == (
        400, f"malformed payload: {message}")


def test_missing_delivery_headers_are_400(client):
    body = body_of("ping")
    response = client.post("/github/webhook/", body, content_type="application/json",
                           headers={"X-Hub-Signature-256": sign(SECRET, body)})
    assert response.status_code == 400
    assert response.json() == {"detail": "X-GitHub-Delivery and X-GitHub-Event are required."}


@pytest.mark.parametrize("name", ["push", "issues__labeled"])
def test_other_events_are_204(client, name):
    assert deliver(client, name).status_code == 204
    assert GitHubDelivery.objects.get().status_code == 204


@pytest.mark.parametrize("name", ["issues__edited", "pull_request__edited", "pull_request__ready_for_review",
                                  "pull_request__converted_to_draft", "pull_request__reopened", "issues__opened"])
def test_updates_to_a_linked_item_refresh_its_title(client, name):
    item = item_on("acme/api#43" if name.startswith("pull") else "acme/api#42")
    response = deliver(client, name)
    assert response.status_code == 200
    ref = GitHubReference.objects.get(pk=ActionItem.objects.get(pk=item.pk).github_id)
    assert ref.title == json.loads(body_of(name))["pull_request" if name.startswith("pull") else "issue"]["title"]
    assert ref.synced_at is not None and ref.state == "open"


def test_an_unlinked_issue_is_noted_and_ignored(client):
    response = deliver(client, "issues__closed")
    assert response.status_code == 200 and "not linked" in response.json()["detail"]
    assert not GitHubReference.objects.exists()


def test_a_renamed_repository_moves_references_and_rewrites_links(client):
    incident = IncidentFactory()
    item = ActionItemFactory(incident=incident, url="acme/api-legacy#42")
    LinkFactory(incident=incident, url="https://github.com/acme/api-legacy/pull/43")
    response = deliver(client, "repository__renamed")
    assert response.status_code == 200 and "2 reference(s) moved" in response.json()["detail"]
    assert sorted(GitHubReference.objects.values_list("owner", "repo", "number")) == [("acme", "api", 42), ("acme", "api", 43)]
    assert ActionItem.objects.get(pk=item.pk).url == "https://github.com/acme/api/issues/42"
    assert incident.links.get().url == "https://github.com/acme/api/pull/43"


def test_a_transferred_repository_moves_references(client):
    item = item_on("octocat/api#42")
    deliver(client, "repository__transferred")
    assert ActionItem.objects.select_related("github").get(pk=item.pk).github.short == "acme/api#42"


def test_a_transferred_issue_follows_to_its_new_place(client):
    item = item_on()
    response = deliver(client, "issues__transferred")
    assert response.status_code == 200
    item = ActionItem.objects.select_related("github").get(pk=item.pk)
    assert item.github.short == "acme/platform#7" and item.url == "https://github.com/acme/platform/issues/7"


def test_a_deleted_issue_is_marked_gone(client):
    item = item_on()
    deliver(client, "issues__deleted")
    ref = ActionItem.objects.select_related("github").get(pk=item.pk).github
    assert ref.gone and ref.sync_error == "deleted on GitHub"
    assert status_of(item) == "open"


def test_a_saved_document_keeps_what_the_link_did(client):
    """An editor saving the document back unchanged keeps the record; changing the status drops it."""
    from incidents.api.serializers import IncidentSerializer

    item = item_on()
    deliver(client, "issues__closed")
    incident = Incident.objects.get(pk=item.incident_id)
    document = IncidentSerializer(incident).data
    serializer = IncidentSerializer(incident, data={"action_items": document["action_items"]}, partial=True)
    serializer.is_valid(raise_exception=True)
    serializer.save()
    kept = incident.action_items.get()
    assert (kept.status, kept.link_event, kept.closed_by_link) == ("done", "closed", True)
    document["action_items"][0]["status"] = "open"
    serializer = IncidentSerializer(incident, data={"action_items": document["action_items"]}, partial=True)
    serializer.is_valid(raise_exception=True)
    serializer.save()
    assert incident.action_items.get().link_event == ""


def test_deliveries_are_kept_thirty_days(client):
    import datetime

    from django.utils import timezone

    from incidents.actions.housekeeping import sweep

    deliver(client, "ping")
    GitHubDelivery.objects.create(delivery_id="old", event="ping", received_at=timezone.now() - datetime.timedelta(days=31))
    assert sweep()["deliveries"] == 1
    assert list(GitHubDelivery.objects.values_list("event", flat=True)) == ["ping"]
