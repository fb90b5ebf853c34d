"""Review that means something: draft → in review (reviewers named) → published only after someone who is
not an author approved the current version; the API enforces what the UI does; admins may publish
directly; POSTMORTEM_REVIEW_REQUIRED=0 turns the gate off."""

import pytest

from incidents.models import Incident, Review
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(user, reviewer):
    """The author, the reviewer (an editor), another editor, an admin and a viewer, each named for their part."""
    return {"author": user("editor", username="author"), "reviewer": reviewer, "other": user("editor", username="other"),
            "boss": user("admin", username="boss"), "reader": user("viewer", username="reader")}


def draft(people):
    incident = IncidentFactory(status="draft", title="DNS が引けない")
    incident.authors.set([people["author"]])
    return incident


def url(incident, tail=""):
    return f"/api/v1/incidents/{incident.pk}/{tail}"


def test_the_api_walks_the_review(people, api_as):
    incident = draft(people)
    as_author = api_as(people["author"])
    refused = as_author.patch(url(incident), {"status": "published"}, format="json")
    assert refused.status_code == 400 and "status" in refused.json()
    no_reviewer = as_author.patch(url(incident), {"status": "in_review"}, format="json")
    assert no_reviewer.status_code == 400 and "reviewer" in no_reviewer.json()["status"][0]
    self_review = as_author.patch(url(incident), {"status": "in_review", "reviewers": ["author"]}, format="json")
    assert self_review.status_code == 400
    asked = as_author.patch(url(incident), {"status": "in_review", "reviewers": ["reviewer"]}, format="json")
    assert asked.status_code == 200 and asked.json()["reviewers"] == ["reviewer"]

    assert as_author.patch(url(incident), {"status": "published"}, format="json").status_code == 400
    own = as_author.post(url(incident, "reviews/"), {"decision": "approved"}, format="json")
    assert own.status_code == 403 and "own write-up" in own.json()["detail"]
    approved = api_as(people["reviewer"]).post(url(incident, "reviews/"), {"decision": "approved", "comment": "LGTM"},
                                               format="json")
    assert approved.status_code == 201 and approved.json()["current"] is True
    published = as_author.patch(url(incident), {"status": "published"}, format="json")
    assert published.status_code == 200 and published.json()["status"] == "published"
    (review,) = published.json()["reviews"]
    assert (review["reviewer"], review["decision"], review["comment"]) == ("reviewer", "approved", "LGTM")
    assert review["current"] is False  # publishing made a new version


def test_an_edit_after_the_approval_needs_a_new_one(people, api_as):
    incident = draft(people)
    as_author, as_reviewer = api_as(people["author"]), api_as(people["reviewer"])
    as_author.patch(url(incident), {"status": "in_review", "reviewers": ["reviewer"]}, format="json")
    as_reviewer.post(url(incident, "reviews/"), {"decision": "approved"}, format="json")
    as_author.patch(url(incident), {"summary": "もう少し書き足した"}, format="json")
    refused = as_author.patch(url(incident), {"status": "published"}, format="json")
    assert refused.status_code == 400 and "approval of this version" in refused.json()["status"][0]


def test_changes_requested_sends_it_back_to_draft(people, api_as):
    incident = draft(people)
    api_as(people["author"]).patch(url(incident), {"status": "in_review", "reviewers": ["reviewer"]}, format="json")
    response = api_as(people["reviewer"]).post(url(incident, "reviews/"),
                                               {"decision": "changes_requested", "comment": "影響範囲を書いて"}, format="json")
    assert response.status_code == 201 and response.json()["status"] == "draft"
    assert Incident.objects.get(pk=incident.pk).status == "draft"
    assert api_as(people["reviewer"]).post(url(incident, "reviews/"), {"decision": "approved"}, format="json").status_code == 409


def test_admins_may_publish_directly_and_creation_is_a_draft(people, api_as):
    as_author = api_as(people["author"])
    created = as_author.post("/api/v1/incidents/", {"title": "x", "status": "published"}, format="json")
    assert (created.status_code, created.json()) == (
        400, {"status": ["A new incident starts as a draft; ask for a review to publish it."]})
    as_boss = api_as(people["boss"])
    assert as_boss.post("/api/v1/incidents/", {"title": "y", "status": "published"}, format="json").status_code == 201
    incident = draft(people)
    assert as_boss.patch(url(incident), {"status": "published"}, format="json").status_code == 200


def test_creating_in_review_with_reviewers(people, api_as):
    response = api_as(people["author"]).post("/api/v1/incidents/", {"title": "x", "status": "in_review",
                                                                    "reviewers": ["reviewer"]}, format="json")
    assert response.status_code == 201 and response.json()["status"] == "in_review"


def test_bad_review_input(people, api_as):
    incident = draft(people)
    as_reviewer = api_as(people["reviewer"])
    for client, decision, status, body in [
            (as_reviewer, "maybe", 400, {"decision": ['"maybe" is not a valid choice.']}),
            (api_as(people["reader"]), "approved", 403, {"detail": "You do not have permission to perform this action."}),
            (as_reviewer, "approved", 409, {"detail": "Only an incident in review can be reviewed."})]:  # a draft
        response = client.post(url(incident, "reviews/"), {"decision": decision}, format="json")
        assert (response.status_code, response.json()) == (status, body), decision
    assert not incident.reviews.exists() and Incident.objects.get(pk=incident.pk).status == "draft"


def test_without_the_gate_editors_publish_directly(people, settings, api_as):
    settings.POSTMORTEM_REVIEW_REQUIRED = False
    as_author = api_as(people["author"])
    created = as_author.post("/api/v1/incidents/", {"title": "x", "status": "published"}, format="json")
    assert created.status_code == 201
    incident = draft(people)
    assert as_author.patch(url(incident), {"status": "published"}, format="json").status_code == 200


def test_the_pages_walk_the_review(people, client):
    incident = draft(people)
    page = f"/incidents/{incident.reference}/"
    client.force_login(people["author"])
    body = client.get(page).content.decode()
    assert "Ask for a review" in body and "Move to “Published”" not in body
    client.post(f"{page}review-request/", {"reviewers": [people["reviewer"].pk]})
    assert Incident.objects.get(pk=incident.pk).status == "in_review"
    response = client.post(f"{page}status/", {"status": "published"}, follow=True)
    assert "Publishing needs an approval" in response.content.decode()
    assert client.post(f"{page}reviews/", {"decision": "approved"}, follow=True).status_code == 200
    assert not Review.objects.exists()  # an author cannot approve

    client.force_login(people["reviewer"])
    body = client.get(page).content.decode()
    assert "Approve" in body and "Request changes" in body
    client.post(f"{page}reviews/", {"decision": "approved", "comment": "**OK**"})
    client.force_login(people["author"])
    body = client.get(page).content.decode()
    assert "<strong>OK</strong>" in body and "Move to “Published”" in body
    client.post(f"{page}status/", {"status": "published"})
    assert Incident.objects.get(pk=incident.pk).status == "published"


@pytest.mark.django_db(transaction=True)
def test_the_review_tells_people_by_email(people, mailoutbox, api_as):
    for person in people.values():
        person.email = f"{person.username}@example.com"
        person.save()
    incident = draft(people)
    as_author, as_reviewer = api_as(people["author"]), api_as(people["reviewer"])
    as_author.patch(url(incident), {"status": "in_review", "reviewers": ["reviewer"]}, format="json")
    assert [message.to for message in mailoutbox] == [["reviewer@example.com"]]
    assert incident.reference in mailoutbox[0].subject
    as_reviewer.post(url(incident, "reviews/"), {"decision": "approved", "comment": "LGTM"}, format="json")
    assert mailoutbox[-1].to == ["author@example.com"] and "LGTM" in mailoutbox[-1].body
    api_as(people["other"]).patch(url(incident), {"status": "published"}, format="json")
    assert mailoutbox[-1].to == ["author@example.com"] and len(mailoutbox) == 3


@pytest.mark.django_db(transaction=True)
def test_a_comment_tells_the_authors(people, mailoutbox, api_as):
    people["author"].email = "author@example.com"
    people["author"].save()
    incident = IncidentFactory(status="published")
    incident.authors.set([people["author"]])
    response = api_as(people["reader"]).post(url(incident, "comments/"), {"body": "同じ事象を見ました"}, format="json")
    assert response.status_code == 201
    assert [m.to for m in mailoutbox] == [["author@example.com"]] and "同じ事象を見ました" in mailoutbox[0].body


def test_a_published_incident_without_reviews_can_be_sent_back_to_review_from_its_page(people, client_as):
    incident = IncidentFactory(status="published", title="公開済み")  # published by an admin, never reviewed
    incident.authors.set([people["author"]])
    page = client_as(people["other"])
    body = page.get(f"/incidents/{incident.reference}/").content.decode()
    assert "Ask for a review" in body and 'class="review-request"' in body
    response = page.post(f"/incidents/{incident.reference}/review-request/",
                         {"reviewers": [people["reviewer"].pk]})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == "in_review" and list(incident.reviewers.all()) == [people["reviewer"]]
    assert "Ask for a review" not in client_as(people["reader"]).get(f"/incidents/{incident.reference}/").content.decode()


def test_an_author_is_never_their_own_reviewer(people, api_as):
    """One rule (Incident.reviewer_conflict, checked by the document's validation): the API answers 400 with
    the error on ``reviewers``, whether the write names the reviewers or makes a reviewer an author."""
    incident = draft(people)
    as_author = api_as(people["author"])
    response = as_author.patch(url(incident), {"reviewers": ["author"]}, format="json")
    assert response.status_code == 400
    assert response.json() == {"reviewers": ["An author cannot review their own write-up: author."]}
    assert not incident.reviewers.exists()
    assert as_author.patch(url(incident), {"reviewers": ["reviewer"]}, format="json").status_code == 200
    made_author = as_author.patch(url(incident), {"authors": ["author", "reviewer"]}, format="json")
    assert made_author.status_code == 400
    assert made_author.json() == {"authors": ["An author cannot review their own write-up: reviewer."]}
    both = as_author.patch(url(incident), {"authors": ["author"], "reviewers": ["author", "other"]}, format="json",
                           HTTP_ACCEPT_LANGUAGE="ja")
    assert both.status_code == 400
    assert both.json() == {"reviewers": ["執筆者は自分の報告をレビューできません: author。"]}



def review_section(body):
    start = body.index('<section id="review"')
    return body[start:body.index("</section>", start)]


def test_alone_the_page_says_how_to_get_a_reviewer(user, client_as, settings):
    """A team of one: no one to ask, so the page says why and the three ways out, in both languages; an admin
    who is the only other person is named as a candidate; POSTMORTEM_REVIEW_REQUIRED=0 hides it all."""
    alone = user("editor", username="solo")
    incident = draft({"author": alone})
    page = client_as(alone)
    section = review_section(page.get(f"/incidents/{incident.reference}/").content.decode())
    assert "No one can review this yet." in section
    assert "every editor here is one of its authors" in section
    assert "Ask an admin to invite a colleague as an editor (People page)" in section
    assert "An admin may publish it without a review." in section and "POSTMORTEM_REVIEW_REQUIRED=0" in section
    japanese = review_section(page.get(f"/incidents/{incident.reference}/", HTTP_ACCEPT_LANGUAGE="ja").content.decode())
    assert "まだレビューできる人がいません。" in japanese and "POSTMORTEM_REVIEW_REQUIRED=0" in japanese

    boss = user("admin", username="boss")
    incident.authors.add(boss)
    section = review_section(client_as(boss).get(f"/incidents/{incident.reference}/").content.decode())
    assert 'href="/people/"' in section and "you may publish it without a review" in section

    incident.authors.remove(boss)
    section = review_section(page.get(f"/incidents/{incident.reference}/").content.decode())
    assert "No one can review this yet." not in section
    assert "Who can review: editors who are not authors of this write-up" in section and "boss" in section
    settings.POSTMORTEM_REVIEW_REQUIRED = False
    assert 'id="review"' not in page.get(f"/incidents/{incident.reference}/").content.decode()


def test_after_an_approval_the_page_says_it_can_be_published(people, api_as, client_as):
    incident = draft(people)
    api_as(people["author"]).patch(url(incident), {"status": "in_review", "reviewers": ["reviewer"]}, format="json")
    page = client_as(people["author"])
    before = review_section(page.get(f"/incidents/{incident.reference}/").content.decode())
    assert "Published only after someone who is not an author approves this version." in before
    api_as(people["reviewer"]).post(url(incident, "reviews/"), {"decision": "approved"}, format="json")
    after = review_section(page.get(f"/incidents/{incident.reference}/").content.decode())
    assert "Approved by reviewer: this version can be published now." in after
    assert "Published only after" not in after
    japanese = review_section(page.get(f"/incidents/{incident.reference}/", HTTP_ACCEPT_LANGUAGE="ja").content.decode())
    assert "reviewer が承認しました。この版は公開できます。" in japanese


def test_a_reviewer_sees_what_waits_for_them_on_the_incident_list(people, api_as, client_as):
    incident = draft(people)
    other = IncidentFactory(status="draft", title="別の件")
    other.authors.set([people["author"]])
    api_as(people["author"]).patch(url(incident), {"status": "in_review", "reviewers": ["reviewer"]}, format="json")
    api_as(people["author"]).patch(url(other), {"status": "in_review", "reviewers": ["other"]}, format="json")
    as_reviewer = client_as(people["reviewer"])
    body = as_reviewer.get("/incidents/").content.decode()
    assert "Waiting for your review" in body
    waiting = body[body.index("waiting-review-title"):body.index("</section>", body.index("waiting-review-title"))]
    assert f'href="/incidents/{incident.reference}/#review">{incident.reference}</a> DNS が引けない' in waiting
    assert other.reference not in waiting
    assert "レビュー待ち" in as_reviewer.get("/incidents/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "Waiting for your review" not in client_as(people["author"]).get("/incidents/").content.decode()
    api_as(people["reviewer"]).post(url(incident, "reviews/"), {"decision": "approved"}, format="json")
    assert "Waiting for your review" not in as_reviewer.get("/incidents/").content.decode()


def test_edits_to_a_published_incident_keep_it_published_and_are_in_its_history(people, api_as, client_as):
    """The rule (docs/features.md, Review): a published write-up stays published when edited, by the page or
    the API alike; each edit is a revision naming who made it, and "Ask for a review" is the way back."""
    incident = draft(people)
    api_as(people["boss"]).patch(url(incident), {"status": "published"}, format="json")
    edited = api_as(people["author"]).patch(url(incident), {"summary": "追記した"}, format="json")
    assert edited.status_code == 200 and edited.json()["status"] == "published"
    history = client_as(people["author"]).get(f"/incidents/{incident.reference}/history/").content.decode()
    newest = history[history.index('class="revision"'):]
    newest = newest[:newest.index("</section>")]
    assert "author" in newest and "API" in newest and "追記した" in newest
