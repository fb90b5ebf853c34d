from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from incidents import api, views

router = DefaultRouter()
router.register("incidents", api.IncidentViewSet, basename="api-incident")
router.register("tags", api.TagViewSet, basename="api-tag")
router.register("services", api.ServiceViewSet, basename="api-service")

api_v1 = [
    path("", include(router.urls)),
    path("search/", api.SearchView.as_view(), name="api-search"),
    path("patterns/", api.PatternsView.as_view(), name="api-patterns"),
    path("schema/", SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[]), name="api-schema"),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema", authentication_classes=[], permission_classes=[]),
        name="api-docs",
    ),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("incidents/", views.IncidentListView.as_view(), name="incident-list"),
    path("incidents/new/", views.IncidentEditView.as_view(), name="incident-create"),
    path("incidents/<str:reference>/", views.IncidentDetailView.as_view(), name="incident-detail"),
    path("incidents/<str:reference>/edit/", views.IncidentEditView.as_view(), name="incident-edit"),
    path("incidents/<str:reference>/status/", views.IncidentStatusView.as_view(), name="incident-status"),
    path("patterns/", views.PatternsView.as_view(), name="patterns"),
    path("", RedirectView.as_view(pattern_name="incident-list", permanent=False)),
]
