"""The incident list filters and the action item list filters, each shared by the HTML list and the API."""

import datetime

import django_filters
from django import forms
from django.db import connection
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from . import dates, recurrence, search
from .github import refs
from .models import ActionItem, FactorCategory, GitHubReference, Incident, SeverityLevel, Status
from .models.types import field_kinds
from .text import fieldsearch
from .text.fields import FieldError, canonical


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


class CustomFieldValuesField(MultipleNamesField):
    """Repeatable ``?field=KEY:VALUE`` custom field filters as [(key, value, kind)]: KEY a field's key of a kind
    the index holds as terms (fieldsearch.TERM_KINDS); a number's VALUE a number, a date's a day, month or year."""

    def to_python(self, value):
        values = value if isinstance(value, (list, tuple)) else [value] if value not in (None, "") else []
        pairs = [str(item).strip() for item in values if str(item).strip()]
        if any(len(pair) > 300 or "\x00" in pair for pair in pairs):
            raise forms.ValidationError(_("A filter is at most 300 characters, without NUL characters."))
        kinds, found = field_kinds() if pairs else {}, []
        for pair in pairs:
            key, sep, text = pair.partition(":")
            key, text = key.strip().lower(), text.strip()
            if not sep or not text:
                raise forms.ValidationError(_("Use KEY:VALUE, KEY a custom field's key: %(given)s") % {"given": pair})
            if kinds.get(key) not in fieldsearch.TERM_KINDS:
                raise forms.ValidationError(_("No custom field to filter by has the key %(key)s.") % {"key": key})
            if kinds[key] in fieldsearch.DATED and not fieldsearch.valid_period(text):
                raise forms.ValidationError(_("%(key)s: a date is YYYY, YYYY-MM or YYYY-MM-DD.") % {"key": key})
            if kinds[key] == "number":
                try:
                    text = fieldsearch.number_text(text)
                except FieldError:
                    raise forms.ValidationError(_("%(key)s: must be a number.") % {"key": key}) from None
            found.append((key, text, kinds[key]))
        return found


@extend_schema_field({"type": "array", "items": {"type": "string", "maxLength": 300, "example": "region:ap-northeast-1"}})
class CustomFieldValuesFilter(django_filters.Filter):
    field_class = CustomFieldValuesField


def _period_bounds(period):
    """The first day of a year, month or day and the first day after it."""
    start = datetime.date.fromisoformat((period + "-01-01")[:10])
    if len(period) == 4:
        return start, start.replace(year=start.year + 1)
    if len(period) == 7:
        return start, (start.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return start, start + datetime.timedelta(days=1)


def field_condition(key, value, kind):
    """The condition on ``Incident.fields`` of one custom field filter (as the index's terms match)."""
    text = Cast(KeyTextTransform(key, "fields"), TextField())  # compared as text (KeyTransform's lookups read JSON)
    if kind == "number":
        number = canonical("number", value)
        return Q(pk__in=Incident.objects.alias(found=KeyTransform(key, "fields")).filter(found=number).values("pk"))
    if kind == "date":
        start, end = _period_bounds(value)
        return Q(pk__in=Incident.objects.alias(found=text).filter(found__gte=start.isoformat(),
                                                                  found__lt=end.isoformat()).values("pk"))
    if kind == "datetime":  # stored in UTC; the day is the display time zone's
        start, end = (timezone.make_aware(datetime.datetime.combine(day, datetime.time())).astimezone(datetime.UTC)
                      .strftime("%Y-%m-%dT%H:%M:%SZ") for day in _period_bounds(value))
        return Q(pk__in=Incident.objects.alias(found=text).filter(found__gte=start, found__lt=end).values("pk"))
    if kind == "multi_choice":
        if connection.vendor == "postgresql":
            return Q(pk__in=RawSQL(f"SELECT id FROM {Incident._meta.db_table} WHERE EXISTS (SELECT 1 FROM "
                                   "jsonb_array_elements_text(CASE WHEN jsonb_typeof(fields -> %s) = 'array' THEN "
                                   "fields -> %s ELSE '[]'::jsonb END) AS item WHERE lower(item) = lower(%s))",
                                   [key, key, value]))
        return Q(pk__in=RawSQL(f"SELECT {Incident._meta.db_table}.id FROM {Incident._meta.db_table}, json_each("
                               f"{Incident._meta.db_table}.fields, %s) AS item WHERE lower(item.value) = lower(%s)",
                               [f'$."{key}"', value]))
    return Q(pk__in=Incident.objects.alias(found=text).filter(found__iexact=value).values("pk"))


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


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 time compared in UTC: Python reads offsets up to ±23:59, PostgreSQL only to ±15:59, so the
    value reaches the query converted (clamped: it cannot overflow), never with the offset it was written in."""

    def filter(self, qs, value):
        if value is not None and value.utcoffset() is not None:
            value = dates.clamp(value).astimezone(datetime.UTC)
        return super().filter(qs, value)


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
    started_after = UtcDateTimeFilter(
        field_name="started_at", lookup_expr="gte", label=_("started after"), validators=[dates.validate])
    started_before = UtcDateTimeFilter(
        field_name="started_at", lookup_expr="lt", label=_("started before"), validators=[dates.validate])
    github = GitHubReferenceFilter(method="filter_github", label=_("GitHub issue or PR (OWNER/REPO#N)"))
    field = CustomFieldValuesFilter(method="filter_fields", label=_("custom field (KEY:VALUE)"))

    class Meta:
        model = Incident
        fields = ["status", "severity", "tag", "tag_mode", "service", "category", "started_after", "started_before",
                  "github", "field"]

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

    def filter_fields(self, queryset, name, filters):
        for key, value, kind in filters or ():
            queryset = queryset.filter(field_condition(key, value, kind))
        return queryset



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
