"""Small factories for tests: only what a test does not care about is filled in."""

from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from incidents.models import (
    ActionItem,
    ContributingFactor,
    ExternalLink,
    Incident,
    Lesson,
    Service,
    Tag,
    TimelineEvent,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw")

    @factory.post_generation
    def role(user, create, extracted, **kwargs):
        if create and extracted:
            user.groups.add(Group.objects.get(name=extracted))


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    title = factory.Sequence(lambda n: f"Incident {n}")
    status = "published"
    started_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))


def make_incident(tags=(), services=(), categories=(), links=(), authors=(), **fields):
    """An incident (IncidentFactory's fields) with its labels, a factor per category, links and authors."""
    incident = IncidentFactory(**fields)
    incident.tags.add(*Tag.objects.resolve(list(tags)))
    incident.services.add(*Service.objects.resolve(list(services)))
    for category in categories:
        FactorFactory(incident=incident, category=category)
    for url in links:
        incident.links.create(url=url)
    if authors:
        incident.authors.set(authors)
    return incident


class TimelineEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimelineEvent

    incident = factory.SubFactory(IncidentFactory)
    occurred_at = factory.LazyAttribute(lambda o: o.incident.started_at)
    kind = "trigger"
    description = "something happened"


class FactorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContributingFactor

    incident = factory.SubFactory(IncidentFactory)
    category = "defect"
    description = factory.Sequence(lambda n: f"factor {n}")


class LessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lesson

    incident = factory.SubFactory(IncidentFactory)
    kind = "went_well"
    text = "alerts fired"


class ActionItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionItem

    incident = factory.SubFactory(IncidentFactory)
    title = factory.Sequence(lambda n: f"action {n}")


class LinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExternalLink

    incident = factory.SubFactory(IncidentFactory)
    url = factory.Sequence(lambda n: f"https://example.com/{n}")


class RetrospectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "incidents.Retrospective"

    title = factory.Sequence(lambda n: f"Retrospective {n}")
    date = factory.LazyFunction(timezone.localdate)
    facilitator = "tanaka"


def ensure_severity_scale():
    """Seed the severity scale when its table is empty (after a transactional test's flush), as migration
    0027 does for every installation. Needs database access."""
    from incidents.models import DEFAULT_LEVELS, SeverityLevel, forget_scale

    if not SeverityLevel.objects.exists():
        SeverityLevel.objects.bulk_create(SeverityLevel(**level._asdict()) for level in DEFAULT_LEVELS)
    forget_scale()


def ensure_glossary_seed():
    """Load the glossary's seed when its table is empty, as after a transactional test's flush (every
    installation has it from migration 0006). Needs database access."""
    from incidents import glossary
    from incidents.actions.glossary import load_seed
    from incidents.models import GlossaryEntry, forget_glossary

    if not GlossaryEntry.objects.exists():
        load_seed(glossary.read_seed())
    forget_glossary()


NEAR_MISS_SECTIONS = [
    {"key": "summary", "heading_ja": "事象の概要", "heading_en": "What almost happened", "prompt_ja": "", "prompt_en": ""},
    {"key": "impact", "heading_ja": "影響範囲", "heading_en": "Who would have been affected", "prompt_ja": "", "prompt_en": ""},
    {"key": "mitigate", "heading_ja": "暫定対策", "heading_en": "Interim measures", "prompt_ja": "", "prompt_en": ""},
    {"key": "prevent", "heading_ja": "恒久対策", "heading_en": "Permanent measures", "prompt_ja": "", "prompt_en": ""},
    {"key": "analysis", "heading_ja": "考察", "heading_en": "Discussion", "prompt_ja": "", "prompt_en": ""},
]


def near_miss_type():
    """A ニアミス (near miss) type: its own sections and headings, a ``region`` choice (required) and an
    ``affected_customers`` number (unit 社), and a retired ``legacy_code`` text field."""
    from incidents.models import CustomField, IncidentType

    near_miss = IncidentType.objects.create(key="near-miss", name_ja="ニアミス", name_en="Near miss", order=1,
                                            sections=NEAR_MISS_SECTIONS)
    CustomField.objects.create(incident_type=near_miss, key="region", label_ja="リージョン", label_en="Region",
                               kind="choice", choices=["ap-northeast-1", "us-east-1"], required=True, order=0)
    CustomField.objects.create(incident_type=near_miss, key="affected_customers", label_ja="影響顧客数",
                               label_en="Affected customers", kind="number", unit="社", order=1)
    CustomField.objects.create(incident_type=near_miss, key="legacy_code", label_ja="旧コード", label_en="Legacy code",
                               kind="text", order=2, retired=True)
    return near_miss
