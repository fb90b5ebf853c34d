from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path, register_converter
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from incidents.api import (
    attachments as attachments_api,
    comments as comments_api,
    glossary,
    history as history_api,
    imports as imports_api,
    patterns as patterns_api,
    reviews as reviews_api,
    scales as scales_api,
    search as search_api,
    types as types_api,
    users as users_api,
    views as api,
)
from incidents.api.references import IncidentConverter
from incidents.web import (
    action_items,
    attachments,
    comments,
    exports,
    github,
    history,
    imports,
    incidents as views,
    notifications,
    people,
    people_slack,
    retrospectives,
    reviews,
    scales,
    search as web_search,
    slack,
    sso,
    tokens,
    types as type_pages,
)


class FaviconView(RedirectView):
    """/favicon.ico, which browsers ask for without a <link>: the SVG icon under static/ (hashed with DEBUG off)."""

    permanent = False

    def get_redirect_url(self, *args, **kwargs):
        return static("favicon.svg")


# An outage raised outside a view (e.g. the session saved by its middleware) answers 503, not 500 or 400.
handler500 = "incidents.web.unavailable.server_error"
handler400 = "incidents.web.unavailable.bad_request"

admin.site.login_form = sso.AdminSignInForm  # OIDC_ONLY: a password only for superusers there too
register_converter(IncidentConverter, "incident")  # 11 or INC-11 in API paths

router = DefaultRouter()
router.register("incidents", api.IncidentViewSet, basename="api-incident")
router.register("tags", api.TagViewSet, basename="api-tag")
router.register("services", api.ServiceViewSet, basename="api-service")
router.register("retrospectives", api.RetrospectiveViewSet, basename="api-retrospective")
router.register("glossary", glossary.GlossaryEntryViewSet, basename="api-glossary")
router.register("severities", scales_api.SeverityLevelViewSet, basename="api-severity")
router.register("incident-types", types_api.IncidentTypeViewSet, basename="api-incident-type")

api_v1 = [
    path("", include(router.urls)),
    path("incidents/<incident:incident_id>/comments/",
         comments_api.CommentViewSet.as_view({"get": "list", "post": "create"}), name="api-comment-list"),
    path("incidents/<incident:incident_id>/comments/<int:comment_id>/",
         comments_api.CommentViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
         name="api-comment-detail"),
    path("incidents/<incident:incident_id>/attachments/",
         attachments_api.AttachmentViewSet.as_view({"get": "list", "post": "create"}), name="api-attachment-list"),
    path("incidents/<incident:incident_id>/attachments/<int:attachment_id>/",
         attachments_api.AttachmentViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
         name="api-attachment-detail"),
    path("search/", search_api.SearchView.as_view(), name="api-search"),
    path("incidents/<incident:pk>/reviews/", reviews_api.ReviewsView.as_view(), name="api-incident-reviews"),
    path("users/", users_api.UserListView.as_view(), name="api-user-list"),
    path("users/<str:username>/", users_api.UserDetailView.as_view(), name="api-user-detail"),
    path("audit/", users_api.AuditListView.as_view(), name="api-audit"),
    path("patterns/", patterns_api.PatternsView.as_view(), name="api-patterns"),
    path("imports/", imports_api.ImportView.as_view(), name="api-imports"),
    path("incidents/<incident:pk>/revisions/", history_api.RevisionListView.as_view(), name="api-incident-revisions"),
    path("incidents/<incident:pk>/revisions/<int:number>/", history_api.RevisionDetailView.as_view(),
         name="api-incident-revision"),
    path("incidents/<incident:pk>/revisions/<int:number>/restore/", history_api.RevisionRestoreView.as_view(),
         name="api-incident-revision-restore"),
    path("schema/", SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[]), name="api-schema"),
    # The split view serves Swagger UI's start-up script from docs/?script= instead of inline, for the CSP.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", authentication_classes=[], permission_classes=[]),
        name="api-docs",
    ),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("accounts/notifications/", notifications.NotificationPreferencesView.as_view(), name="notification-preferences"),
    path("accounts/token/", tokens.TokenView.as_view(), name="api-token"),
    path("accounts/invite/<uidb64>/<token>/", people.InviteAcceptView.as_view(), name="people-invite"),
    path("accounts/login/", sso.SignInView.as_view(), name="login"),
    path("accounts/logout/", sso.SignOutView.as_view(), name="logout"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("oidc/login/", sso.start, name="oidc-login"),
    path("oidc/callback/", sso.callback, name="oidc-callback"),
    path("people/", people.PeopleView.as_view(), name="people"),
    path("people/audit/", people.AuditView.as_view(), name="people-audit"),
    path("people/slack/", people_slack.SlackSettingsView.as_view(), name="people-slack"),
    path("settings/severities/", scales.SeverityListView.as_view(), name="settings-severities"),
    path("settings/severities/<slug:key>/", scales.SeverityEditView.as_view(), name="settings-severity"),
    path("severities.css", scales.stylesheet, name="severities-css"),
    path("settings/types/", type_pages.TypeListView.as_view(), name="settings-types"),
    path("settings/types/<slug:key>/", type_pages.TypeEditView.as_view(), name="settings-type"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("incidents/", views.IncidentListView.as_view(), name="incident-list"),
    path("incidents/new/", views.IncidentEditView.as_view(), name="incident-create"),
    path("incidents/import/", imports.ImportView.as_view(), name="incident-import"),
    path("incidents/import/<uuid:pk>/", imports.ConfirmImportView.as_view(), name="incident-import-confirm"),
    path("incidents/<str:reference>/", views.IncidentDetailView.as_view(), name="incident-detail"),
    path("incidents/<str:reference>/related/", views.IncidentRelatedView.as_view(), name="incident-related"),
    path("incidents/<str:reference>/edit/", views.IncidentEditView.as_view(), name="incident-edit"),
    path("incidents/<str:reference>/status/", views.IncidentStatusView.as_view(), name="incident-status"),
    path("incidents/<str:reference>/review-request/", reviews.ReviewRequestView.as_view(), name="incident-review-request"),
    path("incidents/<str:reference>/reviews/", reviews.ReviewView.as_view(), name="incident-review"),
    path("incidents/<str:reference>/history/", history.HistoryView.as_view(), name="incident-history"),
    path("incidents/<str:reference>/history/<int:number>/restore/", history.RestoreView.as_view(),
         name="incident-restore"),
    path("incidents/<str:reference>/action-items/<int:item>/github-issue/", github.FileIssueView.as_view(),
         name="action-item-file-issue"),
    path("incidents/<str:reference>/comments/", comments.CommentCreateView.as_view(), name="comment-create"),
    path("incidents/<str:reference>/comments/<int:pk>/resolve/", comments.ResolveView.as_view(), name="comment-resolve"),
    path("incidents/<str:reference>/mentionable/", comments.MentionableView.as_view(), name="comment-mentionable"),
    path("incidents/<str:reference>/comments/<int:pk>/edit/", comments.CommentEditView.as_view(), name="comment-edit"),
    path("incidents/<str:reference>/comments/<int:pk>/delete/", comments.CommentDeleteView.as_view(),
         name="comment-delete"),
    path("github/webhook/", github.WebhookView.as_view(), name="github-webhook"),
    path("slack/commands/", slack.CommandView.as_view(), name="slack-commands"),
    path("slack/events/", slack.EventView.as_view(), name="slack-events"),
    path("patterns/", views.PatternsView.as_view(), name="patterns"),
    path("search/open/<str:reference>/", web_search.SearchOpenView.as_view(), name="search-open"),
    path("search/gaps/", web_search.SearchGapsView.as_view(), name="search-gaps"),
    path("search/gaps/glossary/", web_search.SearchGlossaryView.as_view(), name="search-glossary"),
    path("action-items/", action_items.ActionItemListView.as_view(), name="action-item-list"),
    path("incidents/<str:reference>/attachments/", attachments.AttachmentsView.as_view(), name="incident-attachment-add"),
    path("incidents/<str:reference>/attachments/<int:attachment_id>/delete/", attachments.AttachmentDeleteView.as_view(),
         name="incident-attachment-delete"),
    path("incidents/<str:reference>/attachments/<int:attachment_id>/<str:name>", attachments.download,
         name="incident-attachment"),
    path("incidents/<str:reference>/export.<str:fmt>", exports.IncidentExportView.as_view(), name="incident-export"),
    path("retrospectives/", retrospectives.RetrospectiveListView.as_view(), name="retrospective-list"),
    path("retrospectives/new/", retrospectives.RetrospectiveCreateView.as_view(), name="retrospective-create"),
    path("retrospectives/<int:pk>/", retrospectives.RetrospectiveDetailView.as_view(), name="retrospective-detail"),
    path("retrospectives/<int:pk>/edit/", retrospectives.RetrospectiveUpdateView.as_view(), name="retrospective-edit"),
    path("retrospectives/<int:pk>/agenda/", retrospectives.AgendaView.as_view(), name="retrospective-agenda"),
    path("retrospectives/<int:pk>/notes/", retrospectives.AgendaNotesView.as_view(),
         name="retrospective-notes"),
    path("retrospectives/<int:pk>/close/", retrospectives.RetrospectiveCloseView.as_view(), name="retrospective-close"),
    path("retrospectives/<int:pk>/export.<str:fmt>", exports.RetrospectiveExportView.as_view(),
         name="retrospective-export"),
    path("retrospectives/<int:pk>/exports/", exports.ExportRequestView.as_view(),
         name="retrospective-export-request"),
    path("exports/<int:pk>/", exports.ExportJobView.as_view(), name="export-job"),
    path("exports/<int:pk>/download/", exports.ExportDownloadView.as_view(), name="export-download"),
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    path("", RedirectView.as_view(pattern_name="incident-list", permanent=False)),
]
