"""Browser pages for incidents: the list (filters and search), an incident, its workflow buttons, the
create/edit page, and the recurring patterns. Thin views over the models, the shared FilterSet, search
and incidents.actions."""

import datetime
from collections import Counter
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.utils.decorators import method_decorator
from django.views.generic import DetailView, TemplateView

from incidents import charts, diagram, embeds, facet_counts, patterns, recurrence, roles, search
from incidents.conditional import conditional
from incidents.actions import searchlog, workflow
from incidents.actions.document import DocumentInvalid
from incidents.actions.incidents import VersionConflict, save_incident
from incidents.filters import IncidentFilter
from incidents.forms import fields as custom_fields
from incidents.forms import incident as forms
from incidents.forms import logpaste
from incidents.forms.attachments import AttachmentForm
from incidents.forms.review import ReviewForm, ReviewRequestForm
from incidents.models import Incident, Lesson, Source, Status, Tag
from incidents.models.types import extra_rows, field_keys, field_rows

from . import comments, facets, sections
from .shortcuts import incident_or_404


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
        parsed = search.parse(query, field_keys() if query else frozenset())
        problems = parsed.problems  # shown like a field's errors; nothing is listed
        context = {"filter": filterset, "query": query, "query_problems": problems, "filters_active": filters_active,
                   "query_param": quote(query, safe="")}  # results link through /search/open/…?q= (the log)
        if query and filterset.is_valid() and not problems:
            try:
                results = search.search(query, self.request.user, page=page_number, page_size=self.page_size,
                                        with_facets=True, **self.search_filters(filterset.form.cleaned_data))
            except search.SearchUnavailable:
                context.update(unavailable=True, rows=[], count=0, page=Paginator([], self.page_size).get_page(1))
                return super().get_context_data(**context, **kwargs)
            incidents = {i.pk: i for i in visible.filter(pk__in=[h.id for h in results.hits]).for_list()}
            rows = [(incidents[hit.id], hit) for hit in results.hits if hit.id in incidents]
            paginator = Paginator(range(results.count), self.page_size)
            # Where, on this page, the incidents with only some of the words begin (below a line saying so).
            more_row = None if results.more_from is None else results.more_from - (page_number - 1) * self.page_size
            context.update(more_row=more_row, more_partial_words=results.more_partial_words)
            if page_number == 1:  # the search, logged once the page is sent (paging on is the same search)
                context["logged"] = (query, results.count, results.fallback or results.partial_words)
            context.update(rows=rows, fallback=results.fallback, partial_words=results.partial_words, count=results.count,
                           page=paginator.get_page(page_number), glossary=results.glossary,
                           facets=facets.panel(results.top_facets(facets.LIMIT), self.request.GET, parsed.filters)
                           + facets.field_panel(results.field_facets(facets.LIMIT), self.request.GET, parsed.fields))
        else:
            listed = filterset.is_valid() and not problems
            queryset = filterset.qs if listed else visible.none()
            count, top, fields = facet_counts.counted(queryset, facets.LIMIT) if listed else (0, None, None)
            paginator = Paginator(queryset.for_list(), self.page_size)
            paginator.count = count  # counted with the facets (kept together)
            page = paginator.get_page(page_number)
            context.update(rows=[(incident, None) for incident in page], count=count, page=page,
                           facets=facets.panel(top, self.request.GET) + facets.field_panel(fields, self.request.GET)
                           if listed else [])
        if not query and not filters_active and page_number == 1 and self.request.user.has_perm("incidents.change_incident"):
            context["waiting"] = list(visible.waiting_for_review_by(self.request.user))
        params = self.request.GET.copy()
        params.pop("page", None)
        context["params"] = params.urlencode()
        return super().get_context_data(**context, **kwargs)


    def render_to_response(self, context, **response_kwargs):
        """While the search index is being built or repaired, a search says so (503), never "no match"."""
        if context.get("unavailable"):
            response_kwargs["status"] = 503
            response = super().render_to_response(context, **response_kwargs)
            response["Retry-After"] = str(search.SearchUnavailable.retry_after)
            return response
        response = super().render_to_response(context, **response_kwargs)
        if context.get("logged"):
            searchlog.after(response, searchlog.record_search, *context["logged"], "page")
        return response

    @staticmethod
    def search_filters(cleaned):
        """The shared FilterSet's values as search arguments, so a search honours every filter shown."""
        github = cleaned.get("github")
        return {
            "tags": cleaned.get("tag") or [],
            "match_all_tags": cleaned.get("tag_mode") != "any",
            "any_of": {
                "status": [cleaned["status"]] if cleaned.get("status") else [],
                "severity": [cleaned["severity"]] if cleaned.get("severity") else [],
                "service": cleaned.get("service") or [],
                "category": [cleaned["category"]] if cleaned.get("category") else [],
                "github": [github.short] if github else [],
            },
            "fields": [(key, value) for key, value, _kind in cleaned.get("field") or []],
            "started": (cleaned.get("started_after"), cleaned.get("started_before")),
        }


@method_decorator(conditional("page", "reference"), name="get")
class IncidentDetailView(LoginRequiredMixin, DetailView):
    template_name = "incidents/incident_detail.html"
    context_object_name = "incident"

    def get_object(self, queryset=None):
        incidents = Incident.objects.visible_to(self.request.user).for_document().prefetch_related("type__custom_fields")
        return incident_or_404(incidents.prefetch_related("action_items__github_issue_requests"), self.kwargs["reference"])

    def get_context_data(self, **kwargs):
        incident = self.object
        lessons = list(incident.lessons.all())
        linked = [child.github for child in [*incident.action_items.all(), *incident.links.all()] if child.github]
        repositories = Counter(f"{ref.owner}/{ref.repo}" for ref in linked)
        return super().get_context_data(
            graph=diagram.factor_graph(incident.factors.all()),
            attachments=embeds.listed(incident),
            lesson_groups=[(label, [lesson for lesson in lessons if lesson.kind == kind])
                           for kind, label in Lesson.Kind.choices],
            transitions=incident.transitions_for(self.request.user)
            if self.request.user.has_perm("incidents.change_incident") else [],
            today=timezone.localdate(),
            github_repository=repositories.most_common(1)[0][0] if repositories else "",
            page_sections=sections.page_sections(incident),
            **dict(zip(("field_rows", "retired_field_rows"), field_rows(incident), strict=True)),
            extra_rows=extra_rows(incident),
            **self.review_context(incident),
            **comments.discussion(incident, self.request.user),
            **kwargs,
        )


    def review_context(self, incident):
        user = self.request.user
        is_editor = user.has_perm("incidents.change_incident")
        is_author = any(author.pk == user.pk for author in incident.authors.all())  # prefetched: no query
        # asking again changes the reviewers of one in review; a published one goes back to review this way
        request_form = ReviewRequestForm(incident=incident) if is_editor and (
            incident.status == Status.IN_REVIEW or Status.IN_REVIEW in incident.allowed_transitions()) else None
        return {
            "reviews": incident.reviews.all(),  # prefetched with their reviewers (for_document)
            "review_request_form": request_form,
            # nobody to ask: every editor is an author (a team of one); the page says how to get a reviewer
            "no_reviewer": request_form is not None and not request_form.fields["reviewers"].queryset.exists(),
            "approvals": [review.reviewer for review in incident.reviews.approvals_of(incident).select_related("reviewer")]
            if incident.status == Status.IN_REVIEW else [],
            "may_publish_directly": user.has_perm(Incident.PUBLISH_DIRECTLY),
            "is_admin": roles.is_admin(user),
            "review_form": ReviewForm() if is_editor and not is_author and incident.status == Status.IN_REVIEW else None,
            "review_required": settings.POSTMORTEM_REVIEW_REQUIRED,
        }


class IncidentRelatedView(LoginRequiredMixin, DetailView):
    """The similar incidents of an incident and what similar earlier ones planned: a part the incident page fetches
    (``?part=1``, js/related.js), or a page of its own (without script). Never cached as the incident page is: it
    depends on every other incident."""

    context_object_name = "incident"

    def get_template_names(self):
        return ["incidents/_related.html" if self.request.GET.get("part") else "incidents/incident_related.html"]

    def get_object(self, queryset=None):
        return incident_or_404(Incident.objects.visible_to(self.request.user), self.kwargs["reference"])

    def get_context_data(self, **kwargs):
        try:
            similar, unavailable = search.similar(self.object, self.request.user), False
        except search.SearchUnavailable:  # the page never depends on the index
            similar, unavailable = [], True
        return super().get_context_data(similar=similar, similar_unavailable=unavailable,
                                        recurrence=recurrence.recurrence(self.object, self.request.user, similar), **kwargs)


class IncidentStatusView(PermissionRequiredMixin, View):
    """Move an incident along the review workflow (editors only); the buttons show the allowed steps."""

    permission_required = "incidents.change_incident"
    http_method_names = ["post"]

    def post(self, request, reference):
        incident = incident_or_404(Incident.objects.visible_to(request.user), reference)
        target = request.POST.get("status", "")
        try:
            workflow.move(incident, target, by=request.user)
        except workflow.Refused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Status changed to %(status)s.") % {"status": Status(target).label})
        return redirect(incident.get_absolute_url())


class IncidentEditView(PermissionRequiredMixin, View):
    """Create (no reference in the URL) or edit an incident with all its rows on one page.

    Buttons other than Save (add a row, preview the Markdown, turn a pasted log into timeline rows)
    re-show the page with what was typed and store nothing. Save goes through actions' save_incident,
    which refuses a copy someone else has saved over since the page was opened.
    """

    permission_required = ("incidents.add_incident", "incidents.change_incident")
    template_name = "incidents/incident_form.html"

    def get_incident(self):
        if "reference" not in self.kwargs:
            return Incident()
        return incident_or_404(Incident.objects.visible_to(self.request.user), self.kwargs["reference"])

    def get(self, request, reference=None):
        incident = self.get_incident()
        rows = forms.initial_rows(incident)
        formsets = {key: formset(prefix=prefix, initial=rows[key]) for key, prefix, formset, _title in forms.SECTIONS}
        return self.render(incident, forms.IncidentForm(instance=incident), formsets, logpaste.LogPasteForm(prefix="log"))

    def post(self, request, reference=None):
        incident = self.get_incident()
        data = request.POST.copy()
        action = data.get("action", "save")
        log_form = logpaste.LogPasteForm(data if action == "parse_log" else None, prefix="log")
        parsed = None
        if action == "parse_log" and log_form.is_valid():
            parsed = log_form.parse()
            self.append_rows(data, "timeline", [logpaste.timeline_row(event) for event in parsed.events])
            # the box keeps only what could not be read, so nothing is lost and nothing is added twice
            log_form = logpaste.LogPasteForm(prefix="log", initial={"log": "\n".join(parsed.leftover),
                                                                 **{k: log_form.cleaned_data[k] for k in ("date", "zone")}})
        elif action.startswith("add:"):
            self.append_rows(data, action.removeprefix("add:"), [{}])
        form = forms.IncidentForm(data, instance=incident)
        formsets = {key: formset(data, prefix=prefix) for key, prefix, formset, _title in forms.SECTIONS}
        if action.startswith("add:"):
            self.focus_new_row(formsets.get(action.removeprefix("add:")))
        if action != "save":
            read = [(event, logpaste.kind_label(event.kind)) for event in parsed.events] if parsed else []
            return self.render(incident, form, formsets, log_form, show_errors=False, parsed=parsed, read=read,
                               preview=action == "preview")
        if not (form.is_valid() and all(formset.is_valid() for formset in formsets.values())):
            return self.render(incident, form, formsets, log_form, invalid=True)
        document = form.document() | {key: formset.rows() for key, formset in formsets.items()}
        if incident.pk is None:
            document["authors"] = [request.user]
        try:
            save_incident(incident, document, expected_version=form.cleaned_data["version"] if incident.pk else None,
                          user=request.user, source=Source.WEB)
        except VersionConflict as conflict:
            return self.conflict(incident.pk, data, formsets, log_form, conflict.current_version)
        except DocumentInvalid as invalid:  # a rule across fields or rows (a link listed twice, a cycle…)
            forms.show_document_errors(form, formsets, invalid.errors)
            return self.render(incident, form, formsets, log_form, invalid=True)
        messages.success(request, _("Saved %(reference)s.") % {"reference": incident.reference})
        return redirect(incident.get_absolute_url())

    @staticmethod
    def append_rows(data, key, rows):
        """Add rows to a bound formset's data (``key`` a document key such as ``timeline``)."""
        prefix = next((prefix for name, prefix, *_rest in forms.SECTIONS if name == key), None)
        if prefix is None:
            return
        total = data.get(f"{prefix}-TOTAL_FORMS", "0")
        total = int(total) if total.isdigit() else 0
        for offset, row in enumerate(rows):
            for field, value in row.items():
                data[f"{prefix}-{total + offset}-{field}"] = value
        data[f"{prefix}-TOTAL_FORMS"] = str(total + len(rows))

    @staticmethod
    def focus_new_row(formset):
        """Put the cursor in the first box of the row an "Add" button just made. The button's URL fragment
        (``#timeline-3``) scrolls the page to that row; with ``autofocus`` typing starts there too."""
        if formset is not None and formset.forms:
            first = next(iter(formset.forms[-1].visible_fields()), None)
            if first is not None:
                first.field.widget.attrs["autofocus"] = True

    def conflict(self, pk, data, formsets, log_form, current_version):
        """Someone saved since this copy was opened: show what differs, keep every word typed, store nothing."""
        current = Incident.objects.get(pk=pk)
        theirs = {name: getattr(current, name) for name in forms.IncidentForm.Meta.fields} | {
            "tags": [tag.name for tag in current.tags.all()],
            "services": [service.name for service in current.services.all()],
        }
        data["version"] = str(current_version)  # saving again from this page is a deliberate overwrite
        form = forms.IncidentForm(data, instance=current)
        form.is_valid()
        differences = [(form[name].label, _shown(value)) for name, value in theirs.items()
                       if name in form.fields and _shown(value) != _shown(form.cleaned_data.get(name))]
        return self.render(current, form, formsets, log_form, status=409,
                           conflict={"version": current_version, "differences": differences})

    def render(self, incident, form, formsets, log_form, *, show_errors=True, status=200, **extra):
        titles = {key: form.headings.get(key, ("", ""))[0] or title for key, _prefix, _formset, title in forms.SECTIONS}
        sections = [(key, titles[key], formsets[key])
                    for key in custom_fields.in_template_order([key for key, *_rest in forms.SECTIONS], form.incident_type)]
        context = {"incident": incident, "form": form, "sections": sections, "log_form": log_form,
                   "show_errors": show_errors, "time_zone": timezone.get_current_timezone_name(),
                   "common_time_zones": forms.COMMON_TIME_ZONES, **attachments_context(incident), **extra}
        return render(self.request, self.template_name, context, status=status)


def attachments_context(incident):
    """The edit page's Attachments section: the files, the form adding more without JavaScript, the limit."""
    return {"attachments": list(incident.attachments.order_by("id")) if incident.pk else [],
            "attachment_form": AttachmentForm(), "max_attachment_bytes": settings.POSTMORTEM_MAX_ATTACHMENT_BYTES}


def _shown(value):
    """A field value as a person compares it: local time to the second, lists joined, line ends unified."""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return "" if value is None else str(value).replace("\r\n", "\n").strip()


class PatternsView(LoginRequiredMixin, TemplateView):
    """Heatmaps of tags, services and factor categories per quarter, and plots over time: incidents per
    quarter and the median times to detect and resolve, for every incident or those with ``?tag=``."""

    template_name = "incidents/patterns.html"

    def get_context_data(self, **kwargs):
        tag = Tag.normalize(self.request.GET.get("tag", "")[:100])
        visible = Incident.objects.visible_to(self.request.user)
        choosable = patterns.pattern_fields()
        chosen = choosable.get(self.request.GET.get("field", "")[:60])  # an unknown key: none chosen
        found = patterns.patterns(visible, tag=tag, field=chosen)
        over_time = found.over_time
        try:
            rates = patterns.recurrence_rates(visible, found.quarters, found.window_days)
        except search.SearchUnavailable:  # the page never depends on the index
            rates = None
        sections = [
            ("tags", _("Tags"), found.tags),
            ("services", _("Services"), found.services),
            ("categories", _("Factor categories"), found.categories),
            *([(f"field-{chosen.key}", chosen.label, found.field_rows)] if chosen else []),
        ]
        return super().get_context_data(
            patterns=found,
            recurrence_rates=rates,
            tag_names=sorted(row.name for row in found.tags),
            pattern_fields=list(choosable.values()),
            counts_chart=charts.bar_chart(found.quarters, [q.count for q in over_time]),
            detect_chart=charts.line_chart(found.quarters, [q.median_time_to_detect for q in over_time]),
            resolve_chart=charts.line_chart(found.quarters, [q.median_time_to_resolve for q in over_time]),
            sections=[{"key": key, "title": title, "rows": rows, "chart": charts.heatmap(rows, found.quarters)}
                      for key, title, rows in sections],
            **kwargs,
        )
