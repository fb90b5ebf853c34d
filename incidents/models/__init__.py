"""The data model, one module per concern; every model is importable from here (``from incidents.models
import Incident``), so migrations and callers do not depend on which module a model lives in.

labels          tags and services shared between incidents
github          stored GitHub references and the link fields that point at them, the shared pause
github_events   webhook deliveries received, follow-up issues to file on GitHub
children        timeline events, contributing factors (and their causal links), lessons, action items, links
incidents       the incident, its workflow and its queries
comments        the discussion under an incident
retrospectives  meetings and their agendas
reviews         approvals and change requests of a write-up (the review gate is Incident.check_transition)
exports         files prepared in the background
changes         the change log the search indexes follow
idempotency     responses kept for retried requests with an Idempotency-Key
history         numbered revisions of incidents (django-reversion) and who or what wrote them
glossary        the bilingual glossary search expands queries with, and its cached loader
imports         uploads the import page keeps between its preview and their owner's confirmation
notifications   who turned email off; due-date reminders already sent
audit           who changed roles, deactivated or invited people (kept a year)
people          who a user is at the company identity provider (single sign-on)
similarity      every incident's similar incidents, kept for the recurrence rate and filter
searchlog       what people searched for and opened from a search (the boost, the search gaps page)
attachments     screenshots and files added to an incident, kept in the attachments storage
slack           channels publications are announced in, Slack messages waiting or sent
scales          the severity scale admins define, and its cached copy
types           incident types: their section templates and custom fields
sections        an incident's sections in its type's order (the page and the exports)
"""

from .attachments import MAX_ALT_LENGTH, Attachment, attachment_storage, stored_name
from .audit import AuditEntry
from .changes import IndexChange, IndexCursor
from .children import (
    ActionItem,
    ActionItemQuerySet,
    ContributingFactor,
    ExternalLink,
    FactorCategory,
    Lesson,
    TimelineEvent,
    find_cycle,
    validate_causal_links,
)
from .comments import MAX_COMMENT_LENGTH, Comment, CommentQuerySet
from .exports import ExportJob, ExportJobQuerySet
from .github import GitHubLinked, GitHubPause, GitHubReference, GitHubReferenceQuerySet, validate_link
from .github_events import GitHubDelivery, GitHubIssueRequest, GitHubIssueRequestQuerySet
from .glossary import GlossaryCategory, GlossaryEntry, GlossaryEntryQuerySet, current_glossary, forget_glossary
from .history import IncidentRevision, IncidentRevisionQuerySet, Source, record_revision
from .people import SignInIdentity
from .similarity import SimilarIds
from .idempotency import IdempotencyKey
from .imports import PendingImport
from .incidents import (
    REFERENCE_PATTERN,
    REFERENCE_PREFIX,
    Incident,
    IncidentQuerySet,
    Status,
    Visibility,
    start_of_day,
)
from .labels import Label, LabelQuerySet, Service, Tag
from .notifications import DueReminder, NotificationPreference, NotificationPreferenceQuerySet
from .retrospectives import AgendaItem, Retrospective, RetrospectiveQuerySet
from .reviews import Review, ReviewQuerySet
from .scales import (
    DEFAULT_LEVELS,
    Level,
    Scale,
    SeverityLevel,
    SeverityLevelQuerySet,
    current_scale,
    default_severity,
    forget_scale,
    localized,
)
from .searchlog import SearchOpen, SearchRecord
from .slack import SlackMessage, SlackMessageQuerySet, SlackRoute
from .types import CustomField, IncidentType

__all__ = [
    "SimilarIds", "MAX_ALT_LENGTH", "Attachment", "attachment_storage", "stored_name",
    "SignInIdentity", "SearchOpen", "SearchRecord", "SlackMessage", "SlackMessageQuerySet", "SlackRoute",
    "AuditEntry", "DEFAULT_LEVELS", "Level", "Scale", "SeverityLevel", "SeverityLevelQuerySet", "current_scale",
    "default_severity", "forget_scale", "localized",
    "CustomField", "IncidentType",
    "MAX_COMMENT_LENGTH", "REFERENCE_PATTERN", "REFERENCE_PREFIX", "ActionItem", "ActionItemQuerySet", "AgendaItem",
    "Comment", "CommentQuerySet", "ContributingFactor",
    "DueReminder", "ExportJob", "ExportJobQuerySet", "ExternalLink", "FactorCategory", "GitHubDelivery", "GitHubIssueRequest",
    "GitHubIssueRequestQuerySet", "GitHubLinked", "GitHubPause", "GitHubReference",
    "GitHubReferenceQuerySet", "GlossaryCategory", "GlossaryEntry", "GlossaryEntryQuerySet", "IdempotencyKey", "Incident",
    "IncidentRevision", "IncidentRevisionQuerySet", "IndexChange", "IndexCursor", "IncidentQuerySet", "Label", "LabelQuerySet",
    "Lesson", "NotificationPreference", "NotificationPreferenceQuerySet", "PendingImport", "Retrospective",
    "RetrospectiveQuerySet", "Review", "ReviewQuerySet", "Service", "Source", "Status", "Tag", "TimelineEvent", "Visibility",
    "find_cycle", "start_of_day", "current_glossary", "forget_glossary", "record_revision", "validate_causal_links", "validate_link",
]
