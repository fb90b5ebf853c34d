"""Forms for writing an incident in the browser: the incident itself, its child rows as formsets (all on
one page; a log excerpt to turn into timeline rows is incidents.forms.logpaste's). They produce the same document dict as the API (each
row with its hidden ``id``, so rows keep theirs), so every write goes through
``incidents.actions.incidents.save_incident``; the document's rules (incidents.actions.document) come back as
errors by field path, which ``show_document_errors`` puts next to the field or row they name."""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents import dates
from incidents.models import (
    ActionItem,
    ContributingFactor,
    ExternalLink,
    Incident,
    Label,
    Lesson,
    Tag,
    TimelineEvent,
    current_scale,
)

from . import fields as custom

COMMON_TIME_ZONES = ["UTC", "Asia/Tokyo", "Asia/Seoul", "Asia/Singapore", "Asia/Kolkata", "Europe/London",
                     "Europe/Berlin", "America/New_York", "America/Chicago", "America/Los_Angeles", "Australia/Sydney"]


# What a date-time box accepts: ISO 8601 with a space or a T, seconds optional, or slashes in the date.
# (DateTimeField reads ISO 8601 first in any case, with an offset too; these formats are its fallback.)
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M",
                          "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M"]


class DateTimeInput(forms.DateTimeInput):
    """A date and time typed as ``YYYY-MM-DD HH:MM`` (seconds shown only when there are some), wall-clock
    time in the page's time zone. A text box, not ``type=datetime-local``: browsers show that in their
    locale's clock, with AM/PM in en-US, and an incident timeline reads in the 24-hour clock everywhere.
    The pattern only marks a box as invalid while typing (the form is ``novalidate``); the field decides."""

    PATTERN = r"\s*\d{4}(-|/)\d{1,2}(-|/)\d{1,2}( |T)\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|(\+|-)\d{2}:?\d{2})?\s*"

    def __init__(self, attrs=None):
        super().__init__(attrs={"placeholder": "YYYY-MM-DD HH:MM", "pattern": self.PATTERN, "autocomplete": "off",
                                "spellcheck": "false", "class": "datetime", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, datetime.datetime):
            return value.strftime("%Y-%m-%d %H:%M" if value.second == value.microsecond == 0 else "%Y-%m-%d %H:%M:%S")
        return super().format_value(value)


def _accept_24_hour_times(form):
    """Let every date-time box of ``form`` read the formats its placeholder and pattern promise."""
    for field in form.fields.values():
        if isinstance(field.widget, DateTimeInput):
            field.input_formats = DATETIME_INPUT_FORMATS


def _zone_label(label):
    return f"{label} ({timezone.get_current_timezone_name()})"


def _names(text, model):
    """Comma-separated label names as a list, or a ValidationError naming the bad one."""
    names = [model.normalize(part) for part in text.split(",")]
    names = [name for name in names if name]
    for name in names:
        if len(name) > 100:
            raise forms.ValidationError(_("“%(name)s…” is longer than 100 characters.") % {"name": name[:20]})
    return names


# Markdown boxes that may show attachments: a file pasted, dropped or picked there is uploaded and its
# Markdown inserted (static/js/attachments.js).
MARKDOWN = {"data-markdown": "attachments"}


def severity_field(current=None):
    """A choice of the scale's levels in order, each level's description as help; ``current`` (a stored key
    whose level is gone) stays choosable as itself."""
    scale = current_scale()
    choices = [(level.key, level.label) for level in scale.levels]
    if current and current not in scale.by_key:
        choices.append((current, current))
    helps = [f"{level.label}: {level.description}" for level in scale.levels if level.description]
    return forms.ChoiceField(label=_("severity"), choices=choices, initial=scale.default_key(),
                             help_text=" · ".join(helps))


class IncidentForm(forms.ModelForm):
    tags = forms.CharField(label=_("tags"), required=False, max_length=2000,
                           help_text=_("Comma-separated, e.g. dns, resource-exhaustion."))
    services = forms.CharField(label=_("services"), required=False, max_length=2000,
                               help_text=_("Comma-separated, e.g. nginx, aws-node."))
    author_names = forms.CharField(label=_("Other authors"), required=False, max_length=2000,
                                   help_text=_("Comma-separated names of authors without an account here."))
    members = forms.CharField(label=_("Members"), required=False, max_length=2000,
                              help_text=_("Comma-separated user names who may see a restricted incident."))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    type = custom.type_field()

    class Meta:
        model = Incident
        fields = ["title", "type", "severity", "postmortem_date", "started_at", "detected_at", "mitigated_at", "resolved_at",
                  "summary", "impact", "analysis", "resolution", "visibility"]
        widgets = {name: DateTimeInput for name in Incident.MILESTONES} | {
            "postmortem_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")} | {
            name: forms.Textarea(attrs={"rows": 5, **MARKDOWN}) for name in ("summary", "impact", "analysis", "resolution")
        }

    MARKDOWN_FIELDS = ("summary", "impact", "analysis", "resolution")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        dates.limit_form_fields(self)
        _accept_24_hour_times(self)
        for name in Incident.MILESTONES:
            self.fields[name].label = _zone_label(self.fields[name].label)
        # The incident type decides the custom fields, the sections' order and their headings and prompts.
        self.incident_type = custom.chosen_type(self.data if self.is_bound else None, self.instance)
        self.initial["type"] = self.incident_type.key if self.incident_type else None
        self.headings = custom.headings(self.incident_type)
        # A text section the template leaves out is not on the form, unless it has text (nothing is hidden).
        self.markdown_order = [name for name in custom.in_template_order(self.MARKDOWN_FIELDS, self.incident_type)
                               if name in self.headings or not self.headings or str(self[name].value() or "").strip()]
        for name in set(self.MARKDOWN_FIELDS) - set(self.markdown_order):
            del self.fields[name]
        for name in self.markdown_order:
            heading, prompt = self.headings.get(name, ("", ""))
            self.fields[name].label = heading or self.fields[name].label
            self.fields[name].help_text = prompt or _("Markdown.")
            if prompt:
                self.fields[name].widget.attrs["placeholder"] = prompt
        custom.add_fields(self, self.incident_type)
        self.fields["visibility"].required = False  # left out: as stored (internal for a new incident)
        self.fields["severity"] = severity_field(self.instance.severity if self.instance.pk else None)
        if self.instance.pk and not self.is_bound:
            self.initial["tags"] = ", ".join(tag.name for tag in self.instance.tags.all())
            self.initial["services"] = ", ".join(service.name for service in self.instance.services.all())
            self.initial["version"] = self.instance.version
            self.initial["author_names"] = ", ".join(self.instance.author_names)
            self.initial["members"] = ", ".join(user.get_username() for user in self.instance.members.all())

    def clean_author_names(self):
        names = [" ".join(name.split()) for name in self.cleaned_data["author_names"].replace("、", ",").split(",")]
        names = list(dict.fromkeys(name for name in names if name))
        too_long = [name for name in names if len(name) > 100]
        if too_long:
            raise forms.ValidationError(_("A name may have at most 100 characters: %(name)s") % {"name": too_long[0][:40]})
        return names

    def clean_visibility(self):
        return self.cleaned_data["visibility"] or self.instance.visibility

    def clean_members(self):
        names = list(dict.fromkeys(name.strip() for name in self.cleaned_data["members"].replace("、", ",").split(",")
                                   if name.strip()))
        users = {user.get_username(): user for user in get_user_model().objects.filter(username__in=names)}
        unknown = [name for name in names if name not in users]
        if unknown:
            raise forms.ValidationError(_("No such user: %(names)s") % {"names": ", ".join(unknown)})
        return [users[name] for name in names]

    def clean_tags(self):
        return _names(self.cleaned_data["tags"], Tag)

    def clean_services(self):
        return _names(self.cleaned_data["services"], Label)

    def clean_type(self):
        return self.cleaned_data["type"] or self.incident_type

    def clean(self):
        cleaned = super().clean()
        self.custom_values = custom.values(self, self.incident_type)
        return cleaned

    def document(self):
        data = {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.fields}
        data["fields"] = self.custom_values
        return data | {"tags": self.cleaned_data["tags"], "services": self.cleaned_data["services"],
                       "author_names": self.cleaned_data["author_names"], "members": self.cleaned_data["members"]}


# --- the child rows ---------------------------------------------------------------------------------


def row_id():
    """The row's id, hidden: a row sent back with it updates that row, a row without one is new."""
    return forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=2**31 - 1)


class TimelineEventForm(forms.ModelForm):
    id = row_id()

    class Meta:
        model = TimelineEvent
        fields = ["occurred_at", "kind", "source", "description"]
        widgets = {"occurred_at": DateTimeInput, "description": forms.Textarea(attrs={"rows": 2, **MARKDOWN})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        dates.limit_form_fields(self)
        _accept_24_hour_times(self)
        self.fields["occurred_at"].label = _zone_label(self.fields["occurred_at"].label)


class FactorForm(forms.ModelForm):
    """A factor, and which other factors on the page it led to (by their place in the list, F1, F2, …)."""

    id = row_id()
    leads_to = forms.TypedMultipleChoiceField(
        label=_("leads to"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ContributingFactor
        fields = ["category", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class LessonForm(forms.ModelForm):
    """A lesson; its three kinds are buttons side by side, one click where a dropdown takes two."""

    id = row_id()

    class Meta:
        model = Lesson
        fields = ["kind", "text"]
        widgets = {"kind": forms.RadioSelect, "text": forms.Textarea(attrs={"rows": 2, **MARKDOWN})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Lesson.Kind.choices  # no "---------" button


class ActionItemForm(forms.ModelForm):
    id = row_id()

    class Meta:
        model = ActionItem
        fields = ["title", "kind", "status", "owner", "due_date", "url", "tracker"]
        widgets = {"due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        help_texts = {"url": _("A GitHub issue or pull request (OWNER/REPO#N or its URL; its state is followed), "
                                "or any other URL.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        dates.limit_form_fields(self)


class LinkForm(forms.ModelForm):
    id = row_id()

    class Meta:
        model = ExternalLink
        fields = ["url", "relation", "title"]


class RowFormSet(forms.BaseFormSet):
    """Rows that become a list of dicts; unchanged blank rows and rows marked for removal are left out."""

    def kept_forms(self):
        return [form for index, form in enumerate(self.forms)
                if (index < self.initial_form_count() or form.has_changed()) and not self._should_delete_form(form)]

    def rows(self):
        return [_with_id(form, {name: form.cleaned_data[name] for name in form.Meta.fields}) for form in self.kept_forms()]

    def add_error(self, message):
        """A message about the whole list (shown above its rows)."""
        self.non_form_errors().append(message)


def _with_id(form, row):
    pk = form.cleaned_data.get("id")
    return {"id": pk, **row} if pk else row


class FactorFormSet(RowFormSet):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(index, self._label(index)) for index in range(self.total_form_count())]
        for index, form in enumerate(self.forms):
            form.fields["leads_to"].choices = [choice for choice in choices if choice[0] != index]
            form.number = f"F{index + 1}"

    def _label(self, index):
        """``F2 pid_max exhausted…``: the factor's number and the start of its description as typed so far."""
        if self.is_bound:
            text = self.data.get(f"{self.add_prefix(index)}-description", "")
        else:
            text = self.initial[index].get("description", "") if index < len(self.initial or []) else ""
        text = " ".join(str(text).split())
        return f"F{index + 1} {text[:50]}{'…' if len(text) > 50 else ''}".strip()

    def rows(self):
        """The kept factors, named F1, F2… by their place on the page (as the page numbers them), each leading
        to the kept factors it ticks."""
        kept = {self.forms.index(form) for form in self.kept_forms()}
        return [
            _with_id(self.forms[index], {
                "ref": f"F{index + 1}", "category": self.forms[index].cleaned_data["category"],
                "description": self.forms[index].cleaned_data["description"],
                "leads_to": [f"F{target + 1}" for target in self.forms[index].cleaned_data.get("leads_to", [])
                             if target in kept]})
            for index in sorted(kept)
        ]


def _formset(form, base=RowFormSet):
    return forms.formset_factory(form, formset=base, extra=0, can_delete=True, max_num=500, absolute_max=500)


# The sections of the edit page, in the order of the SRE template: (document key, prefix, formset class, title).
SECTIONS = [
    ("timeline", "timeline", _formset(TimelineEventForm), _("Timeline")),
    ("factors", "factors", _formset(FactorForm, FactorFormSet), _("Contributing factors")),
    ("lessons", "lessons", _formset(LessonForm), _("Lessons learned")),
    ("action_items", "actions", _formset(ActionItemForm), _("Action items")),
    ("links", "links", _formset(LinkForm), _("Links")),
]


def initial_rows(incident):
    """The stored child rows of ``incident`` as formset initial data, keyed by document key."""
    if incident.pk is None:
        return {key: [] for key, *_ in SECTIONS}
    factors = list(incident.factors.prefetch_related("leads_to"))
    position = {factor.pk: index for index, factor in enumerate(factors)}
    return {
        "timeline": [_initial(e, TimelineEventForm) for e in incident.timeline.all()],
        "factors": [_initial(f, FactorForm) | {"leads_to": [position[t.pk] for t in f.leads_to.all()]} for f in factors],
        "lessons": [_initial(lesson, LessonForm) for lesson in incident.lessons.all()],
        "action_items": [_initial(a, ActionItemForm) for a in incident.action_items.all()],
        "links": [_initial(link, LinkForm) for link in incident.links.all()],
    }


def _initial(row, form):
    return {"id": row.pk, **forms.model_to_dict(row, form.Meta.fields)}


def show_document_errors(form, formsets, errors):
    """Put the document validator's errors (``{"links[1].url": [...]}``, incidents.actions.document) where
    the page shows them: next to the field, on the row, or above the section's rows. ``formsets`` by
    document key; a row's index counts the rows the document was made of (kept_forms)."""
    for path, messages in errors.items():
        key, _sep, rest = path.partition("[")
        if key in formsets and rest:
            index, _sep, name = rest.partition("].")
            kept = formsets[key].kept_forms()
            row = kept[int(index)] if index.isdigit() and int(index) < len(kept) else None
            for message in messages:
                if row is None:
                    formsets[key].add_error(message)
                else:
                    row.add_error(_shown_field(row, name), message)
        elif key in formsets:
            for message in messages:
                formsets[key].add_error(message)
        else:
            for message in messages:
                form.add_error(_shown_field(form, key.partition(".")[0]), message)


def _shown_field(form, name):
    """``name`` when ``form`` shows that field, else None (the error goes above the form or row)."""
    field = form.fields.get(name)
    return name if field is not None and not field.widget.is_hidden else None
