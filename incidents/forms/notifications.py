"""The notification preferences page's form (stored by incidents.actions.preferences, not by the form)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from incidents.models import NotificationPreference
from incidents.models.notifications import language_name


class NotificationPreferenceForm(forms.ModelForm):
    language = forms.ChoiceField(label=_("Email language"), required=False)

    class Meta:
        model = NotificationPreference
        fields = ["email", "language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        last_used = language_name(self.instance.ui_language)
        same = (_("The language I last used on this site (%(language)s)") % {"language": last_used} if last_used
                else _("The language I last used on this site"))
        self.fields["language"].choices = [("", same), *settings.LANGUAGES]
        self.fields["language"].help_text = ""
