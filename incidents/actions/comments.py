"""Posting a comment: stored in one transaction, and the incident's authors told once it commits."""

from django.db import transaction

from incidents.models import Comment

from . import notify


@transaction.atomic
def post_comment(incident, author, body):
    """A new comment by ``author`` (who may see ``incident``: the caller checked)."""
    comment = Comment.objects.post(incident=incident, author=author, body=body)
    notify.comment_added(incident, author=author, body=body)
    return comment
