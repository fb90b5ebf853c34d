"""Retrospective packs and single-incident exports: Markdown, self-contained HTML, and PDF.

``meeting_pack`` and ``selection_pack`` gather what a pack shows (reads only: the database and the
search index); ``pack_markdown`` / ``pack_html`` / ``pack_pdf`` and ``incident_markdown`` /
``incident_pdf`` turn it into a file. ``export_meeting`` / ``export_selection`` / ``export_incident``
do both and name the file, for the pages, the API and the command.

Markdown is written here (it must paste cleanly: incident text goes in as the Markdown it is); HTML and
PDF come from templates/export/, with incident text rendered by incidents.markdown and no resource
that would be fetched from anywhere (inline CSS and SVG; WeasyPrint's fetcher refuses every URL).
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import get_language, gettext as _, ngettext

from . import charts, search
from .models import Incident, Lesson, Status, TimelineEvent
from .templatetags.incidents import seconds_duration

FORMATS = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8", "pdf": "application/pdf"}
PACK_FORMATS = ("md", "html", "pdf")
INCIDENT_FORMATS = ("md", "pdf")
KEY_EVENT_KINDS = (TimelineEvent.Kind.DETECTION, TimelineEvent.Kind.MITIGATION, TimelineEvent.Kind.RESOLUTION)
EARLIER_LIMIT = 3  # similar earlier incidents shown per incident
RECURRENCE_PROMPTS = 3  # "third … incident in 180 days" prompts per incident, most frequent first
# Factor graph colours per category (fill, stroke), as on the incident page; drawn as SVG attributes.
NODE_COLOURS = {
    "resource-exhaustion": ("#fff1ec", "#d97757"), "capacity": ("#fff1ec", "#d97757"),
    "defect": ("#fff8e1", "#c79a1e"), "change": ("#fff8e1", "#c79a1e"),
    "monitoring-gap": ("#eef7ee", "#5c9e5c"), "process": ("#eef7ee", "#5c9e5c"),
}
DEFAULT_COLOURS = ("#f0f4ff", "#7a9be0")


# --- what a pack shows --------------------------------------------------------------------------------


@dataclass
class Milestone:
    label: str
    at: datetime.datetime | None
    after: datetime.timedelta | None  # since the previous recorded milestone


@dataclass
class Earlier:
    incident: Incident
    reasons: list
    action_items: list


@dataclass
class Section:
    number: int
    incident: Incident
    notes: str = ""
    decisions: str = ""
    milestones: list = field(default_factory=list)
    key_events: list = field(default_factory=list)
    factors: list = field(default_factory=list)  # [{"number", "factor", "effects": [numbers]}]
    graph: dict = field(default_factory=dict)
    lesson_groups: list = field(default_factory=list)
    action_items: list = field(default_factory=list)
    earlier: list = field(default_factory=list)
    prompts: list = field(default_factory=list)


@dataclass
class Pack:
    title: str
    date: datetime.date
    facilitator: str
    sections: list
    open_items: list  # [(owner label, [(incident, action item)])]
    hidden: int  # agenda incidents the reader may not see, left out
    today: datetime.date
    time_zone: str = field(default_factory=lambda: settings.TIME_ZONE)


def local(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def meeting_pack(meeting, user, today=None):
    """The pack of a saved meeting as ``user`` may see it: agenda incidents they cannot see are left out."""
    visible = Incident.objects.visible_to(user)
    items = list(meeting.agenda.select_related("incident"))
    shown = {pk for pk in visible.filter(pk__in=[item.incident_id for item in items]).values_list("pk", flat=True)}
    entries = [(item.incident_id, item.notes, item.decisions) for item in items if item.incident_id in shown]
    return build_pack(meeting.title, meeting.date, meeting.facilitator, entries, user, visible,
                      hidden=len(items) - len(entries), today=today,
                      exclude_tags=[meeting.select_tag] if meeting.select_tag else [])


def selection_pack(incidents, user, *, title, date=None, facilitator="", exclude_tags=(), today=None):
    """A pack without a saved meeting, over these incidents (a queryset already limited to ``user``)."""
    entries = [(pk, "", "") for pk in incidents.values_list("pk", flat=True)]
    return build_pack(title, date or timezone.localdate(), facilitator, entries, user,
                      Incident.objects.visible_to(user), today=today, exclude_tags=exclude_tags)


def build_pack(title, date, facilitator, entries, user, visible, *, hidden=0, today=None, exclude_tags=()):
    today = today or timezone.localdate()
    incidents = Incident.objects.for_document().in_bulk([pk for pk, _n, _d in entries])
    sections = []
    for number, (pk, notes, decisions) in enumerate(entries, start=1):
        section = incident_section(incidents[pk], user, visible, today, number=number, exclude_tags=exclude_tags)
        section.notes, section.decisions = notes, decisions
        sections.append(section)
    return Pack(title=title, date=date, facilitator=facilitator, sections=sections,
                open_items=open_items_by_owner(sections), hidden=hidden, today=today)


def incident_section(incident, user, visible, today, *, number=1, exclude_tags=(), for_meeting=True):
    """One incident as a pack shows it; ``for_meeting`` adds similar earlier incidents and discussion prompts."""
    graph = charts.factor_graph(incident.factors.all())
    numbers = {node["factor"].pk: index for index, node in enumerate(graph["nodes"], start=1)}
    for node in graph["nodes"]:
        node["number"] = numbers[node["factor"].pk]
        node["fill"], node["stroke"] = NODE_COLOURS.get(node["factor"].category, DEFAULT_COLOURS)
    lessons = list(incident.lessons.all())
    section = Section(
        number=number,
        incident=incident,
        milestones=milestones(incident),
        key_events=[event for event in incident.timeline.all() if event.kind in KEY_EVENT_KINDS],
        factors=[{"number": node["number"], "factor": node["factor"],
                  "effects": sorted(numbers[e.pk] for e in node["factor"].leads_to.all() if e.pk in numbers)}
                 for node in graph["nodes"]],
        graph=graph,
        lesson_groups=[(label, [lesson for lesson in lessons if lesson.kind == kind]) for kind, label in Lesson.Kind.choices],
        action_items=list(incident.action_items.all()),
    )
    if for_meeting:
        section.earlier = similar_earlier(incident, user, visible)
        section.prompts = prompts(section, visible, today, exclude_tags)
    return section


def milestones(incident):
    """Started, detected, mitigated and resolved, each with the time since the previous one recorded."""
    rows, previous = [], None
    labels = {"started_at": _("Started"), "detected_at": _("Detected"),
              "mitigated_at": _("Mitigated"), "resolved_at": _("Resolved")}
    for name in Incident.MILESTONES:
        value = getattr(incident, name)
        rows.append(Milestone(labels[name], value, value - previous if value and previous else None))
        previous = value or previous
    return rows


def similar_earlier(incident, user, visible):
    """Similar incidents that started before this one, with their action items (were they done?)."""
    if incident.started_at is None:
        return []
    hits = search.similar(incident, user, limit=EARLIER_LIMIT * 3)
    found = visible.filter(pk__in=[hit["id"] for hit in hits], started_at__lt=incident.started_at).prefetch_related("action_items")
    found = {other.pk: other for other in found}
    return [Earlier(found[hit["id"]], hit["reasons"], list(found[hit["id"]].action_items.all()))
            for hit in hits if hit["id"] in found][:EARLIER_LIMIT]


def ordinal(n):
    words = {2: _("Second"), 3: _("Third"), 4: _("Fourth"), 5: _("Fifth"), 6: _("Sixth"),
             7: _("Seventh"), 8: _("Eighth"), 9: _("Ninth"), 10: _("Tenth")}
    return words.get(n) or _("No. %(n)d") % {"n": n}


def recurrences(incident, visible, exclude_tags=()):
    """[(name, earlier incidents)] for this incident's factor categories and tags that earlier incidents
    (within POSTMORTEM_RECURRING_DAYS) share, most shared first."""
    if incident.started_at is None:
        return []
    categories = {f.category for f in incident.factors.all()} - {"other"}
    excluded = {name.lower() for name in exclude_tags}
    tags = {tag.name for tag in incident.tags.all()} - excluded
    earlier = visible.filter(started_at__lt=incident.started_at,
                             started_at__gte=incident.started_at - datetime.timedelta(days=settings.POSTMORTEM_RECURRING_DAYS))
    shared = {}
    rows = [*earlier.filter(factors__category__in=categories).values_list("factors__category", "pk"),
            *earlier.filter(tags__name__in=tags).values_list("tags__name", "pk")]
    for name, pk in rows:
        shared.setdefault(name, set()).add(pk)
    return sorted(((name, sorted(pks)) for name, pks in shared.items()), key=lambda row: (-len(row[1]), row[0]))


def prompts(section, visible, today, exclude_tags=()):
    """Questions for the meeting, derived from what the write-up has (and lacks)."""
    incident, items = section.incident, section.action_items
    found = []
    if incident.status == Status.IN_REVIEW:
        found.append(_("Still in review: can it be published after this meeting?"))
    if incident.detected_at is None:
        found.append(_("No detection time recorded: when and how did we find out?"))
    if not section.factors:
        found.append(_("No contributing factors recorded."))
    if not any(group for _label, group in section.lesson_groups):
        found.append(_("No lessons recorded."))
    if not items:
        found.append(_("No action items recorded: is nothing to be done?"))
    ownerless = [item for item in items if not item.owner.strip() and item.is_unfinished]
    if ownerless:
        found.append(ngettext("%(n)d action item has no owner.", "%(n)d action items have no owner.",
                              len(ownerless)) % {"n": len(ownerless)})
    overdue = [item for item in items if item.is_overdue(today)]
    if overdue:
        found.append(ngettext("%(n)d action item is overdue.", "%(n)d action items are overdue.",
                              len(overdue)) % {"n": len(overdue)})
    minimum = settings.POSTMORTEM_RECURRING_MIN_COUNT
    for name, earlier in recurrences(incident, visible, exclude_tags)[:RECURRENCE_PROMPTS]:
        if len(earlier) + 1 >= minimum:
            found.append(_("%(ordinal)s %(name)s incident in %(days)d days (earlier: %(references)s).") % {
                "ordinal": ordinal(len(earlier) + 1), "name": name, "days": settings.POSTMORTEM_RECURRING_DAYS,
                "references": ", ".join(Incident(pk=pk).reference for pk in earlier)})
    for other in section.earlier:  # "we said we would add a pid alert in July; it is still open"
        for item in other.action_items:
            if item.is_unfinished and (item.due_date is None or item.due_date < today):
                values = {"reference": other.incident.reference, "title": item.title,
                          "status": item.get_status_display(), "due": item.due_date.isoformat() if item.due_date else ""}
                found.append((_("%(reference)s planned “%(title)s” by %(due)s; it is still “%(status)s”.") if item.due_date
                              else _("%(reference)s planned “%(title)s”; it is still “%(status)s”.")) % values)
    return found


def open_items_by_owner(sections):
    """Every unfinished action item on the agenda, grouped by owner (no owner last), soonest due first."""
    groups = {}
    for section in sections:
        for item in section.action_items:
            if item.is_unfinished:
                groups.setdefault(item.owner.strip(), []).append((section.incident, item))
    owners = sorted(groups, key=lambda owner: (owner == "", owner.lower()))
    return [(owner or _("No owner"),
             sorted(groups[owner], key=lambda row: (row[1].due_date is None, row[1].due_date or datetime.date.min, row[0].pk)))
            for owner in owners]


# --- Markdown -----------------------------------------------------------------------------------------


def cell(text):
    """Text for one Markdown table cell: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|") or "—"


def block(text):
    """Markdown source from an incident as is (trailing space trimmed), or a dash when empty."""
    return str(text).strip() or "—"


def list_item(text, marker="-"):
    """A list item whose later lines are indented under it."""
    lines = str(text).strip().splitlines() or ["—"]
    indent = " " * (len(marker) + 1)
    return "\n".join([f"{marker} {lines[0]}", *[f"{indent}{line}" if line.strip() else "" for line in lines[1:]]])


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _h in header) + "|"]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def duration(value):
    return seconds_duration(value) if value is not None else "—"


def github_text(item):
    if item.github:
        state = f" ({item.github.get_state_display()})" if item.github.state else ""
        return f"[{item.github.short}]({item.github.url}){state}"
    return f"<{item.url}>" if item.url else "—"


def due_text(item, today):
    if not item.due_date:
        return "—"
    return f"{item.due_date.isoformat()} **{_('overdue')}**" if item.is_overdue(today) else item.due_date.isoformat()


def action_item_table(items, today):
    header = [_("Action"), _("Kind"), _("Owner"), _("Due"), _("Status"), _("Tracked in")]
    rows = [[item.title, item.get_kind_display(), item.owner or "—", due_text(item, today),
             item.get_status_display(), github_text(item)] for item in items]
    return table(header, rows)


def factor_lines(section):
    lines = []
    for row in section.factors:
        effects = f" → {', '.join(str(n) for n in row['effects'])}" if row["effects"] else ""
        text = " ".join(row["factor"].description.split())
        lines.append(f"{row['number']}. **{row['factor'].get_category_display()}**: {text}{effects}")
    return "\n".join(lines) or "—"


def lesson_lines(section):
    parts = []
    for label, lessons in section.lesson_groups:
        parts.append(f"**{label}**\n\n" + ("\n".join(list_item(lesson.text) for lesson in lessons) or "—"))
    return "\n\n".join(parts)


def milestone_table(section):
    return table([_("Milestone"), _("Time"), _("After")],
                 [[m.label, local(m.at), duration(m.after)] for m in section.milestones])


def event_line(event):
    source = f" ({event.source})" if event.source else ""
    return list_item(f"{local(event.occurred_at)} **{event.get_kind_display()}**{source}: {event.description.strip()}")


def incident_facts(incident):
    facts = [f"**{_('Severity')}:** {incident.get_severity_display()}", f"**{_('Status')}:** {incident.get_status_display()}"]
    tags = ", ".join(tag.name for tag in incident.tags.all())
    services = ", ".join(service.name for service in incident.services.all())
    if services:
        facts.append(f"**{_('Services')}:** {services}")
    if tags:
        facts.append(f"**{_('Tags')}:** {tags}")
    return " · ".join(facts)


def pack_markdown(pack):
    out = [f"# {pack.title}", ""]
    out += [f"- **{_('Date')}:** {pack.date.isoformat()}",
            f"- **{_('Facilitator')}:** {pack.facilitator or '—'}",
            f"- **{_('Times in')}:** {pack.time_zone}", ""]
    out += [f"## {_('Agenda')}", ""]
    rows = [[str(s.number), s.incident.reference, s.incident.title, s.incident.get_severity_display(),
             duration(s.incident.time_to_resolve), s.incident.get_status_display()] for s in pack.sections]
    out += [table(["#", _("Reference"), _("Title"), _("Severity"), _("Duration"), _("Status")], rows) if rows
            else _("Nothing on the agenda."), ""]
    if pack.hidden:
        out += [hidden_note(pack.hidden), ""]
    for section in pack.sections:
        out += section_markdown(section, pack.today)
    out += [f"## {_('Open action items by owner')}", ""]
    for owner, rows in pack.open_items:
        out += [f"### {owner}", ""]
        out += [list_item(f"{incident.reference}: {item.title} — {_('due')} {due_text(item, pack.today)}, "
                          f"{item.get_status_display()}" + (f", {github_text(item)}" if item.github or item.url else ""))
                for incident, item in rows]
        out.append("")
    if not pack.open_items:
        out += [_("None."), ""]
    return "\n".join(out).rstrip() + "\n"


def hidden_note(count):
    return ngettext("%(n)d incident on the agenda is not shown: you may not see it.",
                    "%(n)d incidents on the agenda are not shown: you may not see them.", count) % {"n": count}


def section_markdown(section, today):
    incident = section.incident
    out = [f"## {section.number}. {incident.reference} {' '.join(incident.title.split())}", "", incident_facts(incident), ""]
    out += [f"### {_('Summary')}", "", block(incident.summary), ""]
    out += [f"### {_('Impact')}", "", block(incident.impact), ""]
    out += [f"### {_('Key timeline')}", "", milestone_table(section), ""]
    if section.key_events:
        out += ["\n".join(event_line(event) for event in section.key_events), ""]
    out += [f"### {_('Contributing factors')}", "", factor_lines(section), ""]
    out += [f"### {_('Lessons learned')}", "", lesson_lines(section), ""]
    out += [f"### {_('Action items')}", "", action_item_table(section.action_items, today) if section.action_items else "—", ""]
    out += [f"### {_('Similar earlier incidents')}", ""]
    for other in section.earlier:
        started = timezone.localtime(other.incident.started_at).date().isoformat()
        reasons = f" — {' · '.join(other.reasons)}" if other.reasons else ""
        lines = [f"**{other.incident.reference}** {' '.join(other.incident.title.split())} ({started}){reasons}"]
        for item in other.action_items:
            due = f" ({_('due')} {due_text(item, today)})" if item.due_date else ""
            lines.append(list_item(f"{item.get_status_display()}: {item.title}{due}"))
        out += [list_item("\n".join(lines)), ""]
    if not section.earlier:
        out += [_("None found."), ""]
    if section.notes.strip():
        out += [f"### {_('Meeting notes')}", "", block(section.notes), ""]
    if section.decisions.strip():
        out += [f"### {_('Decisions')}", "", block(section.decisions), ""]
    out += [f"### {_('Discussion prompts')}", ""]
    out += ["\n".join(list_item(prompt) for prompt in section.prompts) or "—", ""]
    return out


def incident_markdown(section, today):
    """One write-up in the order of the SRE postmortem template (as the incident page shows it)."""
    incident = section.incident
    out = [f"# {incident.reference} {' '.join(incident.title.split())}", "", incident_facts(incident), ""]
    out += [table([m.label for m in section.milestones] + [_("Time to detect"), _("Time to resolve")],
                  [[local(m.at) for m in section.milestones]
                   + [duration(incident.time_to_detect), duration(incident.time_to_resolve)]]),
            "", f"_{_('Times in')} {settings.TIME_ZONE}_", ""]
    out += [f"## {_('Summary')}", "", block(incident.summary), ""]
    out += [f"## {_('Impact')}", "", block(incident.impact), ""]
    out += [f"## {_('Timeline')}", "", "\n".join(event_line(event) for event in incident.timeline.all()) or "—", ""]
    out += [f"## {_('Contributing factors')}", "", factor_lines(section), ""]
    out += [f"## {_('Analysis')}", "", block(incident.analysis), ""]
    out += [f"## {_('Resolution')}", "", block(incident.resolution), ""]
    out += [f"## {_('Lessons learned')}", "", lesson_lines(section), ""]
    out += [f"## {_('Action items')}", "", action_item_table(section.action_items, today) if section.action_items else "—", ""]
    links = [list_item(f"{link.get_relation_display()}: " + (
        f"[{link.github.short}]({link.github.url})" + (f" ({link.github.get_state_display()})" if link.github.state else "")
        if link.github else f"[{link.title or link.url}]({link.url})")) for link in incident.links.all()]
    out += [f"## {_('Links')}", "", "\n".join(links) or "—", ""]
    return "\n".join(out).rstrip() + "\n"


# --- HTML and PDF -------------------------------------------------------------------------------------


def pack_html(pack):
    return render_to_string("export/pack.html", {"pack": pack, "language": get_language() or "en"})


def incident_html(section, today):
    return render_to_string("export/incident.html", {"section": section, "incident": section.incident, "today": today,
                                                     "time_zone": settings.TIME_ZONE, "language": get_language() or "en"})


def html_to_pdf(html):
    """PDF from self-contained HTML. Nothing is fetched: every URL (there should be none) is refused."""
    import weasyprint  # imported on first use: it loads pango and fonts

    fetcher = weasyprint.URLFetcher(allowed_protocols=())
    return weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf()


def pack_pdf(pack):
    return html_to_pdf(pack_html(pack))


# --- files --------------------------------------------------------------------------------------------


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

    def response(self):
        response = HttpResponse(self.content, content_type=self.content_type)
        response["Content-Disposition"] = content_disposition_header(True, self.filename)
        return response


def render_pack(pack, fmt, basename):
    """The pack as a file (``fmt`` already checked by the caller, before the pack was gathered)."""
    body = {"md": pack_markdown, "html": pack_html, "pdf": pack_pdf}[fmt](pack)
    return ExportFile(body if isinstance(body, bytes) else body.encode(), FORMATS[fmt], f"{basename}.{fmt}")


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


def export_incident(incident, user, fmt, today=None):
    """One incident (which ``user`` must be able to see: the caller looks it up with visible_to)."""
    check_format(fmt, INCIDENT_FORMATS)
    today = today or timezone.localdate()
    incident = Incident.objects.for_document().get(pk=incident.pk)
    section = incident_section(incident, user, Incident.objects.visible_to(user), today, for_meeting=False)
    if fmt == "md":
        body = incident_markdown(section, today).encode()
    else:
        body = html_to_pdf(incident_html(section, today))
    return ExportFile(body, FORMATS[fmt], f"{incident.reference}.{fmt}")

