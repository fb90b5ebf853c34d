"""The Django admin site (/admin/), for admins: Django imports this package at start-up, which registers
the pages of ``incidents`` (incidents and what hangs on them)."""

from . import incidents  # noqa: F401  (registering is importing)
