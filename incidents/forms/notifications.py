"""The notification preferences page's form (stored by incidents.actions.preferences, not by the form). The
Slack switches are in it only when Slack is configured (settings.SLACK)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from incidents.actions.preferences import SLACK_FIELDS
from incidents.models import NotificationPreference
from incidents.models.notifications import language_name

SLACK_LABELS = {
    "slack_review_requested": _("Review requests"),
    "slack_mentioned": _("Mentions in comments"),
    "slack_due": _("Action items due soon or overdue"),
    "slack_github": _("Action items closed or reopened on GitHub"),
}


class NotificationPreferenceForm(forms.ModelForm):
    language = forms.ChoiceField(label=_("Email language"), required=False)

    class Meta:
        model = NotificationPreference
        fields = ["email", "language", *SLACK_FIELDS]
        labels = SLACK_LABELS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        last_used = language_name(self.instance.ui_language)
        same = (_("The language I last used on this site (%(language)s)") % {"language": last_used} if last_used
                else _("The language I last used on this site"))
        self.fields["language"].choices = [("", same), *settings.LANGUAGES]
        self.fields["language"].help_text = ""
        if not settings.SLACK:
            for name in SLACK_FIELDS:
                del self.fields[name]

    def slack_fields(self):
        """The Slack switches shown (none without Slack)."""
        return [self[name] for name in SLACK_FIELDS if name in self.fields]

    def slack_choices(self):
        """The Slack switches as keyword arguments of save_notification_preferences (none without Slack)."""
        return {name: self.cleaned_data[name] for name in SLACK_FIELDS if name in self.fields}
