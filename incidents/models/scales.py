"""The severity scale admins define (key, labels in Japanese and English, order, colour, help, the default for
new incidents), the one rule of which severities an incident may have, and a cached copy of the scale every
list, facet, export and badge reads instead of one query per row. The writes are incidents.actions.scales."""

import hashlib
import logging
import threading
import time
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import DatabaseError, models, transaction
from django.db.models import Count, Max
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.text.bilingual import localized

log = logging.getLogger(__name__)


MAX_KEY_LENGTH = 20
validate_color = RegexValidator(r"^#[0-9a-fA-F]{6}\Z", gettext_lazy("Enter a colour as #rrggbb, e.g. #b3261e."))


class Level(NamedTuple):
    """One level of the scale as the cache holds it (no database needed to read it)."""

    key: str
    label_ja: str
    label_en: str
    order: int
    color: str
    description: str = ""
    default: bool = False

    @property
    def label(self):
        return localized(self.label_ja, self.label_en) or self.key


# The scale every installation starts with (migration 0027 seeds it): the four levels the application had
# before the scale could be changed, their labels as the Japanese catalogue had them, the badge colours.
DEFAULT_LEVELS = (
    Level("sev1", "SEV1 – 致命的", "SEV1 – critical", 1, "#b3261e"),
    Level("sev2", "SEV2 – 重大", "SEV2 – major", 2, "#c4420c"),
    Level("sev3", "SEV3 – 軽微", "SEV3 – minor", 3, "#8a5300", default=True),
    Level("sev4", "SEV4 – 低", "SEV4 – low", 4, "#59636e"),
)


class Scale:
    """The levels in order, looked up by key."""

    def __init__(self, levels):
        self.levels = tuple(sorted(levels, key=lambda level: (level.order, level.key)))
        self.by_key = {level.key: level for level in self.levels}

    def default_key(self):
        return next((level.key for level in self.levels if level.default),
                    self.levels[0].key if self.levels else "")

    def label(self, key):
        level = self.by_key.get(key)
        return level.label if level else key

    def problem(self, key):
        """Why ``key`` is not a severity of this scale, or ""."""
        if key in self.by_key:
            return ""
        return _("%(value)s is not a severity of this scale: %(keys)s.") % {
            "value": repr(key), "keys": ", ".join(self.by_key)}

    def stylesheet(self):
        """The badge rules, one per level (keys are slugs and colours #rrggbb: nothing to escape)."""
        return "".join(f".sev-{level.key} {{ color: {level.color}; }}\n" for level in self.levels)

    def etag(self):
        return hashlib.sha256(self.stylesheet().encode()).hexdigest()[:16]


class SeverityLevelQuerySet(models.QuerySet):
    def ordered(self):
        return self.order_by("order", "key")

    def default_key(self):
        """The key new incidents get (cached: see current_scale)."""
        return current_scale().default_key()

    def label(self, key):
        """The level's label in the active language, or the key itself when there is no such level (cached)."""
        return current_scale().label(key)

    def choices(self):
        """(key, label) in order, for forms and filters (cached)."""
        return [(level.key, level.label) for level in current_scale().levels]

    def usage(self):
        """{key: how many incidents have that severity} (keys no incident has are left out)."""
        incident = self.model._meta.apps.get_model("incidents", "Incident")
        return dict(incident.objects.order_by().values("severity").annotate(n=models.Count("pk")).values_list("severity", "n"))

    def problem(self, key):
        """THE rule of an incident's severity: "" when ``key`` is a level of the scale, else the message that
        names the scale's keys (the API's 400, the form's and the importer's error)."""
        return current_scale().problem(key)


class SeverityLevel(models.Model):
    key = models.SlugField(gettext_lazy("key"), max_length=MAX_KEY_LENGTH, unique=True,
                           help_text=gettext_lazy("A short stable name, e.g. sev1 or p0; incidents store it."))
    label_ja = models.CharField(gettext_lazy("Japanese label"), max_length=100, blank=True)
    label_en = models.CharField(gettext_lazy("English label"), max_length=100, blank=True)
    order = models.IntegerField(gettext_lazy("order"), unique=True,
                                help_text=gettext_lazy("Smaller comes first: the most severe level first."))
    color = models.CharField(gettext_lazy("colour"), max_length=7, default="#59636e", validators=[validate_color])
    description = models.TextField(gettext_lazy("description"), max_length=500, blank=True,
                                   help_text=gettext_lazy("When to choose this level, shown as help in the form."))
    default = models.BooleanField(gettext_lazy("default"), default=False,
                                  help_text=gettext_lazy("New incidents get this level (exactly one level is the default)."))
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SeverityLevelQuerySet.as_manager()

    class Meta:
        ordering = ["order", "key"]
        constraints = [models.UniqueConstraint(fields=["default"], condition=models.Q(default=True),
                                               name="one_default_severity_level")]
        verbose_name = gettext_lazy("severity level")
        verbose_name_plural = gettext_lazy("severity levels")

    def __str__(self):
        return self.label

    @property
    def label(self):
        return localized(self.label_ja, self.label_en) or self.key

    def clean(self):
        super().clean()
        if not (self.label_ja or "").strip() and not (self.label_en or "").strip():
            raise ValidationError({"label_en": _("Give a label in Japanese or English.")})

    def as_level(self):
        return Level(self.key, self.label_ja, self.label_en, self.order, self.color, self.description, self.default)


def default_severity():
    """Incident.severity's default: the scale's default level."""
    return current_scale().default_key()


# The cached Scale. Every process keeps its own; it is rebuilt when the table's (count, latest updated_at)
# differ from those it was built from, looked at most once every CHECK_SECONDS. A save or delete in this
# process forgets it at once (and again when the write commits).
CHECK_SECONDS = 5.0
_lock = threading.Lock()
_cache = {"scale": None, "stamp": None, "checked": 0.0, "pinned": False}


def _stamp():
    state = SeverityLevel.objects.aggregate(count=Count("id"), latest=Max("updated_at"))
    return state["count"], state["latest"]


def current_scale():
    """The Scale, at most CHECK_SECONDS behind another process's edit."""
    now = time.monotonic()
    with _lock:
        if _cache["scale"] is not None and (_cache["pinned"] or now - _cache["checked"] < CHECK_SECONDS):
            return _cache["scale"]
        try:
            stamp = _stamp()
            if _cache["scale"] is None or stamp != _cache["stamp"]:
                _cache["scale"] = Scale(level.as_level() for level in SeverityLevel.objects.all())
                _cache["stamp"] = stamp
        except DatabaseError as error:
            # The database is down: every page still renders (its 503 page links /severities.css too) with the
            # scale last read, else today's default one; asked again on the next use.
            log.warning("severity scale not read, using the %s one: %s", "last" if _cache["scale"] else "default", error)
            return _cache["scale"] or Scale(DEFAULT_LEVELS)
        _cache["checked"] = now
        return _cache["scale"]


def forget_scale(levels=None):
    """Rebuild the cached Scale on next use; with ``levels``, use those until the next call instead (tests
    that have no database)."""
    with _lock:
        _cache.update(scale=Scale(levels) if levels is not None else None, stamp=None, checked=0.0,
                      pinned=levels is not None)


def _level_changed(**kwargs):
    forget_scale()
    transaction.on_commit(forget_scale)


post_save.connect(_level_changed, sender=SeverityLevel, dispatch_uid="severity-level-saved")
post_delete.connect(_level_changed, sender=SeverityLevel, dispatch_uid="severity-level-deleted")
