"""What the import preview shows of one parsed write-up: where each section of the file lands, and the rows
the incident will get (timeline events, contributing factors, action items with their kind, lessons, links),
its times and labels. Built from the parser's result only (nothing is read from or written to the database);
the labels are the models' own, so the preview says what the incident page will say."""

from django.utils.translation import gettext as _

from incidents.models import ActionItem, FactorCategory, Lesson, TimelineEvent

PROSE = ("summary", "impact", "analysis", "resolution")
MILESTONES = ("started_at", "detected_at", "mitigated_at", "resolved_at")


def _targets():
    """Section key -> where its content goes, as the incident page names it."""
    return {"summary": _("Summary"), "impact": _("Impact"), "analysis": _("Analysis"), "resolution": _("Resolution"),
            "root_causes": _("Contributing factors"), "action_items": _("Action items"), "lessons": _("Lessons learned"),
            "timeline": _("Timeline"), "links": _("Links")}


def _milestone_names():
    return {"started_at": _("Started"), "detected_at": _("Detected"), "mitigated_at": _("Mitigated"),
            "resolved_at": _("Resolved")}


def sections(parsed):
    """[{line, heading, target, note}] for each section of the file, in order."""
    targets = _targets()
    if parsed.format == "postmortem":
        return [{"line": None, "heading": targets[key], "target": targets[key], "note": ""}
                for key in PROSE if key in parsed.document]
    if not parsed.placed:
        if parsed.format == "front-matter" and parsed.document.get("analysis"):
            return [{"line": None, "heading": _("The text after the front matter"), "target": targets["analysis"],
                     "note": _("as written")}]
        return []
    rows = []
    for place in parsed.placed:
        heading = place.heading or _("The text before the first section")
        if place.key in targets:
            note = _("the rest under its heading in the analysis") if place.to_analysis and place.key != "analysis" else ""
            rows.append({"line": place.line, "heading": heading, "target": targets[place.key], "note": note})
        elif place.key is None:
            rows.append({"line": place.line, "heading": heading, "target": targets["analysis"],
                         "note": _("unknown heading: appended under its heading")})
        else:  # trigger, detection: no field of their own
            rows.append({"line": place.line, "heading": heading, "target": targets["analysis"],
                         "note": _("under its heading")})
    return rows


def outline(parsed):
    """Everything the preview lists for one write-up, with the models' labels."""
    document = parsed.document
    names = _milestone_names()
    return {
        "title": document.get("title", ""),
        "sections": sections(parsed),
        "milestones": [{"name": names[key], "at": document[key]} for key in MILESTONES if document.get(key)],
        "services": document.get("services", []),
        "tags": document.get("tags", []),
        "timeline": [{"at": event["occurred_at"], "kind": _label(TimelineEvent.Kind, event.get("kind")),
                      "description": event.get("description", "")} for event in document.get("timeline", [])],
        "factors": [{"ref": factor.get("ref"), "category": _label(FactorCategory, factor.get("category")),
                     "description": factor.get("description", "")} for factor in document.get("factors", [])],
        "action_items": [{"title": item["title"], "kind": _label(ActionItem.Kind, item.get("kind")),
                          "status": _label(ActionItem.Status, item.get("status")),
                          "owner": item.get("owner", ""), "link": item.get("url") or item.get("tracker", "")}
                         for item in document.get("action_items", [])],
        "lessons": [{"kind": _label(Lesson.Kind, lesson.get("kind")), "text": lesson.get("text", "")}
                    for lesson in document.get("lessons", [])],
        "links": [{"title": link.get("title", ""), "url": link["url"]} for link in document.get("links", [])],
    }


def _label(choices, value):
    try:
        return choices(value).label
    except ValueError:
        return value or ""
