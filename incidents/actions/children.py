"""Writing an incident's child rows (timeline, factors, lessons, action items, links), kept by id.

A list in a write is the incident's whole list: an entry with an ``id`` updates that row (the fields it
carries; ``validate`` has made sure the id is one of this incident's rows), an entry without one is a new row,
and rows the list leaves out are deleted. A list without any ids (an older client) therefore replaces the rows.
Rows keep their ids, so what hangs on a row stays with it: what its GitHub link did to an action item (until a
person changes its status or its link), the history's comparison by id, the factors' causal links.
Unchanged rows are not written again."""

from incidents.github import refs
from incidents.models import ActionItem, ContributingFactor, ExternalLink

from .document import same_link

NOT_FIELDS = ("id", "ref", "leads_to")


def write_rows(incident, model, entries):
    """Make ``incident``'s rows of ``model`` those of ``entries`` (in that order); the rows written."""
    stored = {row.pk: row for row in model.objects.filter(incident=incident)}
    kept = {entry["id"] for entry in entries if entry.get("id") is not None}
    gone = [pk for pk in stored if pk not in kept]
    if gone:
        model.objects.filter(pk__in=gone).delete()
    if model is ExternalLink:
        _free_urls_taken_by_kept_rows(stored, entries)
    rows = []
    for entry in entries:
        fields = {name: value for name, value in entry.items() if name not in NOT_FIELDS}
        if entry.get("id") is None:
            row = model(incident=incident, **fields)
            row.save()
        else:
            row = stored[entry["id"]]
            _update(row, fields)
        rows.append(row)
    return rows


def _update(row, fields):
    changed = [name for name, value in fields.items() if getattr(row, name) != value]
    if isinstance(row, ActionItem) and (row.link_event or row.closed_by_link) and not _follows_link(row, fields):
        for name in ActionItem.LINK_KEPT:  # a person took the item over from its link: the record goes
            setattr(row, name, ActionItem._meta.get_field(name).get_default())
        changed.append("link")
    for name in changed:
        if name in fields:
            setattr(row, name, fields[name])
    if changed:
        row.save()


def _follows_link(item, fields):
    """The item is still the one its GitHub link moved: same link (in any spelling), same status."""
    return (same_link(fields.get("url", item.url)) == same_link(item.url)
            and fields.get("status", item.status) == item.status)


def _stored_form(url):
    """A link's URL as GitHubLinked.save stores it (OWNER/REPO#N written out as the issue's URL)."""
    try:
        ref = refs.parse(url) if url else None
    except ValueError:
        ref = None
    return ref.url if ref and refs.looks_like_short_form(url) else url


def _free_urls_taken_by_kept_rows(stored, entries):
    """Links are unique per incident: a kept row whose URL another entry takes (two links swapped, a link
    moved to a new row) first gets a placeholder no link can have, so no intermediate save collides."""
    wanted = {entry["id"]: _stored_form(entry.get("url", stored[entry["id"]].url))
              for entry in entries if entry.get("id") is not None}
    taken = {_stored_form(entry.get("url", "")) for entry in entries}
    for pk, url in wanted.items():
        row = stored[pk]
        if row.url != url and row.url in taken:
            row.url = f"~{pk}"
            ExternalLink.objects.filter(pk=pk).update(url=row.url)


def write_factors(incident, entries):
    """The factors as ``write_rows`` does, then their causal links (``leads_to`` names other entries' refs):
    links that go are removed first, so the links added never meet a stale one (the model's guard checks each
    addition against those stored)."""
    rows = write_rows(incident, ContributingFactor, entries)
    by_ref = {entry["ref"]: row for entry, row in zip(entries, rows)}
    wanted = {(row.pk, by_ref[target].pk) for entry, row in zip(entries, rows) for target in entry.get("leads_to", [])}
    through = ContributingFactor.leads_to.through.objects.filter(from_contributingfactor__incident=incident)
    stored = set(through.values_list("from_contributingfactor_id", "to_contributingfactor_id"))
    for cause, effect in stored - wanted:
        through.filter(from_contributingfactor_id=cause, to_contributingfactor_id=effect).delete()
    for row in rows:
        targets = [effect for cause, effect in wanted - stored if cause == row.pk]
        if targets:
            row.leads_to.add(*targets)
    return rows
