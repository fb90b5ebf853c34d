"""The edit page's part of incident types: the type selector's choices, a form field for each custom field of the
type (in template order, with the widget of its kind, help in the reader's language), the values they give in
their canonical form (incidents.text.fields), and the sections' headings and prompts from the type's template."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.models import IncidentType
from incidents.models.types import default_type
from incidents.text import fields as fieldtypes

PREFIX = "cf_"  # a custom field's form name: cf_<key> (keys are slugs, so they never clash with the incident's)
MARKDOWN = {"data-markdown": "attachments"}


def chosen_type(data, instance):
    """The type the page is for: the one picked in the posted form (``type``), else the incident's, else the
    default one."""
    key = data.get("type") if data is not None else None
    found = IncidentType.objects.filter(key=key).first() if isinstance(key, str) and key else None
    if found is None and instance.type_id:
        found = instance.type
    return found or IncidentType.objects.get(pk=default_type())


def type_field():
    return forms.ModelChoiceField(queryset=IncidentType.objects.all(), to_field_name="key", empty_label=None,
                                  label=_("Type"), required=False)


def _label(definition):
    return f"{definition.label} ({definition.unit})" if definition.unit else definition.label


def form_field(definition):
    """The form field for one custom field."""
    common = {"label": _label(definition), "required": definition.required, "help_text": definition.help}
    kind = definition.kind
    if kind == "markdown":
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 4, **MARKDOWN}), max_length=fieldtypes.MAX_MARKDOWN,
                               **common)
    if kind == "number":
        return forms.DecimalField(widget=forms.NumberInput(attrs={"step": "any"}), max_digits=30, decimal_places=10,
                                  **common)
    if kind == "choice":
        return forms.ChoiceField(choices=[("", "—"), *((c, c) for c in definition.choices)], **common)
    if kind == "multi_choice":
        return forms.MultipleChoiceField(choices=[(c, c) for c in definition.choices],
                                         widget=forms.CheckboxSelectMultiple, **common)
    if kind == "date":
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **common)
    if kind == "datetime":
        return forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                                   input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"], **common)
    if kind == "user":
        users = get_user_model().objects.filter(is_active=True).order_by("username")
        return forms.ChoiceField(choices=[("", "—"), *((u.get_username(), _user_label(u)) for u in users)], **common)
    if kind == "url":
        return forms.CharField(widget=forms.URLInput, max_length=fieldtypes.MAX_URL, **common)
    return forms.CharField(max_length=fieldtypes.MAX_TEXT, **common)


def _user_label(user):
    name = user.get_full_name()
    return f"{name} ({user.get_username()})" if name else user.get_username()


def add_fields(form, incident_type):
    """Add the type's active custom fields to ``form`` (cf_<key>), initial values from the incident's."""
    form.custom_fields = []
    for definition in incident_type.active_fields() if incident_type else []:
        name = PREFIX + definition.key
        form.fields[name] = form_field(definition)
        form.custom_fields.append(name)
        stored = (form.instance.fields or {}).get(definition.key)
        if stored is not None and not form.is_bound:
            form.initial[name] = initial(definition, stored)


def initial(definition, value):
    """A stored value as the form field shows it."""
    if definition.kind == "datetime":
        try:
            return timezone.localtime(timezone.datetime.fromisoformat(value.replace("Z", "+00:00")))
        except (AttributeError, ValueError):
            return value
    return value


def values(form, incident_type):
    """The custom fields' canonical values (None: unset) from ``form.cleaned_data``; a value its kind refuses is a
    form error on its field."""
    result = {}
    for definition in incident_type.active_fields() if incident_type else []:
        name = PREFIX + definition.key
        if name not in form.cleaned_data:
            continue
        value = form.cleaned_data[name]
        try:
            result[definition.key] = definition.canonical(value)
        except fieldtypes.FieldError as exc:
            form.add_error(name, str(exc))
    return result


def headings(incident_type):
    """{section key: (heading, prompt)} from the type's template; ``mitigate``/``prevent`` also give the action
    items' heading when the template has no ``action_items`` section (暫定対策 / 恒久対策)."""
    found = {key: (heading, prompt) for key, heading, prompt in (incident_type.page_sections() if incident_type else [])}
    if "action_items" not in found:
        parts = [found[key] for key in ("mitigate", "prevent") if key in found]
        if parts:
            found["action_items"] = (" / ".join(heading for heading, _prompt in parts),
                                     " ".join(prompt for _heading, prompt in parts if prompt))
    return found


def in_template_order(keys, incident_type):
    """``keys`` (section keys) in the template's order; keys the template does not list keep their place after."""
    order = [key for key, _heading, _prompt in (incident_type.page_sections() if incident_type else [])]
    order = [("action_items" if key in ("mitigate", "prevent") else key) for key in order]
    position = {key: index for index, key in reversed(list(enumerate(order)))}
    return sorted(keys, key=lambda key: (position.get(key, len(order)), list(keys).index(key)))
