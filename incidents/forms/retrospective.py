"""Forms of the retrospective meeting pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from incidents import dates
from incidents.models import AgendaItem, Incident, Retrospective


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class RetrospectiveForm(forms.ModelForm):
    class Meta:
        model = Retrospective
        fields = ["title", "date", "facilitator", "select_tag", "select_status", "select_since", "select_since_previous"]
        widgets = {"date": DateInput(), "select_since": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        dates.limit_form_fields(self)


class AgendaAddForm(forms.Form):
    reference = forms.CharField(label=_("Incident"), max_length=30, help_text=_("INC-42 or 42"))

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_reference(self):
        try:
            return Incident.objects.visible_to(self.user).by_reference(self.cleaned_data["reference"])
        except Incident.DoesNotExist:
            raise forms.ValidationError(_("No such incident, or you may not see it.")) from None


class AgendaNotesForm(forms.ModelForm):
    class Meta:
        model = AgendaItem
        fields = ["notes", "decisions"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3}), "decisions": forms.Textarea(attrs={"rows": 3})}


class CloseForm(forms.Form):
    publish = forms.BooleanField(label=_("Publish the incidents on the agenda that are in review"), required=False,
                                 initial=True)
