"""/api/v1/users/ and /api/v1/audit/ for admins: people and the audit log (writes in incidents.actions.people).

GET users/ lists everyone; POST users/ {"email", "role"} invites someone (201 with "invite_url");
PATCH users/{username}/ {"role"} and/or {"is_active"}. Everyone else gets 403."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents import roles
from incidents.actions import people
from incidents.models import AuditEntry

from .serializers import UTCDateTimeField
from .views import Pagination, errors


class IsAdmin(permissions.BasePermission):
    def has_permission(self, request, view):
        return roles.is_admin(request.user)


def _role(value):
    if value not in roles.ROLES:
        raise serializers.ValidationError(
            f"Unknown role \u201c{value}\u201d: choose one of {', '.join(roles.ROLES)}.")
    return value


class UserSerializer(serializers.Serializer):
    username = serializers.CharField(read_only=True)
    email = serializers.EmailField(read_only=True)
    role = serializers.SerializerMethodField()
    is_active = serializers.BooleanField(read_only=True)
    last_login = UTCDateTimeField(read_only=True, allow_null=True)

    def get_role(self, user) -> str:
        return roles.role_of(user)


class InviteSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.CharField(validators=[_role])


class InvitedSerializer(UserSerializer):
    invite_url = serializers.URLField(read_only=True)


class UserChangeSerializer(serializers.Serializer):
    role = serializers.CharField(required=False, validators=[_role])
    is_active = serializers.BooleanField(required=False)

    def validate(self, attrs):
        if not attrs:
            raise ValidationError({"non_field_errors": ["Send \u201crole\u201d and/or \u201cis_active\u201d."]})
        return attrs


def _as_drf(exc):
    return ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages})


class UserListView(ListAPIView):
    permission_classes = [IsAdmin]
    serializer_class = UserSerializer
    pagination_class = Pagination

    def get_queryset(self):
        return get_user_model().objects.prefetch_related("groups").order_by("username")

    @extend_schema(responses={200: UserSerializer(many=True), **errors(400, 401, 403)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=InviteSerializer, responses={201: InvitedSerializer, **errors(400, 401, 403)})
    def post(self, request):
        data = InviteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            user, url = people.invite(request.user, data.validated_data["email"], data.validated_data["role"],
                                      site_url=request.build_absolute_uri("/"))
        except DjangoValidationError as exc:
            raise _as_drf(exc) from exc
        return Response({**UserSerializer(user).data, "invite_url": url}, status=status.HTTP_201_CREATED)


class UserDetailView(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(responses={200: UserSerializer, **errors(401, 403, 404)})
    def get(self, request, username):
        return Response(UserSerializer(get_object_or_404(get_user_model(), username=username)).data)

    @extend_schema(request=UserChangeSerializer, responses={200: UserSerializer, **errors(400, 401, 403, 404)})
    def patch(self, request, username):
        user = get_object_or_404(get_user_model(), username=username)
        data = UserChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            people.update(request.user, user, **data.validated_data)
        except DjangoValidationError as exc:
            raise _as_drf(exc) from exc
        user.refresh_from_db()
        return Response(UserSerializer(user).data)


class AuditEntrySerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_name")
    target_user = serializers.CharField(source="target_name")
    incident = serializers.SerializerMethodField()

    class Meta:
        model = AuditEntry
        fields = ["id", "at", "actor", "action", "target_user", "incident", "details"]

    def get_incident(self, entry) -> int | None:
        return entry.incident_id


class AuditListView(ListAPIView):
    """The audit log, newest first."""

    permission_classes = [IsAdmin]
    serializer_class = AuditEntrySerializer
    pagination_class = Pagination
    queryset = AuditEntry.objects.all()

    @extend_schema(responses={200: AuditEntrySerializer(many=True), **errors(400, 401, 403)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
