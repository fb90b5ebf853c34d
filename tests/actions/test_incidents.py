"""incidents.actions.incidents.save_incident on what the GitHub links did to action items (kept by the row: saved
back with its id, however the link is spelled, until a person changes the status or the link), on a stale
version (the message people read) and on a document that breaks a rule (nothing written)."""

import datetime

import pytest

from incidents.actions.document import DocumentInvalid
from incidents.actions.incidents import VersionConflict, save_incident
from incidents.actions.github import apply
from incidents.models import Incident
from tests.factories import ActionItemFactory, IncidentFactory, LinkFactory

pytestmark = pytest.mark.django_db
CLOSED_AT = datetime.datetime(2026, 11, 3, 16, 20, tzinfo=datetime.timezone.utc)


@pytest.fixture
def closed_by_its_issue():
    """An incident whose action item GitHub closed (its issue acme/api#42 was closed as completed)."""
    incident = IncidentFactory()
    item = ActionItemFactory(incident=incident, title="Add a retry budget", url="acme/api#42")
    apply.apply_state(item.github, title="Retry budget", state="closed", state_reason="completed", changed_at=CLOSED_AT)
    return incident


def items_of(incident):
    return {item.title: (item.status, item.link_event, item.link_event_at, item.closed_by_link)
            for item in Incident.objects.get(pk=incident.pk).action_items.all()}


def item_id(incident):
    return incident.action_items.get(title="Add a retry budget").pk


@pytest.mark.parametrize("url", ["acme/api#42", "ACME/Api#42", "https://github.com/acme/api/issues/42"])
def test_an_item_saved_back_with_its_id_keeps_what_its_link_did_however_the_link_is_written(closed_by_its_issue, url):
    assert items_of(closed_by_its_issue)["Add a retry budget"] == ("done", "closed", CLOSED_AT, True)
    pk = item_id(closed_by_its_issue)
    save_incident(closed_by_its_issue, {"action_items": [
        {"id": pk, "title": "Add a retry budget", "url": url, "status": "done"},
        {"title": "Page the owner", "url": "", "status": "open"},
        {"title": "Read the runbook", "url": "https://example.com/runbook", "status": "open"},
    ]}, sync_github=False)
    assert items_of(closed_by_its_issue) == {
        "Add a retry budget": ("done", "closed", CLOSED_AT, True),
        "Page the owner": ("open", "", None, False),
        "Read the runbook": ("open", "", None, False),
    }
    assert item_id(closed_by_its_issue) == pk


@pytest.mark.parametrize("change", [{"status": "open"}, {"url": "acme/api#43"}])
def test_an_item_whose_status_or_link_a_person_changed_loses_the_record(closed_by_its_issue, change):
    pk = item_id(closed_by_its_issue)
    save_incident(closed_by_its_issue, {"action_items": [
        {"id": pk, "title": "Add a retry budget", "url": "acme/api#42", "status": "done", **change}]}, sync_github=False)
    assert items_of(closed_by_its_issue) == {"Add a retry budget": (change.get("status", "done"), "", None, False)}
    assert item_id(closed_by_its_issue) == pk


def test_a_list_without_ids_replaces_the_rows_as_an_older_client_expects(closed_by_its_issue):
    """Entries without ids are new rows and the rows left out go: the new item starts without a record."""
    pk = item_id(closed_by_its_issue)
    save_incident(closed_by_its_issue, {"action_items": [
        {"title": "Add a retry budget", "url": "acme/api#42", "status": "done"}]}, sync_github=False)
    assert items_of(closed_by_its_issue) == {"Add a retry budget": ("done", "", None, False)}
    assert item_id(closed_by_its_issue) != pk


def test_a_document_breaking_a_rule_is_refused_with_errors_by_path_and_writes_nothing():
    incident = IncidentFactory(title="Before")
    other = LinkFactory(url="https://example.com/elsewhere")  # a row of another incident
    with pytest.raises(DocumentInvalid) as refused:
        save_incident(incident, {"title": "After", "links": [
            {"url": "acme/api#7"}, {"url": "https://github.com/ACME/api/issues/7"}, {"id": other.pk, "url": "https://x.example"},
        ]}, sync_github=False)
    assert refused.value.errors == {
        "links[1].url": ["The link https://github.com/ACME/api/issues/7 is listed twice."],
        "links[2].id": [f"No row with id {other.pk} belongs to this incident."],
    }
    incident.refresh_from_db()
    assert incident.title == "Before" and incident.version == 1 and not incident.links.exists()


def test_a_stale_version_is_refused_with_the_current_one():
    incident = IncidentFactory(title="Before")
    save_incident(incident, {"title": "Once"}, sync_github=False)
    current = Incident.objects.get(pk=incident.pk).version
    with pytest.raises(VersionConflict) as conflict:
        save_incident(Incident.objects.get(pk=incident.pk), {"title": "Twice"}, expected_version=current - 1,
                      sync_github=False)
    assert conflict.value.current_version == current
    assert str(conflict.value) == (
        f"The incident has changed since version was read; current version is {current}.")
    assert Incident.objects.get(pk=incident.pk).title == "Once"


def test_the_factors_without_ids_are_replaced_whole_with_their_links():
    incident = IncidentFactory()
    save_incident(incident, {"factors": [{"ref": "x", "category": "defect", "description": "old"}]}, sync_github=False)
    save_incident(incident, {"factors": [
        {"ref": "a", "category": "defect", "description": "retry storm", "leads_to": ["b", "c"]},
        {"ref": "b", "category": "process", "description": "no retry budget"},
        {"ref": "c", "category": "monitoring-gap", "description": "no alert", "leads_to": []},
    ]}, sync_github=False)
    factors = {factor.description: (factor.category, sorted(f.description for f in factor.leads_to.all()))
               for factor in Incident.objects.get(pk=incident.pk).factors.all()}
    assert factors == {"retry storm": ("defect", ["no alert", "no retry budget"]),
                       "no retry budget": ("process", []), "no alert": ("monitoring-gap", [])}
