"""Writing the severity scale: a level added, changed or removed (the API, incidents.api.scales, and the
settings page, incidents.web.scales). Each is one transaction. A change names the version it was based on and
is a conditional UPDATE, so of two admins editing one level at once the second gets LevelConflict, not a lost
edit. Exactly one level is the default: making one the default takes it from the other, and the default level
is neither un-defaulted nor removed directly. A level incidents use is not removed (LevelInUse, with the count).
Every process's cached scale follows within a few seconds (incidents.models.scales)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from incidents.models import Incident, SeverityLevel, forget_scale

FIELDS = ("label_ja", "label_en", "order", "color", "description", "default")


class LevelConflict(Exception):
    """The write was based on an older version of the level."""

    def __init__(self, current_version):
        super().__init__(_("Someone else changed this severity level since you opened it: reload to see their "
                           "change (version %(version)s).") % {"version": current_version})
        self.current_version = current_version


class LevelInUse(Exception):
    """The level cannot be removed: incidents have it, or it is the default."""


def _forget():
    forget_scale()
    transaction.on_commit(forget_scale)


def _check(level):
    """ValidationError by field for the level's own rules (the model's) and a taken order or key (the one
    default is this module's rule, not a form error)."""
    try:
        level.full_clean(exclude=["version", "default"])
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from None


@transaction.atomic
def create_level(**fields):
    """A new level from ``key`` and FIELDS; made the default if it says so (or if it is the first)."""
    level = SeverityLevel(**{name: value for name, value in fields.items() if name in ("key", *FIELDS)})
    _check(level)
    if level.default or not SeverityLevel.objects.exists():
        SeverityLevel.objects.filter(default=True).update(default=False, updated_at=timezone.now())
        level.default = True
    try:
        with transaction.atomic():
            level.save()
    except IntegrityError:  # another admin took the key or order since the check
        raise ValidationError({"key": [_("A level with this key or order exists already.")]}) from None
    _forget()
    return level


@transaction.atomic
def update_level(level, *, version, **fields):
    """Set FIELDS of ``level`` (the key never changes: incidents store it) if it is still at ``version``;
    LevelConflict otherwise. The level returned is as stored."""
    changes = {name: value for name, value in fields.items() if name in FIELDS}
    stored = SeverityLevel.objects.select_for_update().filter(pk=level.pk).first()
    if stored is None:
        raise SeverityLevel.DoesNotExist(level.key)
    if version is not None and version != stored.version:
        raise LevelConflict(stored.version)
    if stored.default and changes.get("default") is False:
        raise ValidationError({"default": [_("One level is always the default: make another level the default "
                                              "instead.")]})
    candidate = SeverityLevel(pk=stored.pk, key=stored.key, version=stored.version,
                              **{name: changes.get(name, getattr(stored, name)) for name in FIELDS})
    candidate._state.adding = False  # its own key and order are not taken
    _check(candidate)
    if candidate.default and not stored.default:
        SeverityLevel.objects.filter(default=True).exclude(pk=stored.pk).update(default=False, updated_at=timezone.now())
    updated = SeverityLevel.objects.filter(pk=stored.pk, version=stored.version).update(
        **{name: getattr(candidate, name) for name in FIELDS}, version=F("version") + 1, updated_at=timezone.now())
    if not updated:  # cannot happen under the row lock; kept as the rule's second line
        raise LevelConflict(SeverityLevel.objects.get(pk=stored.pk).version)
    _forget()
    return SeverityLevel.objects.get(pk=stored.pk)


def in_use_message(level, count):
    return ngettext(
        "%(level)s is used by %(count)d incident: change its severity before removing the level.",
        "%(level)s is used by %(count)d incidents: change their severity before removing the level.",
        count) % {"level": level.label, "count": count}


@transaction.atomic
def delete_level(level, *, version=None):
    """Remove ``level``; LevelInUse when incidents have it (the message counts them) or it is the default,
    LevelConflict when ``version`` is given and stale."""
    stored = SeverityLevel.objects.select_for_update().filter(pk=level.pk).first()
    if stored is None:
        raise SeverityLevel.DoesNotExist(level.key)
    if version is not None and version != stored.version:
        raise LevelConflict(stored.version)
    count = Incident.objects.filter(severity=stored.key).count()
    if count:
        raise LevelInUse(in_use_message(stored, count))
    if stored.default:
        raise LevelInUse(_("%(level)s is the default for new incidents: make another level the default "
                           "before removing it.") % {"level": stored.label})
    stored.delete()
    _forget()
