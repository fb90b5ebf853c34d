"""A pack, or one write-up, as self-contained HTML from templates/export/ (inline CSS and SVG, incident
text rendered by incidents.text.markdown, no resource that would be fetched from anywhere). The severity
badges take the scale's colours, the rules /severities.css serves."""

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language

from incidents.models import current_scale


def pack_html(pack):
    return render_to_string("export/pack.html", {"pack": pack, "language": get_language() or "en",
                                                 "severity_css": current_scale().stylesheet()})


def incident_html(section, today):
    return render_to_string("export/incident.html", {"section": section, "incident": section.incident, "today": today,
                                                     "time_zone": timezone.get_current_timezone_name(), "language": get_language() or "en",
                                                     "severity_css": current_scale().stylesheet()})
