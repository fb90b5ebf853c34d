"""The small glossary form of the search gaps page (/search/gaps/glossary/, admins): a search's words, and
the words the incidents use instead, added to an existing entry or as a new one. Written through
incidents.actions.glossary, like the admin's and the API's."""

from django import forms
from django.utils.translation import gettext_lazy as _

from incidents import glossary
from incidents.models import GlossaryCategory, GlossaryEntry


class TermsField(forms.CharField):
    """Terms, one per line (blank lines ignored), checked as the model checks them."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, (list, tuple)) else value

    def to_python(self, value):
        terms = [line.strip() for line in super().to_python(value).splitlines() if line.strip()]
        try:
            return glossary.clean_terms(terms) if terms else []
        except ValueError as exc:
            raise forms.ValidationError(exc.args[0]) from None


class GlossaryAdditionForm(forms.Form):
    terms = TermsField(label=_("Terms"), help_text=_(
        "One word or phrase per line, in any language: the search's words and those the incidents use instead."))
    entry = forms.ModelChoiceField(
        GlossaryEntry.objects.order_by("key"), to_field_name="key", required=False, label=_("Add to entry"),
        empty_label=_("— a new entry —"), help_text=_("An entry that already means the same, or a new one below."))
    key = forms.CharField(label=_("Key of the new entry"), max_length=100, required=False,
                          help_text=_("Lower-case letters, digits and hyphens, e.g. slow-response."))
    category = forms.ChoiceField(label=_("Category of the new entry"), required=False,
                                 choices=[("", "—"), *GlossaryCategory.choices])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("entry") is None:
            key = cleaned.get("key", "")
            if not key:
                self.add_error("key", _("Give the new entry a key, or choose an entry to add to."))
            elif not glossary.KEY_PATTERN.match(key):
                self.add_error("key", _("Use lower-case letters, digits and single hyphens."))
            elif GlossaryEntry.objects.filter(key=key).exists():
                self.add_error("key", _("An entry with this key exists: choose it above to add to it."))
            if not cleaned.get("category"):
                self.add_error("category", _("Choose the new entry's category."))
        return cleaned
