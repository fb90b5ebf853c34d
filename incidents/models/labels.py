"""Labels shared between incidents: tags and affected services, created on first use."""

from django.db import IntegrityError, models, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class LabelQuerySet(models.QuerySet):
    def resolve(self, names):
        """The labels with these names, created where missing; duplicates and blanks dropped, order kept."""
        labels, seen = [], set()
        for raw in names:
            name = self.model.normalize(raw)
            if not name or name.lower() in seen:
                continue
            seen.add(name.lower())
            labels.append(self.get_or_create_named(name))
        return labels

    def get_or_create_named(self, name):
        """The label named ``name`` (case-insensitively), created if missing. Race-free: when a concurrent
        writer creates it first, the unique constraint refuses ours (inside a savepoint) and theirs is read."""
        existing = self.filter(name__iexact=name).first()
        if existing:
            return existing
        try:
            with transaction.atomic():
                return self.create(name=name)
        except IntegrityError:
            return self.get(name__iexact=name)


class Label(models.Model):
    name = models.CharField(_("name"), max_length=200)

    objects = LabelQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name

    @staticmethod
    def normalize(name):
        """Names are single-spaced and comma-free (the search index lists them comma-separated)."""
        return " ".join(str(name).replace(",", " ").split())


class Tag(Label):
    """A short lower-case label such as ``dns`` or ``resource-exhaustion``."""

    class Meta(Label.Meta):
        constraints = [models.UniqueConstraint(Lower("name"), name="tag_name_unique_ci")]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    @staticmethod
    def normalize(name):
        return Label.normalize(name).lower().replace(" ", "-")


class Service(Label):
    """An affected component (``nginx``, ``aws-node``), reused across incidents."""

    class Meta(Label.Meta):
        constraints = [models.UniqueConstraint(Lower("name"), name="service_name_unique_ci")]
        verbose_name = _("service")
        verbose_name_plural = _("services")
