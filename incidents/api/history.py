"""/api/v1/incidents/{id}/revisions/: an incident's history (newest first), one revision with the document
as it was and what it changed, and restoring one (editors) as a new revision."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status, views
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from incidents.actions.history import restore_revision
from incidents.actions.incidents import VersionConflict
from incidents.models import Incident, IncidentRevision, Source

from .serializers import IncidentSerializer, UTCDateTimeField
from .views import CONFLICT, errors


class RevisionSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="1 is the creation.")
    author = serializers.SerializerMethodField(help_text="The user name; null for automatic changes (see source).")
    source = serializers.ChoiceField(choices=Source.choices)
    created_at = UTCDateTimeField(help_text="In UTC (…Z), like every time the API answers.")
    changed = serializers.ListField(child=serializers.CharField(), help_text="The document's fields that changed.")

    def get_author(self, revision) -> str | None:
        return revision.author.get_username() if revision.author else None


class RevisionDetailSerializer(RevisionSerializer):
    document = serializers.SerializerMethodField(help_text="The incident document as it was.")
    diff = serializers.SerializerMethodField(
        help_text='Per changed field: Markdown fields as [{"op": "equal|insert|delete", "text"}] segments (by '
                  'character runs), lists as {"from": [...], "to": [...]}, other fields as {"from", "to"}.')

    def get_document(self, revision) -> dict:
        document = dict(revision.document())
        request = self.context.get("request")
        if request:
            document["url"] = request.build_absolute_uri(document["url"])
        return document

    def get_diff(self, revision) -> dict:
        return revision.diff(revision.previous())


class RestoreSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1,
                                       help_text="The version this restore is based on; a stale one gets 409.")


class RevisionMixin:
    permission_classes = [permissions.IsAuthenticated]

    def incident(self, pk):
        return get_object_or_404(Incident.objects.visible_to(self.request.user), pk=pk)

    def revision(self, incident, number):
        return get_object_or_404(IncidentRevision.objects.of(incident), number=number)


class RevisionListView(RevisionMixin, views.APIView):
    @extend_schema(summary="An incident's revisions, newest first", responses={200: RevisionSerializer(many=True),
                                                                               **errors(401, 404)})
    def get(self, request, pk):
        return Response(RevisionSerializer(IncidentRevision.objects.of(self.incident(pk)), many=True).data)


class RevisionDetailView(RevisionMixin, views.APIView):
    @extend_schema(summary="One revision: the document as it was and what it changed",
                   responses={200: RevisionDetailSerializer, **errors(401, 404)})
    def get(self, request, pk, number):
        revision = self.revision(self.incident(pk), number)
        return Response(RevisionDetailSerializer(revision, context={"request": request}).data)


class RevisionRestoreView(RevisionMixin, views.APIView):
    @extend_schema(summary="Restore a revision (as a new revision); answers the restored document",
                   request=RestoreSerializer,
                   responses={200: IncidentSerializer, 409: CONFLICT, **errors(400, 401, 403, 404, 413)})
    def post(self, request, pk, number):
        incident = self.incident(pk)
        if not request.user.has_perm("incidents.change_incident"):
            raise PermissionDenied()
        revision = self.revision(incident, number)
        if not isinstance(request.data, dict):
            return Response({"non_field_errors": ["Expected a JSON object."]}, status=status.HTTP_400_BAD_REQUEST)
        params = RestoreSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        try:
            restore_revision(incident, revision, user=request.user, expected_version=params.validated_data.get("version"))
        except VersionConflict as conflict:
            return Response({"detail": str(conflict), "current_version": conflict.current_version},
                            status=status.HTTP_409_CONFLICT)
        restored = Incident.objects.for_document().get(pk=incident.pk)
        return Response(IncidentSerializer(restored, context={"request": request}).data)

