"""Browser pages: thin views over the models, the shared FilterSet, search and patterns."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import DetailView, TemplateView

from . import charts, patterns, search
from .filters import IncidentFilter
from .models import Incident, Lesson, Status


class IncidentListView(LoginRequiredMixin, TemplateView):
    """Newest first with the shared filters; with ``q``, full-text search results ranked instead."""

    template_name = "incidents/incident_list.html"
    page_size = 25

    def get_context_data(self, **kwargs):
        visible = Incident.objects.visible_to(self.request.user)
        filterset = IncidentFilter(self.request.GET, queryset=visible.newest_first())
        query = self.request.GET.get("q", "").strip()[:500]
        page_number = self.request.GET.get("page", "1")
        page_number = int(page_number) if page_number.isdigit() and int(page_number) > 0 else 1
        filters_active = any(value for key, value in self.request.GET.items() if key not in ("q", "page"))
        context = {"filter": filterset, "query": query, "filters_active": filters_active}
        if query and filterset.is_valid():
            tags = filterset.form.cleaned_data.get("tag") or []
            results = search.search(query, self.request.user, page=page_number, page_size=self.page_size,
                                    tags=tags, match_all_tags=filterset.form.cleaned_data.get("tag_mode") != "any")
            incidents = {i.pk: i for i in visible.filter(pk__in=[h.id for h in results.hits]).prefetch_related("tags")}
            rows = [(incidents[hit.id], hit) for hit in results.hits if hit.id in incidents]
            paginator = Paginator(range(results.count), self.page_size)
            context.update(rows=rows, fallback=results.fallback, count=results.count,
                           page=paginator.get_page(page_number))
        else:
            queryset = filterset.qs if filterset.is_valid() else visible.none()
            page = Paginator(queryset.prefetch_related("tags"), self.page_size).get_page(page_number)
            context.update(rows=[(incident, None) for incident in page], count=page.paginator.count, page=page)
        params = self.request.GET.copy()
        params.pop("page", None)
        context["params"] = params.urlencode()
        return super().get_context_data(**context, **kwargs)


class IncidentDetailView(LoginRequiredMixin, DetailView):
    template_name = "incidents/incident_detail.html"
    context_object_name = "incident"

    def get_object(self, queryset=None):
        visible = Incident.objects.visible_to(self.request.user).for_document()
        try:
            return visible.by_reference(self.kwargs["reference"])
        except Incident.DoesNotExist:
            raise Http404(_("No such incident, or you may not see it.")) from None

    def get_context_data(self, **kwargs):
        incident = self.object
        lessons = list(incident.lessons.all())
        return super().get_context_data(
            graph=charts.factor_graph(incident.factors.all()),
            lesson_groups=[(label, [lesson for lesson in lessons if lesson.kind == kind])
                           for kind, label in Lesson.Kind.choices],
            similar=search.similar(incident, self.request.user),
            transitions=[(status, Status(status).label) for status in incident.allowed_transitions()]
            if self.request.user.has_perm("incidents.change_incident") else [],
            today=timezone.localdate(),
            **kwargs,
        )


class IncidentStatusView(PermissionRequiredMixin, View):
    """Move an incident along the review workflow (editors only); the buttons show the allowed steps."""

    permission_required = "incidents.change_incident"
    http_method_names = ["post"]

    def post(self, request, reference):
        with transaction.atomic():
            try:
                incident = Incident.objects.select_for_update().by_reference(reference)
            except Incident.DoesNotExist:
                raise Http404(_("No such incident, or you may not see it.")) from None
            target = request.POST.get("status")
            if target not in incident.allowed_transitions():
                messages.error(request, _("That status change is not allowed from here."))
            else:
                incident.status = target
                incident.save()
                messages.success(request, _("Status changed to %(status)s.") % {"status": Status(target).label})
        return redirect(incident.get_absolute_url())


class PatternsView(LoginRequiredMixin, TemplateView):
    template_name = "incidents/patterns.html"

    def get_context_data(self, **kwargs):
        found = patterns.patterns(Incident.objects.visible_to(self.request.user))
        sections = [
            ("tags", _("Tags"), found.tags),
            ("services", _("Services"), found.services),
            ("categories", _("Factor categories"), found.categories),
        ]
        return super().get_context_data(
            patterns=found,
            sections=[{"key": key, "title": title, "rows": rows, "chart": charts.heatmap(rows, found.quarters)}
                      for key, title, rows in sections],
            **kwargs,
        )
