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


# A field of every kind (tests of search, rows and facets): (key, kind, choices).
EVERY_KIND = [("region", "choice", ["ap-northeast-1", "us-east-1"]), ("teams", "multi_choice", ["db", "net", "SRE"]),
              ("oncall", "user", []), ("detected", "date", []), ("customers", "number", []),
              ("cause-note", "text", []), ("details", "markdown", [])]


def near_miss_type(fields=None):
    """A ニアミス (near miss) type: its own sections and headings, a ``region`` choice (required) and an
    ``affected_customers`` number (unit 社), and a retired ``legacy_code`` text field. With ``fields`` ((key,
    kind, choices), e.g. EVERY_KIND), those fields instead, labelled "<key>（日本語）" and "<Key>"."""
    from incidents.models import CustomField, IncidentType

    near_miss = IncidentType.objects.create(key="near-miss", name_ja="ニアミス", name_en="Near miss", order=1,
                                            sections=NEAR_MISS_SECTIONS)
    if fields is not None:
        for order, (key, kind, choices) in enumerate(fields):
            CustomField.objects.create(incident_type=near_miss, key=key, label_ja=f"{key}（日本語）", label_en=key.title(),
                                       kind=kind, choices=choices, order=order)
        return near_miss
    CustomField.objects.create(incident_type=near_miss, key="region", label_ja="リージョン", label_en="Region",
                               kind="choice", choices=["ap-northeast-1", "us-east-1"], required=True, order=0)
    CustomField.objects.create(incident_type=near_miss, key="affected_customers", label_ja="影響顧客数",
                               label_en="Affected customers", kind="number", unit="社", order=1)
    CustomField.objects.create(incident_type=near_miss, key="legacy_code", label_ja="旧コード", label_en="Legacy code",
                               kind="text", order=2, retired=True)
    return near_miss


def incident_with_children(n, *, people, tag, title="Incident", kind=None):
    """A published incident with ``n`` children of every kind: timeline events, factors (each leading to the
    next), lessons, action items and links (each with its own GitHub reference; the items with a request to
    file an issue), comments (general and on rows), attachments (rows only: no file is written), tags,
    services, authors, members, reviews, custom field values (its ``kind``, an IncidentType with at least
    ``n`` text fields) and ``n`` revisions. ``people``: at least ``n`` users (authors and commenters). For
    tests/web/test_query_counts.py and tests/api/test_query_counts.py, which check that no page or endpoint
    reads an incident's children one by one."""
    from incidents.models import (
        Attachment,
        Comment,
        GitHubIssueRequest,
        GitHubReference,
        Review,
        Source,
        record_revision,
    )

    fields = {field.key: f"value {field.key}" for field in kind.custom_fields.all()[:n]} if kind else {}
    incident = IncidentFactory(title=title, summary=f"{title} summary", type=kind, fields=fields)
    incident.tags.add(*Tag.objects.resolve([tag, *(f"{tag}-{i}" for i in range(1, n))]))
    incident.services.add(*Service.objects.resolve([f"{tag}-svc-{i}" for i in range(n)]))
    incident.authors.set(people[:n])
    incident.members.set(people[:n])
    events = TimelineEvent.objects.bulk_create(
        TimelineEvent(incident=incident, occurred_at=incident.started_at, kind="action", description=f"event {i}")
        for i in range(n))
    factors = ContributingFactor.objects.bulk_create(
        ContributingFactor(incident=incident, category="defect", description=f"factor {i}") for i in range(n))
    for cause, effect in zip(factors, factors[1:]):
        cause.leads_to.add(effect)
    Lesson.objects.bulk_create(Lesson(incident=incident, kind="went_well", text=f"lesson {i}") for i in range(n))
    references = GitHubReference.objects.bulk_create(
        GitHubReference(owner="acme", repo=f"{tag}-{incident.pk}", number=i + 1, title=f"issue {i}", state="open") for i in range(2 * n))
    items = ActionItem.objects.bulk_create(
        ActionItem(incident=incident, title=f"action {i}", owner=people[i].username, url=f"acme/{tag}-{incident.pk}#{i + 1}",
                   github=references[i]) for i in range(n))
    GitHubIssueRequest.objects.bulk_create(
        GitHubIssueRequest(incident=incident, action_item=item, item_title=item.title, owner="acme", repo=f"{tag}-{incident.pk}",
                           title=item.title) for item in items)
    ExternalLink.objects.bulk_create(
        ExternalLink(incident=incident, url=f"acme/{tag}-{incident.pk}#{n + i + 1}", github=references[n + i]) for i in range(n))
    anchors = [{}, {"timeline_event": events[0]}, {"factor": factors[0]}, {"action_item": items[0]}]
    Comment.objects.bulk_create(
        Comment(incident=incident, author=people[i], body=f"comment {i} @{people[0].username}", **anchors[i % 4])
        for i in range(n))
    Attachment.objects.bulk_create(
        Attachment(incident=incident, file=f"{incident.pk}/{i}.txt", name=f"log{i}.txt", content_type="text/plain",
                   size=10, sha256="0" * 64, uploaded_by=people[i]) for i in range(n))
    Review.objects.bulk_create(
        Review(incident=incident, reviewer=people[i], decision="approved", version=1) for i in range(n))
    first = record_revision(incident, user=people[0], source=Source.WEB)
    copy_revisions(first, max(n, 2) - 1, people)
    return Incident.objects.get(pk=incident.pk)


def children_worlds():
    """The query count tests' data (tests/conftest.py's ``children_corpus``): two worlds, ``one`` and ``many``,
    each with an ``incident`` with 1 (or 50) children of every kind (``incident_with_children``; ``type``: its
    incident type, with 1 or 50 custom fields) and a similar incident started a day before it, ``listed``: 1 (or
    50) incidents with a child of every kind, found by the tag ``tag`` and the search word ``word``, and a
    retrospective (``meeting``) with those on its agenda; the users admin, editor and viewer and 50 editors
    (``people``); an entry in the audit log. A dict: the worlds, the users and ``people``."""
    from types import SimpleNamespace

    from incidents.models import AgendaItem, AuditEntry, CustomField, IncidentType

    users = {role: UserFactory(username=role, role=role) for role in ("admin", "editor", "viewer")}
    people = [UserFactory(username=f"person{i}", role="editor") for i in range(50)]
    worlds = {}
    for name, n, word in (("one", 1, "kestrel"), ("many", 50, "osprey")):
        kind = IncidentType.objects.create(key=f"qc-{name}", name_en=f"Type {name}")
        CustomField.objects.bulk_create(CustomField(incident_type=kind, key=f"f{i}", label_en=f"Field {i}", order=i)
                                        for i in range(n))
        incident = incident_with_children(n, people=people, tag=f"qc-{name}", title=f"Big {name}", kind=kind)
        earlier = IncidentFactory(title=f"Big {name} earlier", summary=f"Big {name} summary",
                                  started_at=incident.started_at - timedelta(days=1))
        earlier.tags.add(*incident.tags.all()[:1])
        ActionItemFactory(incident=earlier, title=f"prevent {name}")
        listed = [incident_with_children(1, people=people, tag=f"qc-list-{name}", title=f"{word} {i}")
                  for i in range(n)]
        meeting = RetrospectiveFactory(title=f"Meeting {name}", select_tag=f"qc-list-{name}")
        AgendaItem.objects.bulk_create(AgendaItem(retrospective=meeting, incident=listed_incident, position=i)
                                       for i, listed_incident in enumerate(listed))
        worlds[name] = SimpleNamespace(n=n, incident=incident, type=kind, listed=listed, tag=f"qc-list-{name}",
                                       word=word, meeting=meeting)
    AuditEntry.objects.create(actor_name="admin", action="export", incident=worlds["one"].incident)
    return {**worlds, **users, "people": people}


def copy_revisions(revision, count, people):
    """``count`` more revisions of ``revision``'s incident, copies of it each with a title of its own ("… (1)")
    and its ``changed`` naming a few fields, by people[1], people[2]…: what a revision a writer records holds,
    in a few bulk inserts rather than by serializing the whole incident again each time."""
    from reversion.models import Revision, Version

    from incidents.models import IncidentRevision

    versions = list(revision.revision.version_set.all())
    title = revision.document()["title"]
    for number in range(2, count + 2):
        copy = Revision.objects.create(user=people[(number - 1) % len(people)], comment=revision.source,
                                       date_created=revision.created_at)
        Version.objects.bulk_create(
            Version(revision=copy, object_id=version.object_id, content_type_id=version.content_type_id,
                    db=version.db, format=version.format, object_repr=version.object_repr,
                    serialized_data=version.serialized_data.replace(title, f"{title} ({number - 1})"))
            for version in versions)
        IncidentRevision.objects.create(revision=copy, incident_id=revision.incident_id, number=number,
                                        source=revision.source, changed=["title", "tags", "authors", "factors", "fields"])


def fifty_more(kind, incident):
    """50 more rows of a table a page lists whole: ``users`` (viewers), ``audit`` entries (naming ``incident``),
    ``meetings`` (each with ``incident`` on its agenda), incident ``types`` (each with a custom field), or
    ``labels`` (tags and services of ``incident``). For the query count tests."""
    from incidents.models import AgendaItem, AuditEntry, CustomField, IncidentType

    if kind == "users":
        for i in range(50):
            UserFactory(username=f"more{i}", role="viewer", first_name=f"More {i}")
    elif kind == "audit":
        AuditEntry.objects.bulk_create(AuditEntry(actor_name="admin", action="export", incident=incident,
                                                  details={"format": "md"}) for _ in range(50))
    elif kind == "meetings":
        for i in range(50):
            AgendaItem.objects.create(retrospective=RetrospectiveFactory(title=f"More {i}"), incident=incident)
    elif kind == "types":
        for i in range(50):
            more = IncidentType.objects.create(key=f"more-{i}", name_en=f"More {i}", order=10 + i)
            CustomField.objects.create(incident_type=more, key="region", label_en="Region")
    elif kind == "labels":
        incident.tags.add(*Tag.objects.resolve([f"more-tag-{i}" for i in range(50)]))
        incident.services.add(*Service.objects.resolve([f"more-service-{i}" for i in range(50)]))
