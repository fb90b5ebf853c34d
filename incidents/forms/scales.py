"""The settings page's form for one severity level (incidents.web.scales). Only shapes here: the level's rules
(one label at least, a #rrggbb colour, a free key and order, one default) are the model's and
incidents.actions.scales', whose errors the page puts back on these fields."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from incidents.models.scales import MAX_KEY_LENGTH, validate_color


class SeverityLevelForm(forms.Form):
    key = forms.SlugField(label=_("Key"), max_length=MAX_KEY_LENGTH,
                          help_text=_("A short stable name, e.g. sev1 or p0; incidents store it, so it cannot change later."))
    label_ja = forms.CharField(label=_("Japanese label"), max_length=100, required=False)
    label_en = forms.CharField(label=_("English label"), max_length=100, required=False)
    order = forms.IntegerField(label=pgettext_lazy("severity scale", "Order"), min_value=-(2**31), max_value=2**31 - 1,
                               help_text=_("Smaller comes first: the most severe level first."))
    color = forms.CharField(label=_("Colour"), max_length=7, validators=[validate_color], initial="#59636e",
                            widget=forms.TextInput(attrs={"type": "color"}), help_text=_("The badge colour, #rrggbb."))
    description = forms.CharField(label=_("Description"), max_length=500, required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}),
                                  help_text=_("When to choose this level; the incident form shows it as help."))
    default = forms.BooleanField(label=_("Default for new incidents"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, level=None, **kwargs):
        if level is not None and not kwargs.get("data") and not args:
            kwargs["initial"] = {name: getattr(level, name) for name in (
                "key", "label_ja", "label_en", "order", "color", "description", "default", "version")}
        super().__init__(*args, **kwargs)
        self.level = level
        if level is not None:
            self.fields["key"].disabled = True
            self.fields["key"].initial = level.key
            self.fields["key"].help_text = _("Incidents store the key: it cannot change.")

    def add_errors(self, error):
        """Put an action's ValidationError on the fields it names (the rest on the form)."""
        for field, messages in getattr(error, "message_dict", {None: error.messages}).items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)

    @staticmethod
    def fields_of(cleaned):
        return {name: cleaned[name] for name in ("label_ja", "label_en", "order", "color", "description", "default")}
