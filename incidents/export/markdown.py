"""A pack, or one write-up, as Markdown that pastes cleanly: incident text goes in as the Markdown it is,
table cells are kept to one line with pipes escaped, and multi-line list items are indented under them."""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _, ngettext

from incidents.text.durations import seconds_duration


def local(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


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
