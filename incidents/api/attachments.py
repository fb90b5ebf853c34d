"""REST API v1: attachments of an incident (/api/v1/incidents/{incident_id}/attachments/).

Whoever may see the incident lists and reads its attachments; editors add (multipart: ``file``, optional
``alt``), rename, change the alt text and delete them. An incident the user may not see is a 404, as reading
it is; a viewer writing is a 403. A file over POSTMORTEM_MAX_ATTACHMENT_BYTES is a 413; a file of another
type, a damaged one or an image over the pixel limit is a 400 naming the problem. The bytes are at ``url``
(incidents.web.attachments: the same visibility, private caching)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from incidents import embeds, uploads
from incidents.actions.attachments import (
    AttachmentRefused,
    TooLarge,
    add_attachment,
    delete_attachment,
    may_attach,
    read_upload,
    update_attachment,
)
from incidents.models import MAX_ALT_LENGTH, Attachment, Source

from .nested import UnderIncident
from .views import ERRORS

NOT_FOUND = OpenApiResponse(description="No such incident or attachment, or the incident is not visible to this user.")
FORBIDDEN = OpenApiResponse(description="Only editors add, change or delete attachments.")


def errors(*codes):
    return {code: NOT_FOUND if code == 404 else FORBIDDEN if code == 403 else ERRORS[code] for code in codes}


def download_url(attachment, request=None, thumbnail=False):
    return request.build_absolute_uri(embeds.download_url(attachment, thumbnail))


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="Where the bytes are (the same visibility as the incident).")
    thumbnail_url = serializers.SerializerMethodField(
        help_text="A smaller copy of a wide image (null when the image is shown as it is, or not an image).")
    markdown = serializers.CharField(read_only=True, help_text="What to write in Markdown to show it.")
    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    alt = serializers.CharField(max_length=MAX_ALT_LENGTH, allow_blank=True, required=False, trim_whitespace=True,
                                help_text="Alt text: what the image shows, for readers who cannot see it (searchable).")
    name = serializers.CharField(max_length=200, required=False, help_text="The file's name, as downloads offer it.")

    class Meta:
        model = Attachment
        fields = ["id", "name", "content_type", "size", "width", "height", "alt", "url", "thumbnail_url", "markdown",
                  "uploaded_by", "created_at"]
        read_only_fields = ["id", "content_type", "size", "width", "height", "created_at"]

    def get_url(self, attachment) -> str:
        return download_url(attachment, self.context.get("request"))

    def get_thumbnail_url(self, attachment) -> str | None:
        return download_url(attachment, self.context.get("request"), thumbnail=True) if attachment.thumbnail else None


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="PNG, JPEG, GIF or WebP image, PDF, or plain text (log files).")
    alt = serializers.CharField(max_length=MAX_ALT_LENGTH, allow_blank=True, required=False, default="")


@extend_schema_view(
    list=extend_schema(summary="The attachments of an incident",
                       responses={200: AttachmentSerializer(many=True), **errors(401, 404)}),
    create=extend_schema(summary="Attach a file to an incident (editors)", request={"multipart/form-data": UploadSerializer},
                         responses={201: AttachmentSerializer, **errors(400, 401, 403, 404, 413)}),
    retrieve=extend_schema(summary="One attachment", responses={200: AttachmentSerializer, **errors(401, 404)}),
    partial_update=extend_schema(summary="Change an attachment's alt text or name (editors)",
                                 responses={200: AttachmentSerializer, **errors(400, 401, 403, 404)}),
    destroy=extend_schema(summary="Delete an attachment and its file (editors)", responses={204: None, **errors(401, 403, 404)}),
)
class AttachmentViewSet(UnderIncident, mixins.ListModelMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin,
                        mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    serializer_class = AttachmentSerializer
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    lookup_url_kwarg = "attachment_id"
    queryset = Attachment.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        return self.incident().attachments.select_related("uploaded_by").order_by("id")

    def _check_editor(self):
        if not may_attach(self.request.user, self.incident()):
            raise PermissionDenied("Only editors add, change or delete attachments.")

    def create(self, request, *args, **kwargs):
        self.incident()
        self._check_editor()
        upload = UploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        try:
            data = read_upload(file)
            attachment = add_attachment(self.incident(), data, name=file.name, by=request.user,
                                        alt=upload.validated_data["alt"], source=Source.API)
        except TooLarge as error:
            return Response({"detail": str(error)}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        except uploads.Refused as error:
            raise ValidationError({"file": [str(error)]}) from None
        except AttachmentRefused as error:
            raise PermissionDenied(str(error)) from None
        return Response(self.get_serializer(attachment).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        self.get_object()  # a missing attachment is a 404 before a viewer's 403
        self._check_editor()
        return super().update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        self.get_object()
        self._check_editor()
        return super().destroy(request, *args, **kwargs)

    def perform_update(self, serializer):
        data = serializer.validated_data
        serializer.instance = update_attachment(serializer.instance, by=self.request.user, alt=data.get("alt"),
                                                name=data.get("name"), source=Source.API)

    def perform_destroy(self, instance):
        delete_attachment(instance, by=self.request.user, source=Source.API)
