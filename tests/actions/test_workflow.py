"""The one workflow (Incident.TRANSITIONS, applied by incidents.actions.workflow): the same table of (who,
from, to) → outcome holds through the API (PATCH) and through the status page, with the same message."""

import pytest
from django.contrib.messages import get_messages

from incidents.actions import retrospectives, workflow
from incidents.actions.incidents import save_incident
from incidents.models import Incident, IncidentRevision, Review, Source, Status, record_revision
from tests.factories import IncidentFactory, RetrospectiveFactory

DRAFT, IN_REVIEW, PUBLISHED = Status.DRAFT, Status.IN_REVIEW, Status.PUBLISHED
NAME_A_REVIEWER = "Name at least one reviewer who is not an author."
NEEDS_APPROVAL = "Publishing needs an approval of this version by someone who is not an author."
NOT_DIRECTLY = "Draft cannot go to Published directly."
NEVER_BACK_TO_DRAFT = "Published cannot go to Draft."

# who acts (the author, an editor; or an admin), from, to, what the incident has (reviewers: a reviewer
# who is not an author is named; approved: and they approved this version), whether the review gate is on,
# and the outcome: "" when the step is taken, else the message that refuses it.
MATRIX = [
    ("editor", DRAFT, IN_REVIEW, "reviewers", True, ""),
    ("editor", DRAFT, IN_REVIEW, "", True, NAME_A_REVIEWER),
    ("editor", DRAFT, PUBLISHED, "reviewers", True, NOT_DIRECTLY),
    ("editor", IN_REVIEW, DRAFT, "reviewers", True, ""),
    ("editor", IN_REVIEW, PUBLISHED, "reviewers", True, NEEDS_APPROVAL),
    ("editor", IN_REVIEW, PUBLISHED, "approved", True, ""),
    ("editor", PUBLISHED, IN_REVIEW, "reviewers", True, ""),
    ("editor", PUBLISHED, IN_REVIEW, "", True, NAME_A_REVIEWER),
    ("editor", PUBLISHED, DRAFT, "approved", True, NEVER_BACK_TO_DRAFT),
    ("admin", DRAFT, PUBLISHED, "", True, ""),  # admins publish without a review
    ("admin", IN_REVIEW, PUBLISHED, "reviewers", True, ""),  # … and without an approval
    ("admin", DRAFT, IN_REVIEW, "", True, NAME_A_REVIEWER),  # but a review needs a reviewer, for them too
    ("admin", PUBLISHED, DRAFT, "approved", True, NEVER_BACK_TO_DRAFT),  # and the table is the table
    ("admin", PUBLISHED, IN_REVIEW, "reviewers", True, ""),
    ("editor", DRAFT, PUBLISHED, "", False, ""),  # without the gate editors publish directly
    ("editor", DRAFT, IN_REVIEW, "", False, ""),
    ("editor", PUBLISHED, DRAFT, "", False, NEVER_BACK_TO_DRAFT),
    ("admin", PUBLISHED, DRAFT, "", False, NEVER_BACK_TO_DRAFT),
]


@pytest.fixture
def people(user):
    return {"editor": user("editor", username="author"), "admin": user("admin", username="boss"),
            "reviewer": user("editor", username="reviewer")}


def incident_for(people, status, has):
    incident = IncidentFactory(status=status, title="ワークフロー")
    incident.authors.set([people["editor"]])
    if has:
        incident.reviewers.set([people["reviewer"]])
    if has == "approved":
        Review.objects.create(incident=incident, reviewer=people["reviewer"], decision="approved", version=incident.version)
    return incident


def through_the_api(api, incident, target, language="en"):
    """(taken, message) of a PATCH of the status."""
    response = api.patch(f"/api/v1/incidents/{incident.pk}/", {"status": target}, format="json",
                         HTTP_ACCEPT_LANGUAGE=language)
    if response.status_code == 200:
        return True, ""
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["status"], response.json()
    (message,) = response.json()["status"]
    return False, message


def through_the_page(client, incident, target, language="en"):
    """(taken, message) of the status page's button."""
    response = client.post(f"/incidents/{incident.reference}/status/", {"status": target},
                           HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 302 and response["Location"] == f"/incidents/{incident.reference}/"
    (message,) = [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]
    return (True, "") if message[0] == "success" else (False, message[1])


@pytest.mark.django_db
@pytest.mark.parametrize("who, start, target, has, gate, refusal", MATRIX,
                         ids=[f"{row[0]}-{row[1]}-{row[2]}-{row[3] or 'none'}-{'gate' if row[4] else 'nogate'}"
                              for row in MATRIX])
def test_the_api_and_the_page_take_the_same_steps(people, api_as, client_as, settings, who, start, target, has,
                                                  gate, refusal):
    settings.POSTMORTEM_REVIEW_REQUIRED = gate
    actor = people[who]
    outcomes = []
    for way, client in ((through_the_api, api_as(actor)), (through_the_page, client_as(actor))):
        incident = incident_for(people, start, has)
        outcomes.append(way(client, incident, target))
        incident.refresh_from_db()
        assert incident.status == (start if refusal else target), way.__name__
    assert outcomes == [(not refusal, refusal)] * 2


@pytest.mark.django_db
def test_a_refusal_is_in_the_readers_language(people, api_as, client_as):
    japanese = "公開済み から 下書き へは移れません。"
    boss = people["admin"]
    assert through_the_api(api_as(boss), incident_for(people, PUBLISHED, ""), DRAFT, "ja") == (False, japanese)
    assert through_the_page(client_as(boss), incident_for(people, PUBLISHED, ""), DRAFT, "ja") == (False, japanese)


@pytest.mark.django_db
def test_viewers_take_no_step(people, user, api_as, client_as):
    reader = user("viewer", username="reader")
    incident = incident_for(people, IN_REVIEW, "approved")
    assert api_as(reader).patch(f"/api/v1/incidents/{incident.pk}/", {"status": PUBLISHED}, format="json").status_code == 403
    assert client_as(reader).post(f"/incidents/{incident.reference}/status/", {"status": PUBLISHED}).status_code == 403
    with pytest.raises(workflow.Refused, match="^You may not change the status of incidents.$"):
        workflow.move(incident, PUBLISHED, by=reader)  # the rule itself says so too, whoever calls it
    assert Incident.objects.get(pk=incident.pk).status == IN_REVIEW


@pytest.mark.django_db
def test_an_unknown_status_is_refused_the_same_way(people, api_as, client_as):
    incident = incident_for(people, DRAFT, "")
    response = api_as(people["editor"]).patch(f"/api/v1/incidents/{incident.pk}/", {"status": "archived"}, format="json")
    assert response.status_code == 400 and response.json() == {"status": ['"archived" is not a valid choice.']}
    assert through_the_page(client_as(people["editor"]), incident, "archived") == (False, "Unknown status.")


def test_the_table_offers_the_same_steps_to_everyone():
    """The steps that exist do not depend on who asks; published goes back to review, never to draft."""
    def steps(status):
        return Incident(pk=1, status=status).allowed_transitions()

    assert steps(DRAFT) == [IN_REVIEW, PUBLISHED]
    assert steps(IN_REVIEW) == [DRAFT, PUBLISHED]
    assert steps(PUBLISHED) == [IN_REVIEW]
    assert Incident().allowed_transitions() == [DRAFT, IN_REVIEW, PUBLISHED]  # a new incident
    assert Incident(pk=1, status=PUBLISHED).check_transition(None, DRAFT, gate=False) == NEVER_BACK_TO_DRAFT


@pytest.mark.django_db
def test_the_buttons_are_the_steps_the_user_may_take(people):
    draft = incident_for(people, DRAFT, "reviewers")
    assert draft.transitions_for(people["editor"]) == [(IN_REVIEW, "In review")]
    assert draft.transitions_for(people["admin"]) == [(IN_REVIEW, "In review"), (PUBLISHED, "Published")]
    published = incident_for(people, PUBLISHED, "")
    assert published.transitions_for(people["admin"]) == []  # no reviewer named: not even back to review


@pytest.mark.django_db
def test_a_move_writes_one_revision_and_tells_the_authors_after_the_commit(people, django_capture_on_commit_callbacks,
                                                                            mailoutbox):
    people["editor"].email = "author@example.com"
    people["editor"].save()
    incident = incident_for(people, IN_REVIEW, "reviewers")
    record_revision(incident, user=people["editor"], source=Source.API)  # as written before
    with django_capture_on_commit_callbacks(execute=True) as queued:
        workflow.move(incident, PUBLISHED, by=people["admin"])
        assert not mailoutbox  # nothing is sent before the commit
    assert queued and [message.to for message in mailoutbox] == [["author@example.com"]]
    assert "Published" in mailoutbox[0].subject and incident.reference in mailoutbox[0].subject
    revision = IncidentRevision.objects.of(incident).first()
    assert (revision.source, revision.revision.user, revision.changed) == (Source.STATUS, people["admin"], ["status"])


@pytest.mark.django_db
def test_a_save_without_a_status_never_writes_back_a_stale_one(people):
    """A document saved from a copy read before a status change leaves the status alone (only the workflow
    changes it), even without a version to compare."""
    incident = incident_for(people, PUBLISHED, "reviewers")
    stale = Incident.objects.get(pk=incident.pk)
    workflow.move(incident, IN_REVIEW, by=people["editor"])
    save_incident(stale, {"summary": "書き足した"}, user=people["editor"])
    incident.refresh_from_db()
    assert (incident.status, incident.summary) == (IN_REVIEW, "書き足した")


# --- a meeting's close publishes through the workflow ----------------------------------------------------


@pytest.fixture
def meeting(people):
    meeting = RetrospectiveFactory(title="週次ふりかえり")
    approved, unapproved = incident_for(people, IN_REVIEW, "approved"), incident_for(people, IN_REVIEW, "reviewers")
    draft = incident_for(people, DRAFT, "reviewers")
    retrospectives.add_to_agenda(meeting, [approved, unapproved, draft])
    return meeting, approved, unapproved, draft


@pytest.mark.django_db
def test_closing_a_meeting_publishes_what_the_workflow_allows_and_tells_the_authors(
        people, meeting, django_capture_on_commit_callbacks, mailoutbox):
    meeting, approved, unapproved, draft = meeting
    people["editor"].email = "author@example.com"
    people["editor"].save()
    lead = people["reviewer"]
    with django_capture_on_commit_callbacks(execute=True):
        published, left = retrospectives.close(meeting, publish=True, by=lead)
        assert not mailoutbox
    assert (published, left) == ([approved], [unapproved])
    assert [Incident.objects.get(pk=i.pk).status for i in (approved, unapproved, draft)] == [PUBLISHED, IN_REVIEW, DRAFT]
    assert [message.to for message in mailoutbox] == [["author@example.com"]]
    assert approved.reference in mailoutbox[0].subject
    revision = IncidentRevision.objects.of(approved).first()
    assert (revision.source, revision.revision.user) == (Source.STATUS, lead)
    meeting.refresh_from_db()
    assert meeting.closed_at is not None


@pytest.mark.django_db
def test_an_admin_closing_publishes_without_the_approval(people, meeting):
    meeting, approved, unapproved, draft = meeting
    published, left = retrospectives.close(meeting, publish=True, by=people["admin"])
    assert (published, left) == ([approved, unapproved], [])
    assert Incident.objects.get(pk=draft.pk).status == DRAFT  # only what is in review


@pytest.mark.django_db
def test_closing_without_publishing_moves_nothing(people, meeting):
    meeting, *incidents = meeting
    assert retrospectives.close(meeting, publish=False, by=people["admin"]) == ([], [])
    assert [Incident.objects.get(pk=i.pk).status for i in incidents] == [IN_REVIEW, IN_REVIEW, DRAFT]
