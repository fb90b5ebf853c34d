"""The edit page's log excerpt: pasted lines turned into timeline rows (incidents.text.logparse), the date and
time zone for timestamps that lack them."""

import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents import dates
from incidents.models import TimelineEvent
from incidents.text import logparse


class LogPasteForm(forms.Form):
    log = forms.CharField(
        label=_("Log excerpt"), widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}), max_length=100_000,
        help_text=_("Kubernetes (klog), JSON, syslog, journald, nginx error and access logs, ISO 8601, HH:MM or "
                    "10時20分 lines; a line without a timestamp joins the event above it."),
    )
    date = forms.DateField(label=_("Date for lines with only a time"), widget=forms.DateInput(attrs={"type": "date"}))
    zone = forms.CharField(label=_("Time zone of timestamps without one"), max_length=64,
                           widget=forms.TextInput(attrs={"list": "time-zones"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        dates.limit_form_fields(self)
        self.initial.setdefault("date", timezone.localdate())
        self.initial.setdefault("zone", timezone.get_current_timezone_name())

    def clean_zone(self):
        name = self.cleaned_data["zone"].strip()
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise forms.ValidationError(_("“%(zone)s” is not a time zone name such as Asia/Tokyo or UTC.") % {"zone": name}) from None
        return name

    def parse(self):
        return logparse.parse(self.cleaned_data["log"], self.cleaned_data["date"], self.cleaned_data["zone"])


def timeline_row(event):
    """A parsed log event as timeline form data, in the page's time zone."""
    local = timezone.localtime(event.occurred_at.astimezone(datetime.UTC))
    return {"occurred_at": local.strftime("%Y-%m-%d %H:%M:%S"), "kind": event.kind,
            "source": event.source[:200], "description": event.description}


def kind_label(kind):
    """The translated name of a timeline event kind (``detection`` → Detection / 検知)."""
    return TimelineEvent.Kind(kind).label
