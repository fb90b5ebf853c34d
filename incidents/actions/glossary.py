"""Writing the glossary (the groups of terms search expands a query with): an entry created, changed or
deleted through the API (incidents.api.glossary) or the admin, and the seed loaded (`manage.py
load_glossary`). Each is one transaction; every process's cached Glossary follows within a few seconds
(incidents.models.glossary forgets this process's at once, and again once the write commits)."""

from django.db import transaction

from incidents import glossary
from incidents.models import GlossaryEntry

SEED_FIELDS = ("category", "terms", "enabled")


@transaction.atomic
def save_entry(entry, **fields):
    """Store ``entry`` (a new GlossaryEntry, or one read from the table) with ``fields`` (key, category,
    terms, enabled) set first; its terms are stored cleaned (GlossaryEntry.save)."""
    for name, value in fields.items():
        setattr(entry, name, value)
    entry.save()
    return entry


@transaction.atomic
def add_terms(entry, terms):
    """Add ``terms`` to ``entry`` after its own, leaving out those it has (compared folded: ユーザ = ユーザー);
    the terms added."""
    entry = GlossaryEntry.objects.select_for_update().get(pk=entry.pk)
    have = {glossary.fold(term) for term in entry.terms}
    added = []
    for term in terms:
        if glossary.fold(term) not in have:
            have.add(glossary.fold(term))
            added.append(term)
    if added:
        save_entry(entry, terms=[*entry.terms, *added])
    return added


@transaction.atomic
def delete_entries(entries):
    """Delete these entries (a queryset); how many were deleted."""
    deleted, _rows = entries.delete()
    return deleted


def delete_entry(entry):
    return delete_entries(GlossaryEntry.objects.filter(pk=entry.pk))


@transaction.atomic
def load_seed(groups, *, replace=False):
    """Store the seed's ``groups`` (incidents.glossary.read_seed). A missing key is created; an existing one
    is left as someone may have edited it, unless ``replace``. Entries not in the seed are never touched.
    Returns (created, replaced, kept)."""
    existing = {entry.key: entry for entry in GlossaryEntry.objects.all()}
    created = replaced = kept = 0
    for group in groups:
        entry = existing.get(group["key"])
        if entry is None:
            GlossaryEntry.objects.create(**group)
            created += 1
        elif not replace or all(getattr(entry, name) == group[name] for name in SEED_FIELDS):
            kept += 1
        else:
            save_entry(entry, **{name: group[name] for name in SEED_FIELDS})
            replaced += 1
    return created, replaced, kept
