"""What a retrospective pack shows, gathered from the database and the search index (reads only): per
incident its milestones, key events, factor chain, lessons, action items, similar earlier incidents and
discussion prompts, and the open action items by owner. The renderers (markdown, html, pdf) turn it into
a file."""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _, ngettext

from incidents import diagram, recurrence, search
from incidents.models import FactorCategory, Incident, Lesson, Status, TimelineEvent
from incidents.models.sections import TEXT_SECTIONS, page_sections
from incidents.models.types import field_rows

ITEM_SECTIONS = ("action_items", "mitigate", "prevent")
KEY_EVENT_KINDS = (TimelineEvent.Kind.DETECTION, TimelineEvent.Kind.MITIGATION, TimelineEvent.Kind.RESOLUTION)
EARLIER_LIMIT = 3  # similar earlier incidents shown per incident
RECURRENCE_PROMPTS = 3  # "third … incident in 180 days" prompts per incident, most frequent first
# The width, in CSS px, of an A4 portrait page between export.css's margins (210 mm - 2 × 14 mm): a factor graph
# wider than this gets a landscape page of its own, where it is printed at (nearly) its size instead of being
# shrunk to a few points.
PORTRAIT_WIDTH_PX = 688


@dataclass
class Milestone:
    label: str
    at: datetime.datetime | None
    after: datetime.timedelta | None  # since the previous recorded milestone


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
    parts: list = field(default_factory=list)  # the sections in the type's order (body_sections)
    field_rows: list = field(default_factory=list)  # custom field values as shown (types.field_rows)
    retired_field_rows: list = field(default_factory=list)


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


def meeting_pack(meeting, user, today=None):
    """The pack of a saved meeting as ``user`` may see it: agenda incidents they cannot see are left out."""
    visible = Incident.objects.visible_to(user)
    items = list(meeting.agenda.select_related("incident"))
    shown = {pk for pk in visible.filter(pk__in=[item.incident_id for item in items]).values_list("pk", flat=True)}
    entries = [(item.incident_id, item.notes, item.decisions) for item in items if item.incident_id in shown]
    return build_pack(meeting.title, meeting.date, meeting.facilitator, entries, user, visible,
                      hidden=sum(1 for item in items if item.incident_id not in shown
                                 and item.incident.visibility == "internal"),  # restricted: as if absent
                      today=today,
                      exclude_tags=[meeting.select_tag] if meeting.select_tag else [])


def selection_pack(incidents, user, *, title, date=None, facilitator="", exclude_tags=(), today=None):
    """A pack without a saved meeting, over these incidents (a queryset already limited to ``user``)."""
    entries = [(pk, "", "") for pk in incidents.values_list("pk", flat=True)]
    return build_pack(title, date or timezone.localdate(), facilitator, entries, user,
                      Incident.objects.visible_to(user), today=today, exclude_tags=exclude_tags)


def build_pack(title, date, facilitator, entries, user, visible, *, hidden=0, today=None, exclude_tags=()):
    today = today or timezone.localdate()
    incidents = Incident.objects.for_document().prefetch_related("attachments").in_bulk([pk for pk, _n, _d in entries])
    sections = []
    for number, (pk, notes, decisions) in enumerate(entries, start=1):
        section = incident_section(incidents[pk], user, visible, today, number=number, exclude_tags=exclude_tags)
        section.notes, section.decisions = notes, decisions
        sections.append(section)
    return Pack(title=title, date=date, facilitator=facilitator, sections=sections,
                open_items=open_items_by_owner(sections), hidden=hidden, today=today)


def shown(pack):
    """The incidents whose write-up the pack shows, whole (the agenda's) or in part (similar earlier ones:
    their titles, reasons and action items), each once, in the order they appear."""
    found = {}
    for section in pack.sections:
        found.setdefault(section.incident.pk, section.incident)
        for other in section.earlier:
            found.setdefault(other.incident.pk, other.incident)
    return tuple(found.values())


def incident_section(incident, user, visible, today, *, number=1, exclude_tags=(), for_meeting=True):
    """One incident as a pack shows it; ``for_meeting`` adds similar earlier incidents and discussion prompts."""
    graph = diagram.factor_graph(incident.factors.all(), name=f"factor-graph-{incident.pk}")
    graph["wide"] = bool(graph["print"]) and graph["print"]["width"] > PORTRAIT_WIDTH_PX
    numbers = {node["factor"].pk: node["number"] for node in graph["nodes"]}
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
        parts=body_sections(incident),
    )
    section.field_rows, section.retired_field_rows = field_rows(incident)
    if for_meeting:
        section.earlier = similar_earlier(incident, user, visible)
        section.prompts = prompts(section, visible, today, exclude_tags)
    return section


def body_sections(incident):
    """The write-up's sections in its type's order with its headings: dicts with key, heading, text (the prose
    sections) and items (the action item sections: those of that kind)."""
    return [{"key": key, "heading": heading, "text": getattr(incident, key) if key in TEXT_SECTIONS else None,
             "items": items if key in ITEM_SECTIONS else None}
            for key, heading, _prompt, items in page_sections(incident)]


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
    """Similar incidents that started before this one (``recurrence.Earlier``: their action items, were they
    done?, and what those meant to prevent or mitigate this became), as ``user`` may see them."""
    if incident.started_at is None:
        return []
    try:
        hits = search.similar(incident, user, limit=EARLIER_LIMIT * 3)
    except search.SearchUnavailable:  # the pack is still made, without them
        return []
    return recurrence.earlier(incident, user, hits)[:EARLIER_LIMIT]


def ordinal(n):
    words = {2: _("Second"), 3: _("Third"), 4: _("Fourth"), 5: _("Fifth"), 6: _("Sixth"),
             7: _("Seventh"), 8: _("Eighth"), 9: _("Ninth"), 10: _("Tenth")}
    return words.get(n) or _("No. %(n)d") % {"n": n}


def recurrences(incident, visible, exclude_tags=()):
    """[(kind, name, earlier incidents)] for this incident's factor categories (kind "factor", name the
    category's key) and tags (kind "tag") that earlier incidents (within POSTMORTEM_RECURRING_DAYS) share, most
    shared first."""
    if incident.started_at is None:
        return []
    categories = {f.category for f in incident.factors.all()} - {"other"}
    excluded = {name.lower() for name in exclude_tags}
    tags = {tag.name for tag in incident.tags.all()} - excluded
    earlier = visible.filter(started_at__lt=incident.started_at,
                             started_at__gte=incident.started_at - datetime.timedelta(days=settings.POSTMORTEM_RECURRING_DAYS))
    shared = {}
    rows = [*(("factor", name, pk) for name, pk in earlier.filter(factors__category__in=categories)
              .values_list("factors__category", "pk")),
            *(("tag", name, pk) for name, pk in earlier.filter(tags__name__in=tags).values_list("tags__name", "pk"))]
    for kind, name, pk in rows:
        shared.setdefault((kind, name), set()).add(pk)
    return sorted(((kind, name, sorted(pks)) for (kind, name), pks in shared.items()),
                  key=lambda row: (-len(row[2]), row[1], row[0]))


def recurrence_prompt(kind, name, earlier):
    """"Third incident with a “Capacity” factor …": a category by its label (in the reader's language), a tag
    by its name (the team's own word)."""
    values = {"ordinal": ordinal(len(earlier) + 1), "days": settings.POSTMORTEM_RECURRING_DAYS,
              "references": ", ".join(Incident(pk=pk).reference for pk in earlier)}
    if kind == "factor":
        label = FactorCategory(name).label if name in FactorCategory.values else name
        return _("%(ordinal)s incident with a “%(name)s” factor in %(days)d days (earlier: %(references)s).") % {
            **values, "name": label}
    return _("%(ordinal)s incident tagged “%(name)s” in %(days)d days (earlier: %(references)s).") % {
        **values, "name": name}


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
    for kind, name, earlier in recurrences(incident, visible, exclude_tags)[:RECURRENCE_PROMPTS]:
        if len(earlier) + 1 >= minimum:
            found.append(recurrence_prompt(kind, name, earlier))
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
