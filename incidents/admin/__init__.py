"""The Django admin site (/admin/), for admins: Django imports this package at start-up, which registers
the pages of ``incidents`` (incidents and what hangs on them), ``users`` (the user pages, audited) and ``slack``
(channel routes and the Slack messages' outbox)."""

from . import incidents, slack, users  # noqa: F401  (registering is importing)
