"""POST/GET /api/v1/incidents/{id}/reviews/: approve an incident in review or ask for changes."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.actions import reviews, workflow
from incidents.models import Incident, Review

from .comments import MentionsSerializer
from .serializers import UTCDateTimeField
from .views import errors

NOT_IN_REVIEW = OpenApiResponse(description="The incident is not in review.")


class ReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Review.Decision.choices)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=20000, default="")


class ReviewOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reviewer = serializers.CharField()
    decision = serializers.ChoiceField(choices=Review.Decision.choices)
    comment = serializers.CharField()
    version = serializers.IntegerField(help_text="The incident version reviewed.")
    current = serializers.BooleanField(help_text="False once the incident changed after the review.")
    created_at = UTCDateTimeField()
    status = serializers.CharField(help_text="The incident's status after the review.")


class ReviewMadeSerializer(ReviewOutSerializer):
    mentions = MentionsSerializer(help_text="Who the comment's @mentions notified, and who not and why.")


class CanReview(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.user.is_authenticated and (
            request.method in permissions.SAFE_METHODS or request.user.has_perm("incidents.change_incident"))


def _out(review, incident):
    return {"id": review.pk, "reviewer": review.reviewer.get_username(), "decision": review.decision,
            "comment": review.comment, "version": review.version, "current": review.version == incident.version,
            "created_at": review.created_at, "status": incident.status}


class ReviewsView(APIView):
    permission_classes = [CanReview]

    def incident(self, request, pk):
        return get_object_or_404(Incident.objects.visible_to(request.user), pk=pk)

    @extend_schema(summary="The reviews of an incident, oldest first",
                   responses={200: ReviewOutSerializer(many=True), **errors(401, 404)})
    def get(self, request, pk):
        incident = self.incident(request, pk)
        return Response([_out(review, incident) for review in incident.reviews.select_related("reviewer")])

    @extend_schema(
        summary="Approve an incident in review, or request changes (which sends it back to draft)",
        request=ReviewSerializer,
        responses={201: ReviewMadeSerializer, 409: NOT_IN_REVIEW, **errors(400, 401, 403, 404, 413)},
    )
    def post(self, request, pk):
        incident = self.incident(request, pk)
        serializer = ReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            made = reviews.review(incident, request.user, serializer.validated_data["decision"],
                                  serializer.validated_data["comment"])
        except workflow.Refused as exc:
            code = status.HTTP_403_FORBIDDEN if incident.authors.filter(pk=request.user.pk).exists() else status.HTTP_409_CONFLICT
            return Response({"detail": str(exc)}, status=code)
        incident.refresh_from_db()
        return Response({**_out(made, incident), "mentions": made.mentions.as_json()}, status=status.HTTP_201_CREATED)
