"""The incident page's sections in its type's order with the type's headings, and its custom field values as
people read them. A built-in section the template leaves out still shows when it has content (a template
never hides what was written), after the template's sections, under its usual heading."""

from django.utils.translation import gettext_lazy as _

from .children import ActionItem

DEFAULT_HEADINGS = {
    "summary": _("Summary"), "impact": _("Impact"), "timeline": _("Timeline"), "factors": _("Contributing factors"),
    "analysis": _("Analysis"), "resolution": _("Resolution"), "lessons": _("Lessons learned"),
    "action_items": _("Action items"), "mitigate": _("Mitigate"), "prevent": _("Prevent"),
}
TEXT_SECTIONS = ("summary", "impact", "analysis", "resolution")


def page_sections(incident):
    """[(key, heading, prompt, action items or None)]: the sections the page shows, in order. ``mitigate`` and
    ``prevent`` carry the action items of that kind; ``action_items`` those no other section shows."""
    template = incident.type.page_sections() if incident.type_id else []
    items = list(incident.action_items.all())
    listed = {key for key, _heading, _prompt in template}
    if not template:
        template = [(key, "", "") for key in DEFAULT_HEADINGS if key not in ("mitigate", "prevent")]
        listed = {key for key, *_rest in template}
    shown_kinds = {key for key in ("mitigate", "prevent") if key in listed}
    sections = []
    for key, heading, prompt in template:
        sections.append((key, heading or DEFAULT_HEADINGS[key], prompt, _items(key, items, shown_kinds)))
    for key in DEFAULT_HEADINGS:
        if key in listed or key in ("mitigate", "prevent"):
            continue
        rows = _items(key, items, shown_kinds)
        if _has_content(incident, key, rows):
            sections.append((key, DEFAULT_HEADINGS[key], "", rows))
    return sections


def _items(key, items, shown_kinds):
    if key in ("mitigate", "prevent"):
        return [item for item in items if item.kind == key]
    if key == "action_items":
        return [item for item in items if item.kind not in shown_kinds]
    return None


def _has_content(incident, key, rows):
    if key in TEXT_SECTIONS:
        return bool(getattr(incident, key).strip())
    if key == "action_items":
        return bool(rows)
    return bool(getattr(incident, key).all())


assert set(ActionItem.Kind.values) >= {"mitigate", "prevent"}
