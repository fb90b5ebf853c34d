"""The search log: what people searched for and which result they opened from a search, kept for a while
(settings.SEARCH_LOG_DAYS, pruned by actions.housekeeping). Nothing personal is stored: a search is its
normalized text, where it came from, how many incidents it found and whether that was a partial answer; an
opening keeps only a keyed digest of who opened (``opener``), so the boost can count people, not clicks,
without the table saying who searched for what. Written by actions.searchlog; read by search.usage (the
boost from openings, the admin's list of searches that found nothing or led nowhere)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .incidents import Incident

MAX_QUERY_LENGTH = 200  # longer queries are stored cut


class SearchRecord(models.Model):
    class Source(models.TextChoices):
        PAGE = "page", _("page")
        API = "api", _("API")

    query = models.CharField(_("search"), max_length=MAX_QUERY_LENGTH)  # search.usage.normalize
    source = models.CharField(max_length=4, choices=Source.choices)
    hits = models.PositiveIntegerField(_("incidents found"))
    partial = models.BooleanField(default=False)  # a fallback (any word) or parts-of-words answer
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["query", "at"], name="search_record_query_at")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.query} ({self.hits})"


class SearchOpen(models.Model):
    """A result opened from a search's list: the query (normalized), its terms (search.usage.terms: the
    words, sorted, space-separated) and the incident."""

    query = models.CharField(_("search"), max_length=MAX_QUERY_LENGTH)
    terms = models.CharField(max_length=MAX_QUERY_LENGTH)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="search_opens")
    opener = models.CharField(max_length=16)  # keyed digest of the user: people are counted, not named
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["incident", "at"], name="search_open_incident_at"),
                   models.Index(fields=["query", "at"], name="search_open_query_at")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.query} → {self.incident_id}"
