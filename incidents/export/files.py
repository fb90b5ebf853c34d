"""Export files for the pages, the API, the command and the background jobs: the formats, their checks,
and ``export_meeting`` / ``export_selection`` / ``export_incident``, which gather a pack and render it."""

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from incidents.models import Attachment, Incident, Visibility

from . import bundle, html, markdown, pdf
from .pack import incident_section, meeting_pack, selection_pack, shown

FORMATS = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8", "pdf": "application/pdf",
           "zip": "application/zip"}
PACK_FORMATS = ("md", "html", "pdf")
INCIDENT_FORMATS = ("md", "pdf", "zip")  # zip: the Markdown with its attachments (export.bundle)


class UnknownFormat(ValueError):
    def __init__(self, fmt, allowed):
        self.fmt, self.allowed = fmt, allowed
        super().__init__(_("Unknown format “%(format)s”: use one of %(allowed)s.")
                         % {"format": fmt, "allowed": ", ".join(allowed)})


@dataclass
class ExportFile:
    content: bytes
    content_type: str
    filename: str
    incidents: tuple = ()  # the incidents whose write-up (or part of it) the file holds

    @property
    def format(self):
        return self.filename.rpartition(".")[2]

    def restricted(self):
        """The restricted incidents in the file (incidents.actions.exports audits them)."""
        return [incident for incident in self.incidents if incident.visibility == Visibility.RESTRICTED]

    def response(self):
        response = HttpResponse(self.content, content_type=self.content_type)
        response["Content-Disposition"] = content_disposition_header(True, self.filename)
        return response


def render_pack(pack, fmt, basename):
    """The pack as a file (``fmt`` already checked by the caller, before the pack was gathered)."""
    body = {"md": markdown.pack_markdown, "html": html.pack_html, "pdf": pdf.pack_pdf}[fmt](pack)
    return ExportFile(body if isinstance(body, bytes) else body.encode(), FORMATS[fmt], f"{basename}.{fmt}",
                      incidents=shown(pack))


def check_format(fmt, allowed):
    if fmt not in allowed:
        raise UnknownFormat(fmt, allowed)


def export_meeting(meeting, user, fmt):
    check_format(fmt, PACK_FORMATS)
    return render_pack(meeting_pack(meeting, user), fmt, f"retrospective-{meeting.pk}-{meeting.date.isoformat()}")


def export_selection(incidents, user, fmt, **pack_options):
    check_format(fmt, PACK_FORMATS)
    pack = selection_pack(incidents, user, **pack_options)
    return render_pack(pack, fmt, f"retrospective-{pack.date.isoformat()}")


class UnknownTimeZone(ValueError):
    def __init__(self, name):
        self.name = name
        super().__init__(_("Unknown time zone “%(zone)s”: use an IANA name such as UTC or Asia/Tokyo.") % {"zone": name})


def time_zone_named(name):
    """The zone called ``name`` (``UTC``, ``Asia/Tokyo``); None (the display time zone) for an empty name."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # ValueError: a path such as ../x or an absolute one
        raise UnknownTimeZone(name) from None


def export_incident(incident, user, fmt, today=None, time_zone=None):
    """One incident (which ``user`` must be able to see: the caller looks it up with visible_to), its times in
    ``time_zone`` (a tzinfo; the display time zone when None). The file says which zone that is."""
    check_format(fmt, INCIDENT_FORMATS)
    today = today or timezone.localdate()
    incident = Incident.objects.for_document().get(pk=incident.pk)
    section = incident_section(incident, user, Incident.objects.visible_to(user), today, for_meeting=False)
    with timezone.override(time_zone or timezone.get_default_timezone()):
        if fmt == "zip":
            attachments = list(Attachment.objects.filter(incident_id=incident.pk))
            text = markdown.incident_markdown(section, today, bundle.listed(attachments))
            body = bundle.bundle(f"{incident.reference}.md", text, attachments)
        else:
            body = markdown.incident_markdown(section, today).encode() if fmt == "md" else pdf.incident_pdf(section, today)
    return ExportFile(body, FORMATS[fmt], f"{incident.reference}.{fmt}", incidents=(incident,))
