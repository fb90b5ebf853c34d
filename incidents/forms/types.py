"""Forms of the incident type pages (/settings/types/): a new type, a type's names, its sections (one row each, in
order) and its custom fields (one row each, in form order; a field is retired, never deleted). They produce the
dict incidents.actions.types.save_type takes, whose errors by path come back next to the row they name."""

from django import forms
from django.utils.translation import gettext_lazy as _

from incidents.models import CustomField, IncidentType
from incidents.models.types import KEY_VALIDATOR, SECTION_KEYS

SECTION_LABELS = {
    "summary": _("Summary"), "impact": _("Impact"), "timeline": _("Timeline"), "factors": _("Contributing factors"),
    "analysis": _("Analysis"), "resolution": _("Resolution"), "lessons": _("Lessons learned"),
    "action_items": _("Action items"), "mitigate": _("Action items: mitigate"), "prevent": _("Action items: prevent"),
}


class NewTypeForm(forms.Form):
    key = forms.CharField(label=_("Key"), max_length=50, validators=[KEY_VALIDATOR],
                          help_text=_("Used in the API and exports; it cannot change later. e.g. near-miss"))
    name_ja = forms.CharField(label=_("Name (Japanese)"), max_length=100, required=False)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100, required=False)

    def clean_key(self):
        key = self.cleaned_data["key"]
        if IncidentType.objects.filter(key=key).exists():
            raise forms.ValidationError(_("An incident type with this key exists already."))
        return key


class TypeForm(forms.Form):
    name_ja = forms.CharField(label=_("Name (Japanese)"), max_length=100, required=False)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100, required=False)
    order = forms.IntegerField(label=_("Order"), required=False, min_value=-1000, max_value=1000)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class SectionForm(forms.Form):
    # The blank choice first: an untouched extra row is empty (not a second "summary"), so saving adds nothing
    key = forms.ChoiceField(label=_("Section"), choices=[("", "—"), *((key, SECTION_LABELS[key]) for key in SECTION_KEYS)])
    heading_ja = forms.CharField(label=_("Heading (Japanese)"), max_length=200, required=False)
    heading_en = forms.CharField(label=_("Heading (English)"), max_length=200, required=False)
    prompt_ja = forms.CharField(label=_("Prompt (Japanese)"), max_length=2000, required=False)
    prompt_en = forms.CharField(label=_("Prompt (English)"), max_length=2000, required=False)


class FieldForm(forms.Form):
    key = forms.CharField(label=_("Key"), max_length=50, validators=[KEY_VALIDATOR])
    label_ja = forms.CharField(label=_("Label (Japanese)"), max_length=100, required=False)
    label_en = forms.CharField(label=_("Label (English)"), max_length=100, required=False)
    # initial: an untouched "new field" row (its select shows "text") is unchanged, so it is not validated
    kind = forms.ChoiceField(label=_("Kind"), choices=CustomField.Kind.choices, initial=CustomField.Kind.TEXT)
    choices = forms.CharField(label=_("Choices"), required=False, max_length=20000,
                              widget=forms.Textarea(attrs={"rows": 3}), help_text=_("One a line."))
    unit = forms.CharField(label=_("Unit"), max_length=30, required=False)
    required = forms.BooleanField(label=_("Required"), required=False)
    help_ja = forms.CharField(label=_("Help (Japanese)"), max_length=500, required=False)
    help_en = forms.CharField(label=_("Help (English)"), max_length=500, required=False)
    retired = forms.BooleanField(label=_("Retired"), required=False,
                                 help_text=_("Off the form; incidents keep their values."))
    convert = forms.BooleanField(label=_("Convert stored values"), required=False,
                                 help_text=_("Needed to change the kind while incidents have values."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.initial.get("key"):  # a stored field keeps its key (a label may change; another key is a new field)
            self.fields["key"].widget.attrs["readonly"] = True

    def clean_choices(self):
        return [line.strip() for line in self.cleaned_data["choices"].splitlines() if line.strip()]


class RowFormSet(forms.BaseFormSet):
    def kept_forms(self):
        return [form for index, form in enumerate(self.forms)
                if (index < self.initial_form_count() or form.has_changed()) and not self._should_delete_form(form)
                and form.cleaned_data]

    def rows(self):
        return [{name: value for name, value in form.cleaned_data.items() if name != "DELETE"} for form in self.kept_forms()]


SectionFormSet = forms.formset_factory(SectionForm, formset=RowFormSet, extra=1, can_delete=True, max_num=20,
                                       absolute_max=20)
FieldFormSet = forms.formset_factory(FieldForm, formset=RowFormSet, extra=1, max_num=100, absolute_max=100)


def initial(incident_type):
    """(type form, sections, fields) initial data of a stored type."""
    fields = [{"key": f.key, "label_ja": f.label_ja, "label_en": f.label_en, "kind": f.kind,
               "choices": "\n".join(f.choices), "unit": f.unit, "required": f.required, "help_ja": f.help_ja,
               "help_en": f.help_en, "retired": f.retired} for f in incident_type.custom_fields.all()]
    return ({"name_ja": incident_type.name_ja, "name_en": incident_type.name_en, "order": incident_type.order,
             "version": incident_type.version}, [dict(section) for section in incident_type.sections], fields)


def show_errors(form, sections, fields, errors):
    """Put save_type's errors (``fields[2].kind``, ``sections``) next to the row or above the list."""
    for path, messages in errors.items():
        key, _sep, rest = path.partition("[")
        formset = {"fields": fields, "sections": sections}.get(key)
        if formset is None:
            for message in messages:
                form.add_error(key if key in form.fields else None, message)
            continue
        index, _sep, name = rest.partition("].")
        kept = formset.kept_forms()
        row = kept[int(index)] if index.isdigit() and int(index) < len(kept) else None
        for message in messages:
            if row is None:
                formset.non_form_errors().append(message)
            else:
                row.add_error(name if name in row.fields else None, message)
