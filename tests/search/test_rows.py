"""The rows a rebuild reads (``search.rows``) give the same index documents as incidents fetched with
``Incident.objects.for_document()``: every field, every related row, in the same order."""

from incidents.models import Attachment, Comment, GitHubReference, Incident, TimelineEvent
from incidents.search import documents, rows
from tests.factories import ActionItemFactory, FactorFactory, LessonFactory, LinkFactory, make_incident
from tests.search.test_custom_fields import near_miss_type


def test_rows_give_the_documents_of_the_prefetched_incidents(demo, editor, user):
    kind = near_miss_type()
    member, reviewer = user("viewer", username="member"), user("editor", username="checker")
    incident = make_incident(title="コンテナが応答しない", tags=["podman", "Zeta", "alpha"], services=["payment api"],
                             categories=["defect", "process"], authors=[editor], type=kind, visibility="restricted",
                             summary="**aardvark-dns** の [設定](https://wiki.example.com/dns)",
                             fields={"region": "us-east-1", "teams": ["net"], "cause-note": "kinesis 枯渇",
                                     "details": "**証明書**"})
    incident.members.set([member])
    incident.reviewers.set([reviewer, editor])
    reference = GitHubReference.objects.create(owner="acme", repo="api", number=42, kind="issue", title="Fix DNS")
    LinkFactory(incident=incident, github=reference, title="upstream")
    ActionItemFactory(incident=incident, github=reference, owner="hana")
    ActionItemFactory(incident=incident, title="second")
    FactorFactory(incident=incident, category="network", description="ピア接続の `172.31.0.0/16`")
    LessonFactory(incident=incident, text="**alerts** fired")
    for minute in (5, 1, 3):
        TimelineEvent.objects.create(incident=incident, occurred_at=incident.started_at.replace(minute=minute),
                                     description=f"event {minute}", source="chat")
    Comment.objects.create(incident=incident, author=editor, body="memcached の **thundering herd**")
    Attachment.objects.create(incident=incident, name="app.log", alt="ログ", text="ECONNREFUSED", size=12,
                              file="x/app.log")

    expected = [documents.document_for(found) for found in documents.incidents_for_index()]
    read, after = [], 0
    while batch := rows.incidents(after, limit=3):
        read += [documents.document_for(row) for row in batch]
        after = batch[-1].pk
    assert len(expected) == Incident.objects.count() > 3
    assert read == expected
