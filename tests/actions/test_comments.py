"""incidents.actions.comments: a comment posted (the incident's authors emailed once it commits, nothing on a
rollback), edited by its author only (marked edited), deleted by its author or an admin only; each write
logs a change for the search index, and none adds a revision to the incident's history."""

import pytest
from django.core import mail
from django.db import transaction

from incidents.actions.comments import CommentRefused, delete_comment, delete_comments, edit_comment, post_comment
from incidents.models import Comment, IncidentRevision
from incidents.models.changes import IndexChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(make_incident, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # as committed: later writes log changes afresh
        return make_incident(title="DNS が遅い", authors=[user("editor", username="alice", email="alice@example.com")])


@pytest.fixture
def comment(incident, viewer):
    return post_comment(incident, viewer, "ndots:5 が原因では?")


@pytest.fixture
def logged(django_capture_on_commit_callbacks):
    """logged(incident, write): run write() as its own commit; how many index changes it logged for incident."""
    def run(incident, write):
        IndexChange.objects.all().delete()
        with django_capture_on_commit_callbacks(execute=True):  # fired: the next write logs afresh
            write()
        return IndexChange.objects.filter(incident_id=incident.pk).count()

    return run


def test_posting_stores_the_comment_and_emails_the_authors_after_commit(incident, viewer, settings,
                                                                         django_capture_on_commit_callbacks):
    settings.POSTMORTEM_BASE_URL = "https://pm.example.com"
    revisions = IncidentRevision.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        comment = post_comment(incident, viewer, "ndots:5 が原因では?")
        assert mail.outbox == []
    stored = Comment.objects.get()
    assert (stored.pk, stored.incident, stored.author, stored.body, stored.edited_at) == (
        comment.pk, incident, viewer, "ndots:5 が原因では?", None)
    assert [message.to for message in mail.outbox] == [["alice@example.com"]]
    assert "ndots:5 が原因では?" in mail.outbox[0].body
    assert IncidentRevision.objects.count() == revisions


def test_a_rolled_back_post_stores_and_sends_nothing(incident, viewer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            post_comment(incident, viewer, "never")
            raise RuntimeError("the request failed")
    assert not Comment.objects.exists() and mail.outbox == []


def test_each_write_logs_one_change_for_the_index_and_no_revision(incident, viewer, logged):
    revisions = IncidentRevision.objects.count()
    comment = []
    assert logged(incident, lambda: comment.append(post_comment(incident, viewer, "first"))) == 1
    assert logged(incident, lambda: edit_comment(comment[0], "changed", by=viewer)) == 1
    assert logged(incident, lambda: delete_comment(comment[0], by=viewer)) == 1
    assert IncidentRevision.objects.count() == revisions


def test_the_author_edits_and_the_comment_is_marked_edited(comment, viewer):
    edited = edit_comment(comment, "ndots:5 でした", by=viewer)
    stored = Comment.objects.get(pk=comment.pk)
    assert stored.body == edited.body == "ndots:5 でした"
    assert stored.edited_at is not None and stored.edited_at >= stored.created_at


def test_nobody_else_edits_not_even_an_admin(comment, user):
    for other in (user("editor"), user("admin", is_staff=True), None):
        with pytest.raises(CommentRefused, match="^Only the author may change a comment.$"):
            edit_comment(comment, "hijacked", by=other)
    stored = Comment.objects.get(pk=comment.pk)
    assert stored.body == "ndots:5 が原因では?" and stored.edited_at is None


def test_the_author_or_an_admin_deletes(incident, comment, viewer, user):
    delete_comment(comment, by=viewer)
    assert not Comment.objects.exists()
    delete_comment(post_comment(incident, viewer, "second"), by=user("admin"))
    assert not Comment.objects.exists()


def test_another_user_may_not_delete(comment, user):
    with pytest.raises(CommentRefused, match="^Only the author or an admin may delete a comment.$"):
        delete_comment(comment, by=user("editor"))
    assert Comment.objects.filter(pk=comment.pk).exists()


def test_the_refusal_speaks_japanese(comment, user):
    from django.utils import translation

    with translation.override("ja"), pytest.raises(CommentRefused) as refused:
        delete_comment(comment, by=user("editor"))
    assert str(refused.value) == "コメントを削除できるのは投稿者か管理者だけです。"


def test_a_bulk_delete_is_all_or_nothing(incident, viewer, user):
    mine = post_comment(incident, viewer, "mine")
    theirs = post_comment(incident, user("editor"), "theirs")
    with pytest.raises(CommentRefused):
        delete_comments(Comment.objects.all(), by=viewer)
    assert Comment.objects.count() == 2
    assert delete_comments(Comment.objects.filter(pk=mine.pk), by=viewer) == 1
    assert delete_comments(Comment.objects.all(), by=user("admin")) == 1
    assert not Comment.objects.filter(pk=theirs.pk).exists()
