"""Logging: what settings.LOGGING holds (one console handler, plain lines; 4xx in one line)."""


def client_error_in_one_line(record):
    """A 4xx that Django logs with the exception's traceback (a PermissionDenied → 403, an Http404, a
    DisallowedHost → 400): the one warning line is enough; a 5xx keeps its traceback."""
    if getattr(record, "status_code", 500) < 500:
        record.exc_info = record.exc_text = None
    return True


def config(level):
    """settings.LOGGING: one console handler, plain lines, at ``level`` (LOG_LEVEL)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
        "filters": {"client_errors": {"()": "django.utils.log.CallbackFilter", "callback": client_error_in_one_line}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["client_errors"]}},
        "root": {"handlers": ["console"], "level": level},
        # axes.apps announces itself at INFO on every start-up (each manage.py command); its lockouts stay logged.
        "loggers": {"django.db.backends": {"level": "WARNING"}, "axes.apps": {"level": "WARNING"},
                    "chirptext": {"level": "WARNING"},  # jamdict's helper announces its config file at each start
                    # Django's own console handler (DEBUG on) printed each of its records a second time, unformatted,
                    # besides the root's: its records go to the root only (mail_admins is not configured here).
                    "django": {"handlers": [], "level": "INFO", "propagate": True}},
    }
