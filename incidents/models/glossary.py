"""The glossary (a thesaurus): groups of terms that mean the same thing, in Japanese and English
(接続拒否 = connection refused = ECONNREFUSED), which search expands a query with. The matching itself is pure
(incidents.glossary); this module stores the entries and keeps a cached Glossary of the enabled ones."""

import threading
import time

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, Max
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _

from incidents import families, glossary


class GlossaryCategory(models.TextChoices):
    FAILURE = "failure", _("Failure")
    RESOURCE = "resource", _("Resource")
    SYMPTOM = "symptom", _("Symptom")
    ACTION = "action", _("Action")
    COMPONENT = "component", _("Component")
    ERROR = "error", _("Error code or message")
    PRODUCT = "product", _("Product")


def validate_terms(value):
    try:
        glossary.clean_terms(value)
    except ValueError as exc:
        raise ValidationError(exc.args[0]) from None


class GlossaryEntryQuerySet(models.QuerySet):
    def matching(self, text):
        """Entries with a term (or key) containing ``text``, compared folded (so ユーザ finds ユーザー, and
        Japanese is found on SQLite too, where JSON is stored with \\u escapes). The table is small: the
        comparison runs here, not in SQL."""
        needle = glossary.fold(text)
        if not needle:
            return self
        ids = [
            pk for pk, key, terms in self.values_list("pk", "key", "terms")
            if needle in key or any(needle in glossary.fold(term) for term in terms or ())
        ]
        return self.filter(pk__in=ids)

    def expansions(self, words):
        """The expansions of a query's words by the enabled entries (cached; see current_glossary)."""
        return current_glossary().expand(words)


class GlossaryEntry(models.Model):
    key = models.SlugField(_("key"), max_length=100, unique=True,
                           help_text=_("A stable name for the group, e.g. connection-refused."))
    category = models.CharField(_("category"), max_length=20, choices=GlossaryCategory.choices)
    terms = models.JSONField(_("terms"), default=list, validators=[validate_terms],
                             help_text=_("Words and phrases that mean the same, in any language."))
    enabled = models.BooleanField(_("enabled"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    objects = GlossaryEntryQuerySet.as_manager()

    class Meta:
        ordering = ["category", "key"]
        verbose_name = _("glossary entry")
        verbose_name_plural = _("glossary entries")

    def __str__(self):
        return self.key

    def save(self, *args, **kwargs):
        # Stored terms are always the cleaned ones (stripped, single-spaced), whoever saves.
        try:
            self.terms = glossary.clean_terms(self.terms)
        except ValueError as exc:
            raise ValidationError({"terms": exc.args[0]}) from None
        super().save(*args, **kwargs)


# The cached Glossary of enabled entries. Every process keeps its own; it is rebuilt when the table's
# (count, latest updated_at) differ from those it was built from, looked at most once every CHECK_SECONDS.
# A save or delete in this process forgets it at once. (QuerySet.update() sets no updated_at: code that
# bulk-updates entries must set it, or wait for nothing to notice.)
CHECK_SECONDS = 5.0
_lock = threading.Lock()
_cache = {"glossary": None, "stamp": None, "checked": 0.0}


def _stamp():
    state = GlossaryEntry.objects.aggregate(count=Count("id"), latest=Max("updated_at"))
    return state["count"], state["latest"]


def current_glossary():
    """The Glossary of the enabled entries, at most CHECK_SECONDS behind another process's edit."""
    now = time.monotonic()
    with _lock:
        if _cache["glossary"] is not None and now - _cache["checked"] < CHECK_SECONDS:
            return _cache["glossary"]
        stamp = _stamp()
        if _cache["glossary"] is None or stamp != _cache["stamp"]:
            rows = GlossaryEntry.objects.filter(enabled=True).values_list("key", "category", "terms")
            disabled = [term for terms in GlossaryEntry.objects.filter(enabled=False).values_list("terms", flat=True)
                        for term in terms]
            _cache["glossary"] = glossary.Glossary(families.merged(rows, disabled))  # errno, HTTP, signal names
            _cache["stamp"] = stamp
        _cache["checked"] = now
        return _cache["glossary"]


def forget_glossary():
    """Rebuild the cached Glossary on next use."""
    with _lock:
        _cache.update(glossary=None, stamp=None, checked=0.0)


def _entry_changed(**kwargs):
    # Now, and again once the writer's transaction commits (another thread could read the old rows between).
    forget_glossary()
    transaction.on_commit(forget_glossary)


post_save.connect(_entry_changed, sender=GlossaryEntry, dispatch_uid="glossary-saved")
post_delete.connect(_entry_changed, sender=GlossaryEntry, dispatch_uid="glossary-deleted")
