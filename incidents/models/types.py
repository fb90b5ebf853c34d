"""Incident types that admins define: each a section template (which of the incident's sections show, in what
order, with which headings and prompts in both languages) and custom fields, whose values an incident keeps in
``Incident.fields`` as canonical JSON (incidents.text.fields). A field is never deleted, only retired: its values
stay on the incidents and in exports."""

import datetime
import json

from django.contrib.auth import get_user_model
from django.core.validators import RegexValidator
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _


from incidents.text import fields as fieldtypes
from incidents.text import fieldsearch
from incidents.text.bilingual import localized

DEFAULT_TYPE = "postmortem"
KEY_VALIDATOR = RegexValidator(r"^[a-z][a-z0-9_-]{0,49}$", _("Lower-case letters, digits, - and _, starting with a letter."))

# The built-in sections an incident has, in today's page order, with today's headings (the default template);
# ``mitigate``/``prevent`` stand for the action items of that kind (暫定対策 / 恒久対策).
SECTION_KEYS = ("summary", "impact", "timeline", "factors", "analysis", "resolution", "lessons", "action_items",
                "mitigate", "prevent")
DEFAULT_SECTIONS = [
    {"key": "summary", "heading_ja": "概要", "heading_en": "Summary"},
    {"key": "impact", "heading_ja": "影響", "heading_en": "Impact"},
    {"key": "timeline", "heading_ja": "タイムライン", "heading_en": "Timeline"},
    {"key": "factors", "heading_ja": "寄与要因", "heading_en": "Contributing factors"},
    {"key": "analysis", "heading_ja": "分析", "heading_en": "Analysis"},
    {"key": "resolution", "heading_ja": "解決", "heading_en": "Resolution"},
    {"key": "lessons", "heading_ja": "教訓", "heading_en": "Lessons learned"},
    {"key": "action_items", "heading_ja": "アクションアイテム", "heading_en": "Action items"},
]
DEFAULT_SECTIONS = [{**section, "prompt_ja": "", "prompt_en": ""} for section in DEFAULT_SECTIONS]


def clean_sections(sections):
    """The template's sections as stored (a list of dicts with the five keys), or ValueError naming the problem."""
    if not isinstance(sections, list):
        raise ValueError("Must be a list of sections.")
    cleaned, seen = [], set()
    for index, section in enumerate(sections):
        if not isinstance(section, dict) or section.get("key") not in SECTION_KEYS:
            raise ValueError(f"Section {index + 1}: key must be one of {', '.join(SECTION_KEYS)}.")
        if section["key"] in seen:
            raise ValueError(f"Section {index + 1}: {section['key']} is listed twice.")
        seen.add(section["key"])
        row = {"key": section["key"]}
        for name, limit in (("heading_ja", 200), ("heading_en", 200), ("prompt_ja", 2000), ("prompt_en", 2000)):
            value = section.get(name) or ""
            if not isinstance(value, str) or len(value) > limit:
                raise ValueError(f"Section {index + 1}: {name} must be text of at most {limit} characters.")
            row[name] = value.strip()
        cleaned.append(row)
    return cleaned


class IncidentType(models.Model):
    key = models.SlugField(_("key"), max_length=50, unique=True, validators=[KEY_VALIDATOR])
    name_ja = models.CharField(_("name (Japanese)"), max_length=100, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    sections = models.JSONField(_("sections"), default=list, blank=True)
    order = models.IntegerField(_("order"), default=0)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "key"]
        verbose_name = _("incident type")
        verbose_name_plural = _("incident types")

    def __str__(self):
        return self.name

    @property
    def name(self):
        return localized(self.name_ja, self.name_en) or self.key

    def active_fields(self):
        return [field for field in self.custom_fields.all() if not field.retired]

    def page_sections(self):
        """(key, heading, prompt) of the template's sections in order, headings and prompts localized."""
        return [(section["key"], localized(section.get("heading_ja", ""), section.get("heading_en", "")),
                 localized(section.get("prompt_ja", ""), section.get("prompt_en", "")))
                for section in self.sections]


def default_type():
    """The default type's id (created when missing): new incidents are of it unless told otherwise."""
    found, _created = IncidentType.objects.get_or_create(
        key=DEFAULT_TYPE, defaults={"name_ja": "障害ポストモーテム", "name_en": "Postmortem", "sections": DEFAULT_SECTIONS})
    return found.pk


class CustomField(models.Model):
    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        MARKDOWN = "markdown", _("Long text (Markdown)")
        NUMBER = "number", _("Number")
        CHOICE = "choice", _("Single choice")
        MULTI_CHOICE = "multi_choice", _("Multiple choice")
        DATE = "date", _("Date")
        DATETIME = "datetime", _("Date and time")
        USER = "user", _("User")
        URL = "url", _("URL")

    incident_type = models.ForeignKey(IncidentType, on_delete=models.CASCADE, related_name="custom_fields")
    key = models.SlugField(_("key"), max_length=50, validators=[KEY_VALIDATOR])
    label_ja = models.CharField(_("label (Japanese)"), max_length=100, blank=True)
    label_en = models.CharField(_("label (English)"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.TEXT)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    required = models.BooleanField(_("required"), default=False)
    help_ja = models.CharField(_("help (Japanese)"), max_length=500, blank=True)
    help_en = models.CharField(_("help (English)"), max_length=500, blank=True)
    order = models.IntegerField(_("order"), default=0)
    retired = models.BooleanField(_("retired"), default=False)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["incident_type", "key"], name="custom_field_key_per_type")]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")

    def __str__(self):
        return self.label

    @property
    def label(self):
        return localized(self.label_ja, self.label_en) or self.key

    @property
    def help(self):
        return localized(self.help_ja, self.help_en)

    def canonical(self, value, user_exists=None):
        return fieldtypes.canonical(self.kind, value, choices=self.choices, user_exists=user_exists)


def field_rows(incident):
    """The incident's custom field values as people read them: (rows, retired rows), each row a dict with key,
    label, kind, unit, value (canonical) and shown (text: a user's name, a date or time in the display time
    zone, choices joined). Rows follow the type's field order; retired rows are the retired fields' values and
    values of keys the type does not define (a type changed), labelled by their key."""
    values = incident.fields or {}
    definitions = {field.key: field for field in incident.type.custom_fields.all()} if incident.type_id else {}
    users = _user_names([value for key, value in values.items()
                         if key in definitions and definitions[key].kind == CustomField.Kind.USER])
    rows, retired = [], []
    for key, definition in definitions.items():
        if key in values:
            row = {"key": key, "label": definition.label, "kind": definition.kind, "unit": definition.unit,
                   "value": values[key], "shown": _shown(definition.kind, values[key], users)}
            (retired if definition.retired else rows).append(row)
    for key, value in values.items():
        if key not in definitions:
            retired.append({"key": key, "label": key, "kind": "", "unit": "", "value": value,
                            "shown": ", ".join(map(str, value)) if isinstance(value, list) else str(value)})
    return rows, retired


def extra_rows(incident):
    """The front-matter keys an import kept (``Incident.extra``) as people read them: [(key, text)], a list
    joined, a mapping as JSON."""
    return [(key, _shown("", value, {}) if not isinstance(value, dict) else json.dumps(value, ensure_ascii=False))
            for key, value in (incident.extra or {}).items()]


def _user_names(usernames):
    users = get_user_model().objects.filter(username__in=[name for name in usernames if isinstance(name, str)])
    return {user.get_username(): user.get_full_name() or user.get_username() for user in users}


def shown_value(kind, value, users):
    """A canonical value as people read it (``users``: user name → the name the pages show)."""
    return _shown(kind, value, users)


def _shown(kind, value, users):
    try:
        if kind == CustomField.Kind.USER:
            return users.get(value, value)
        if kind == CustomField.Kind.DATE:
            return formats.date_format(datetime.date.fromisoformat(value), "Y-m-d")
        if kind == CustomField.Kind.DATETIME:
            moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
            return formats.date_format(timezone.localtime(moment), "Y-m-d H:i T")
    except (TypeError, ValueError, AttributeError):
        pass
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def field_keys():
    """The keys of the fields the query language's ``key:value`` filters (fieldsearch.TERM_KINDS), of any type."""
    return frozenset(CustomField.objects.filter(kind__in=fieldsearch.TERM_KINDS).values_list("key", flat=True).distinct())


def field_kinds():
    """{key: kind} of every field, the first by type and field order when types share a key."""
    found = {}
    for key, kind in CustomField.objects.order_by("incident_type__order", "incident_type__key", "order", "id") \
            .values_list("key", "kind"):
        found.setdefault(key, kind)
    return found


def facet_fields():
    """{key: CustomField} of the fields counted as facets and patterns (active, of a kind in
    fieldsearch.FACET_KINDS), the first by type and field order when types share a key."""
    found = {}
    for definition in CustomField.objects.filter(retired=False, kind__in=fieldsearch.FACET_KINDS) \
            .order_by("incident_type__order", "incident_type__key", "order", "id"):
        found.setdefault(definition.key, definition)
    return found


def facet_sections(counts, limit, definitions):
    """[(field, [(value, shown, count)])] of ``counts`` ({key: {value: count}}) for the fields of
    ``definitions`` (facet_fields()) in their order, each its ``limit`` values with the most incidents, most first
    then by value. A choice is shown as defined (the index lower-cases it), a user by name, a month as is."""
    users = _user_names([value for key, values in counts.items() for value in values
                         if key in definitions and definitions[key].kind == CustomField.Kind.USER])
    users.update({name.lower(): shown for name, shown in users.items()})
    sections = []
    for key, definition in definitions.items():
        choices = {str(choice).lower(): str(choice) for choice in definition.choices or ()}
        merged = {}
        for value, count in (counts.get(key) or {}).items():
            value = choices.get(str(value).lower(), str(value))
            merged[value] = merged.get(value, 0) + count
        rows = sorted(merged.items(), key=lambda item: (-item[1], item[0]))[:limit]
        if rows:
            sections.append((definition, [(value, users.get(value, value) if definition.kind == CustomField.Kind.USER
                                            else value, count) for value, count in rows]))
    return sections


assert set(fieldtypes.KINDS) == set(CustomField.Kind.values)
