"""The add-a-route form of /people/slack/ (stored by incidents.actions.slack_routes, which checks the channel
and refuses a duplicate: the view shows those errors on this form)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from incidents.models import SlackRoute
from incidents.models.slack import CHANNEL_MAX


class SlackRouteForm(forms.Form):
    match = forms.ChoiceField(label=_("Match"), choices=SlackRoute.Match.choices, initial=SlackRoute.Match.TAG)
    name = forms.CharField(label=_("Tag or service"), max_length=200)
    channel = forms.CharField(label=_("Channel"), max_length=CHANNEL_MAX,
                              widget=forms.TextInput(attrs={"placeholder": "#incidents"}))
