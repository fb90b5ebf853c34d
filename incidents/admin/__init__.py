"""The Django admin site (/admin/), for admins: Django imports this package at start-up, which registers
the pages of ``incidents`` (incidents and what hangs on them) and ``users`` (the user pages, audited)."""

from . import incidents, users  # noqa: F401  (registering is importing)
