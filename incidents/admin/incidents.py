"""The admin site's pages for incidents, their children, labels, meetings, GitHub records and the glossary:
every save and deletion goes through an action (incidents.actions.admin_site, deletions, glossary)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from incidents import dates
from incidents.actions import admin_site, deletions, workflow
from incidents.actions.comments import delete_comment, delete_comments
from incidents.actions.github.poll import queue_github_sync
from incidents.actions.glossary import delete_entries, delete_entry, save_entry
from incidents.forms.incident import severity_field
from incidents.models import (
    ActionItem,
    AgendaItem,
    Comment,
    ContributingFactor,
    ExternalLink,
    GitHubDelivery,
    GitHubIssueRequest,
    GitHubPause,
    GitHubReference,
    GlossaryEntry,
    Incident,
    Lesson,
    Retrospective,
    Service,
    Tag,
    TimelineEvent,
)

# Dates and times typed here are checked like in the pages and the API (a year-1 time overflows when the
# database converts it to UTC).
DATE_CHECKS = {models.DateTimeField: {"validators": [dates.validate]}, models.DateField: {"validators": [dates.validate]}}


class TimelineInline(admin.TabularInline):
    model = TimelineEvent
    extra = 0
    formfield_overrides = DATE_CHECKS


class FactorForm(forms.ModelForm):
    class Meta:
        model = ContributingFactor
        fields = ["category", "description", "leads_to"]

    def clean_leads_to(self):
        targets = self.cleaned_data["leads_to"]
        try:
            self.instance.validate_leads_to(targets)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from None
        return targets


class FactorInline(admin.StackedInline):
    model = ContributingFactor
    form = FactorForm
    fk_name = "incident"
    extra = 0

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "leads_to":
            incident_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = ContributingFactor.objects.filter(incident_id=incident_id or 0)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class LessonInline(admin.TabularInline):
    model = Lesson
    extra = 0


class ActionItemInline(admin.TabularInline):
    model = ActionItem
    extra = 0
    formfield_overrides = DATE_CHECKS
    exclude = ["github"]


class LinkInline(admin.TabularInline):
    model = ExternalLink
    extra = 0
    exclude = ["github"]


class IncidentAdminForm(forms.ModelForm):
    """The incident's own fields; a status change the workflow refuses is an error on the status field."""

    user = None  # the person saving (set by IncidentAdmin.get_form)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "severity" in self.fields:  # the scale's levels in order (a ModelForm would offer free text)
            self.fields["severity"] = severity_field(self.instance.severity if self.instance.pk else None)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status"):
            try:
                admin_site.check_status(self.instance, cleaned["status"], by=self.user, authors=cleaned.get("authors"))
            except workflow.Refused as exc:
                self.add_error("status", str(exc))
        if cleaned.get("authors") is not None and self.instance.pk:
            conflict = Incident.reviewer_conflict(self.instance.reviewers.all(), cleaned["authors"])
            if conflict:
                self.add_error("authors", conflict)
        return cleaned


class DeletedByAction:
    """Deletions from the admin through an action of incidents.actions.deletions (``delete_action``), one by one."""

    delete_action = None

    def delete_model(self, request, obj):
        type(self).delete_action(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(Incident)
class IncidentAdmin(DeletedByAction, admin.ModelAdmin):
    delete_action = deletions.delete_incident
    form = IncidentAdminForm
    list_display = ["reference", "title", "severity_label", "status", "started_at", "time_to_resolve"]
    list_display_links = ["reference", "title"]
    list_filter = ["status", "severity", "tags", "services"]
    search_fields = ["title", "summary", "analysis"]
    date_hierarchy = "started_at"
    autocomplete_fields = ["tags", "services", "authors", "members"]
    readonly_fields = ["time_to_detect", "time_to_mitigate", "time_to_resolve", "version", "created_at", "updated_at"]
    inlines = [TimelineInline, FactorInline, LessonInline, ActionItemInline, LinkInline]
    formfield_overrides = DATE_CHECKS
    fieldsets = [
        (None, {"fields": ["title", "severity", "status", "tags", "services", "authors"]}),
        (_("Access"), {"fields": ["visibility", "members"]}),
        ("Write-up", {"fields": ["summary", "impact", "analysis", "resolution"]}),
        ("Times", {"fields": ["started_at", "detected_at", "mitigated_at", "resolved_at",
                              "time_to_detect", "time_to_mitigate", "time_to_resolve"]}),
        ("Record", {"fields": ["version", "created_at", "updated_at"]}),
    ]

    @admin.display(description="reference", ordering="pk")
    def reference(self, obj):
        return obj.reference

    @admin.display(description=_("severity"), ordering="severity")
    def severity_label(self, obj):
        return obj.get_severity_display()

    def get_search_results(self, request, queryset, search_term):
        """``INC-42`` finds incident 42 as well as incidents whose text mentions it."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        try:
            results |= queryset.filter(pk=queryset.by_reference(search_term).pk)
        except Incident.DoesNotExist:
            pass
        return results, may_have_duplicates

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)  # a class made for this request
        form.user = request.user
        return form

    def save_model(self, request, obj, form, change):
        """Nothing yet: save_related stores the incident with its inlines, in one action."""

    def save_related(self, request, form, formsets, change):
        admin_site.save_incident(form, formsets, by=request.user)


class RecordAdmin(admin.ModelAdmin):
    """Rows without a history of their own, saved through an action (admin_site.save_record)."""

    def save_model(self, request, obj, form, change):
        """Nothing yet: save_related stores the row with its inlines, in one action."""

    def save_related(self, request, form, formsets, change):
        admin_site.save_record(form, formsets)


@admin.register(Tag, Service)
class LabelAdmin(RecordAdmin):
    list_display = ["name"]
    search_fields = ["name"]


@admin.register(GitHubReference)
class GitHubReferenceAdmin(RecordAdmin):
    list_display = ["short", "kind", "state", "state_reason", "title", "synced_at", "due_at", "sync_error"]
    list_filter = ["kind", "state", "gone"]
    search_fields = ["owner", "repo", "title"]
    readonly_fields = ["state_reason", "changed_at", "synced_at", "sync_error", "gone", "etag", "attempts"]
    actions = ["sync_now"]

    @admin.action(description="Ask GitHub about the selected references now")
    def sync_now(self, request, queryset):
        self.message_user(request, f"Asked for {queue_github_sync(queryset)} reference(s).")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records of what happened: looked at, never edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(GitHubDelivery)
class GitHubDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "event", "action", "status_code", "outcome", "redeliveries", "delivery_id"]
    list_filter = ["event", "status_code"]
    search_fields = ["delivery_id", "outcome"]
    date_hierarchy = "received_at"


@admin.register(GitHubIssueRequest)
class GitHubIssueRequestAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "incident", "repository", "title", "status", "issue_url", "error"]
    list_filter = ["status"]
    list_select_related = ["incident"]


@admin.register(GitHubPause)
class GitHubPauseAdmin(ReadOnlyAdmin):
    list_display = ["until", "reason"]


class ChildAdmin(admin.ModelAdmin):
    """The children also have lists of their own, across incidents (e.g. every open action item)."""

    list_select_related = ["incident"]
    raw_id_fields = ["incident"]
    exclude = ["github"]
    formfield_overrides = DATE_CHECKS

    def save_model(self, request, obj, form, change):
        """Nothing yet: save_related stores the row, in one action with its revision."""

    def save_related(self, request, form, formsets, change):
        admin_site.save_child(form, formsets, by=request.user)


@admin.register(ActionItem)
class ActionItemAdmin(ChildAdmin):
    list_display = ["title", "incident", "kind", "status", "owner", "due_date", "github"]
    list_filter = ["status", "kind", "due_date"]
    search_fields = ["title", "owner", "incident__title"]


@admin.register(TimelineEvent)
class TimelineEventAdmin(ChildAdmin):
    list_display = ["occurred_at", "kind", "incident", "source"]
    list_filter = ["kind"]
    search_fields = ["description", "source", "incident__title"]


@admin.register(ContributingFactor)
class ContributingFactorAdmin(ChildAdmin):
    form = FactorForm
    fields = ["incident", "category", "description", "leads_to"]
    list_display = ["__str__", "category", "incident"]
    list_filter = ["category"]
    search_fields = ["description", "incident__title"]
    filter_horizontal = ["leads_to"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.base_fields["leads_to"].queryset = (
            ContributingFactor.objects.filter(incident=obj.incident).exclude(pk=obj.pk) if obj else ContributingFactor.objects.none()
        )
        return form


@admin.register(Lesson)
class LessonAdmin(ChildAdmin):
    list_display = ["__str__", "kind", "incident"]
    list_filter = ["kind"]
    search_fields = ["text", "incident__title"]


@admin.register(ExternalLink)
class ExternalLinkAdmin(ChildAdmin):
    list_display = ["__str__", "relation", "incident", "github"]
    list_filter = ["relation"]
    search_fields = ["url", "title", "incident__title"]


@admin.register(Comment)
class CommentAdmin(ChildAdmin):
    exclude = []
    raw_id_fields = ["incident", "author", "timeline_event", "factor", "action_item", "resolved_by"]
    list_select_related = ["incident", "author"]
    list_display = ["__str__", "author", "created_at", "edited_at"]
    list_filter = ["created_at"]
    search_fields = ["body", "author__username", "incident__title"]

    # Comments are posted and changed on the incident page or the API, by their author only (Comment.can_edit):
    # here they are read, and deleted through the action that checks Comment.can_delete.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        delete_comment(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        delete_comments(queryset, by=request.user)


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0
    raw_id_fields = ["incident"]


@admin.register(Retrospective)
class RetrospectiveAdmin(DeletedByAction, RecordAdmin):
    delete_action = deletions.delete_meeting
    list_display = ["title", "date", "facilitator", "closed_at"]
    search_fields = ["title", "facilitator"]
    date_hierarchy = "date"
    readonly_fields = ["closed_at", "created_at"]
    inlines = [AgendaItemInline]
    formfield_overrides = DATE_CHECKS



class TermsField(forms.CharField):
    """A glossary entry's terms, one per line (blank lines ignored); the model checks them."""

    widget = forms.Textarea(attrs={"rows": 8})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, (list, tuple)) else value

    def to_python(self, value):
        return [line.strip() for line in super().to_python(value).splitlines() if line.strip()]


class GlossaryEntryForm(forms.ModelForm):
    terms = TermsField(label=_("terms"), help_text=_("One word or phrase per line, in any language."))

    class Meta:
        model = GlossaryEntry
        fields = ["key", "category", "terms", "enabled"]


@admin.register(GlossaryEntry)
class GlossaryEntryAdmin(admin.ModelAdmin):
    form = GlossaryEntryForm
    list_display = ["key", "category", "term_list", "enabled", "updated_at"]
    list_filter = ["category", "enabled"]
    search_fields = ["key"]  # shows the search box; the search itself is get_search_results
    readonly_fields = ["updated_at"]

    @admin.display(description=_("terms"))
    def term_list(self, entry):
        return " / ".join(entry.terms)

    def get_search_results(self, request, queryset, search_term):
        """A term or key containing the text, compared folded (ユーザ finds ユーザー; Japanese on SQLite too)."""
        return queryset.matching(search_term), False

    # Writes through incidents.actions.glossary, like the API's.
    def save_model(self, request, obj, form, change):
        save_entry(obj)

    def delete_model(self, request, obj):
        delete_entry(obj)

    def delete_queryset(self, request, queryset):
        delete_entries(queryset)
