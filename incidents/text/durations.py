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
