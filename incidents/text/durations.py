"""Durations for people (``3 d 4 h``, ``12 min``), shared by the pages (a template filter) and the exports."""

from django.utils.translation import gettext as _


def seconds_duration(value):
    """A duration (timedelta or seconds) for people: ``3 d 4 h``, ``12 min``; ``—`` when unknown."""
    if value is None or value == "":
        return "—"
    seconds = int(value.total_seconds() if hasattr(value, "total_seconds") else value)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    return _("%(m)d min") % {"m": minutes}


def whole_duration(seconds):
    """A round duration in its largest unit, for a chart's axis: ``2 d``, ``6 h``, ``30 min``."""
    seconds = int(seconds)
    if seconds and seconds % 86400 == 0:
        return _("%(d)d d") % {"d": seconds // 86400}
    if seconds and seconds % 3600 == 0:
        return _("%(h)d h") % {"h": seconds // 3600}
    return _("%(m)d min") % {"m": seconds // 60}
