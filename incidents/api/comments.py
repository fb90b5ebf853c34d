"""REST API v1: comments on an incident (/api/v1/incidents/{incident_id}/comments/).

Whoever may see the incident reads and writes comments on it (viewers on published incidents); an
incident they may not see is a 404, as reading it is. Only the author changes a comment; the author or
an admin deletes it (403 otherwise). The answer to a post or an edit says who its new @mentions notified
and who they did not, and why (``mentions``; null when reading). A comment may be posted on a row of the
write-up (``anchor``: a timeline event, a factor or an action item of this incident, else a 400); its
thread is resolved or reopened with ``PATCH {"resolved": true|false}`` (its author, the incident's authors,
editors)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import SAFE_METHODS

from incidents.actions.comments import BadAnchor, delete_comment, edit_comment, post_comment, resolve_thread
from incidents.models import MAX_COMMENT_LENGTH, Comment
from incidents.models.comments import ANCHOR_FIELDS
from incidents import embeds
from incidents.text import attachments, markdown, mentions

from .serializers import ModelSerializer
from .nested import UnderIncident
from .views import ERRORS

NOT_FOUND = OpenApiResponse(description="No such incident or comment, or the incident is not visible to this user.")
FORBIDDEN = OpenApiResponse(description="Not your comment (only its author edits it; the author or an admin deletes it).")


def errors(*codes):
    return {code: NOT_FOUND if code == 404 else FORBIDDEN if code == 403 else ERRORS[code] for code in codes}


class CommentBodyField(serializers.CharField):
    """Markdown text: a JSON string (a number or a list is refused, not turned into text), not blank."""

    def __init__(self, **kwargs):
        super().__init__(min_length=1, max_length=MAX_COMMENT_LENGTH, trim_whitespace=False, **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        value = super().to_internal_value(data)
        if not value.strip():
            self.fail("blank")
        return value


class NotNotifiedSerializer(serializers.Serializer):
    username = serializers.CharField()
    reason = serializers.CharField(help_text="Why not, in the request's language.")


class MentionsSerializer(serializers.Serializer):
    notified = serializers.ListField(child=serializers.CharField(), help_text="User names told by email.")
    not_notified = NotNotifiedSerializer(many=True, help_text="No such active user, or one who may not see the incident.")


class AnchorSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=list(ANCHOR_FIELDS))
    id = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="The row's id (as in the incident document).")


class CommentSerializer(ModelSerializer):  # times in UTC, as everywhere in the API
    author = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True,
                                          help_text="The author's user name (null once the user is deleted).")
    body = CommentBodyField(help_text=f"Markdown, at most {MAX_COMMENT_LENGTH} characters.")
    body_html = serializers.SerializerMethodField(help_text="The body rendered as sanitized HTML.")
    anchor = AnchorSerializer(required=False, allow_null=True,
                              help_text="The row of the write-up the comment is on (set when posting); null: the "
                                        "general discussion, or a row since deleted.")
    resolved = serializers.BooleanField(required=False, help_text="Its thread is resolved (a comment on a row).")
    mentions = serializers.SerializerMethodField(help_text="On the answer to a post or an edit: what its new @mentions "
                                                           "did. Null when reading.")

    class Meta:
        model = Comment
        fields = ["id", "author", "body", "body_html", "created_at", "edited_at", "anchor", "resolved", "mentions"]
        read_only_fields = ["id", "created_at", "edited_at"]

    def get_body_html(self, comment) -> str:
        """The body as sanitized HTML; ``attachment:<id>`` of the incident's attachments as their URLs."""
        html = attachments.with_attachments(markdown.render(comment.body, align_attribute=True),
                                            embeds.for_page(comment.incident))
        return mentions.highlight(html)

    @extend_schema_field(MentionsSerializer(allow_null=True))
    def get_mentions(self, comment):
        outcome = getattr(comment, "mentions", None)
        return outcome.as_json() if outcome is not None else None


class CommentPermission(permissions.IsAuthenticated):
    """Signed in; a comment is changed only by its author and deleted by its author or an admin. Checked
    before the request body is, so someone else's comment is a 403 whatever was sent."""

    def has_object_permission(self, request, view, comment):
        if request.method in SAFE_METHODS:
            return True
        if request.method == "DELETE":
            if not comment.can_delete(request.user):
                raise PermissionDenied("Only the author or an admin may delete a comment.")
        elif isinstance(request.data, dict) and request.data and set(request.data) <= {"resolved"}:
            if not comment.can_resolve(request.user):
                raise PermissionDenied("Only the comment's author, the incident's authors and editors may resolve a thread.")
        elif not comment.can_edit(request.user):
            raise PermissionDenied("Only the author may change a comment.")
        return True


@extend_schema_view(
    list=extend_schema(summary="The comments on an incident, oldest first",
                       responses={200: CommentSerializer(many=True), **errors(401, 404)}),
    create=extend_schema(summary="Comment on an incident (anyone who may see it)",
                         responses={201: CommentSerializer, **errors(400, 401, 404, 413)}),
    retrieve=extend_schema(summary="One comment", responses={200: CommentSerializer, **errors(401, 404)}),
    partial_update=extend_schema(summary="Change your comment's text",
                                 responses={200: CommentSerializer, **errors(400, 401, 403, 404, 413)}),
    destroy=extend_schema(summary="Delete your comment (admins: any comment)", responses={204: None, **errors(401, 403, 404)}),
)
class CommentViewSet(UnderIncident, mixins.ListModelMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin,
                     mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    serializer_class = CommentSerializer
    permission_classes = [CommentPermission]
    lookup_url_kwarg = "comment_id"
    queryset = Comment.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        # Not select_related("incident"): read through the incident's manager, each comment's incident is that
        # one instance, whose attachments (the body's attachment:<id>) are then read once, not once per comment.
        return self.incident().comments.select_related("author").oldest_first()

    def perform_create(self, serializer):
        data = serializer.validated_data
        try:
            serializer.instance = post_comment(self.incident(), self.request.user, data["body"], data.get("anchor"))
        except BadAnchor as exc:
            raise ValidationError({"anchor": [str(exc)]}) from exc

    def perform_update(self, serializer):  # the permission checked the author (or, for "resolved" alone, more)
        data, comment = serializer.validated_data, serializer.instance
        if "anchor" in data and data["anchor"] != comment.anchor:
            raise ValidationError({"anchor": ["A comment stays on the row it was posted on."]})
        if "resolved" in data and comment.anchor is None:
            raise ValidationError({"resolved": ["Only a comment on a row of the write-up can be resolved."]})
        if "body" in data:
            edit_comment(comment, data["body"], by=self.request.user)
        if "resolved" in data and data["resolved"] != comment.resolved:
            resolve_thread(comment, by=self.request.user, resolved=data["resolved"])

    def perform_destroy(self, instance):
        delete_comment(instance, by=self.request.user)
