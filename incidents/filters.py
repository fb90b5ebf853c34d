"""The incident list filters and the action item list filters, each shared by the HTML list and the API."""

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from . import dates, recurrence, search
from .github import refs
from .models import ActionItem, FactorCategory, GitHubReference, Incident, SeverityLevel, Status


class MultipleNamesField(forms.Field):
    """Repeatable ``?tag=a&tag=b`` (or ``?tag=a,b``) parameters as a list of names."""

    widget = forms.SelectMultiple

    def to_python(self, value):
        if value in (None, "", []):
            return []
        values = value if isinstance(value, (list, tuple)) else [value]
        names = [name.strip() for item in values for name in str(item).split(",") if name.strip()]
        if any(len(name) > 100 or "\x00" in name for name in names):
            raise forms.ValidationError(_("A name is at most 100 characters, without NUL characters."))
        return names


@extend_schema_field({"type": "array", "items": {"type": "string", "maxLength": 100}})
class MultipleNamesFilter(django_filters.Filter):
    field_class = MultipleNamesField


class GitHubReferenceField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            ref = refs.parse(value)
        except ValueError:  # its English message is for logs; the reader gets the translated one below
            ref = None
        if ref is None:
            raise forms.ValidationError(_("Use OWNER/REPO#N or a GitHub issue or pull request URL."))
        return ref


@extend_schema_field({"type": "string", "example": "DataDog/datadog-agent#12997"})
class GitHubReferenceFilter(django_filters.Filter):
    field_class = GitHubReferenceField


class IncidentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    severity = django_filters.ChoiceFilter(choices=SeverityLevel.objects.choices)  # the scale's, read at each use
    tag = MultipleNamesFilter(method="filter_tags", label=_("tags"))
    tag_mode = django_filters.ChoiceFilter(
        choices=[("all", _("all of the tags")), ("any", _("any of the tags"))], method="noop", label=_("tag mode"),
        empty_label=None,
    )
    service = MultipleNamesFilter(method="filter_services", label=_("services"))
    category = django_filters.ChoiceFilter(
        choices=FactorCategory.choices, method="filter_category", label=_("factor category")
    )
    # A time outside what the database and the index hold is a field error, not an overflow in the query.
    started_after = django_filters.IsoDateTimeFilter(
        field_name="started_at", lookup_expr="gte", label=_("started after"), validators=[dates.validate])
    started_before = django_filters.IsoDateTimeFilter(
        field_name="started_at", lookup_expr="lt", label=_("started before"), validators=[dates.validate])
    github = GitHubReferenceFilter(method="filter_github", label=_("GitHub issue or PR (OWNER/REPO#N)"))

    class Meta:
        model = Incident
        fields = ["status", "severity", "tag", "tag_mode", "service", "category", "started_after", "started_before", "github"]

    def noop(self, queryset, name, value):
        return queryset  # read by filter_tags

    def filter_tags(self, queryset, name, names):
        if not names:
            return queryset
        return queryset.with_tags(names, match_all=self.form.cleaned_data.get("tag_mode") != "any")

    def filter_services(self, queryset, name, names):
        return queryset.with_services(names) if names else queryset

    def filter_category(self, queryset, name, value):
        return queryset.filter(factors__category=value).distinct() if value else queryset

    def filter_github(self, queryset, name, ref):
        return queryset.linking(GitHubReference.objects.by_short(ref.short)) if ref else queryset



class ActionItemFilter(django_filters.FilterSet):
    """Action items across incidents: by owner, status (unfinished unless asked otherwise), kind, overdue
    only and the incident's tags. Ordering and visibility are the view's (ActionItemQuerySet)."""

    UNFINISHED, ALL = "unfinished", "all"

    owner = django_filters.CharFilter(field_name="owner", lookup_expr="iexact", label=_("owner"))
    status = django_filters.ChoiceFilter(
        choices=[(UNFINISHED, _("Unfinished")), (ALL, _("Any status")), *ActionItem.Status.choices],
        method="filter_status", label=_("status"), empty_label=None,
    )
    kind = django_filters.ChoiceFilter(choices=ActionItem.Kind.choices, label=_("kind"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", widget=forms.CheckboxInput,
                                           label=_("overdue only"))
    tag = MultipleNamesFilter(method="filter_tags", label=_("incident tags"))
    recurred = django_filters.BooleanFilter(method="filter_recurred", widget=forms.CheckboxInput,
                                            label=_("incident recurred only"))

    class Meta:
        model = ActionItem
        fields = ["owner", "status", "kind", "overdue", "tag", "recurred"]

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and not data.get("status"):
            data = data.copy()
            data["status"] = self.UNFINISHED
        super().__init__(data, *args, **kwargs)

    def filter_status(self, queryset, name, value):
        if value == self.ALL:
            return queryset
        return queryset.unfinished() if value == self.UNFINISHED else queryset.filter(status=value)

    def filter_overdue(self, queryset, name, value):
        return queryset.overdue(timezone.localdate()) if value else queryset

    def filter_tags(self, queryset, name, names):
        return queryset.of_incidents_tagged(names) if names else queryset

    def filter_recurred(self, queryset, name, value):
        """Items of incidents a later incident is similar to (``recurrence.recurred``), both visible to the
        reader (the filterset is made with ``request``). Without an index, none: never a wrong "recurred"."""
        if not value:
            return queryset
        try:
            recurred = recurrence.recurred(Incident.objects.visible_to(self.request.user))
        except search.SearchUnavailable:
            return queryset.none()
        return queryset.filter(incident__in=recurred)
