"""One JSON log line (Go's slog / zap / logrus, Docker's json-file, ECS, ``journalctl -o json``) read as the
time, message and level of an event.

The time is the first of ``time``, ``timestamp``, ``ts``, ``@timestamp``, ``__REALTIME_TIMESTAMP`` that is
there: an ISO 8601 / RFC 3339 string, or Unix seconds / milliseconds / microseconds / nanoseconds (number or
digits). The message is ``msg``, ``message``, ``log`` or ``MESSAGE`` with the ``error`` / ``err`` field after
it; a line with a time but none of these keeps the whole line as its message so nothing is lost. The level
is ``level`` / ``lvl`` / ``severity`` / ``log.level``, pino's numbers (30, 50…) named.
"""

import json
import re
from typing import NamedTuple

from incidents.text.logtime import epoch_moment, iso_moment

TIME_KEYS = ("time", "timestamp", "ts", "@timestamp", "__REALTIME_TIMESTAMP")
MESSAGE_KEYS = ("msg", "message", "log", "MESSAGE")
LEVEL_KEYS = ("level", "lvl", "severity", "log.level")
ERROR_KEYS = ("error", "err")
PINO_LEVELS = {10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal"}
NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


class Record(NamedTuple):
    occurred_at: object  # an aware datetime
    message: str
    level: str


def _first(record, keys):
    return next((record[key] for key in keys if record.get(key) not in (None, "")), None)


def _when(value, zone):
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) or (isinstance(value, str) and NUMBER.match(value.strip())):
        return epoch_moment(value)
    return iso_moment(value, zone) if isinstance(value, str) else None


def read(line, zone):
    """The ``Record`` of a JSON object line with a time; None for anything else. ValueError for a time that
    is no real time (like every reader's)."""
    if not line.startswith("{"):
        return None
    try:
        record = json.loads(line)
    except ValueError:
        return None
    if not isinstance(record, dict) or (when := _when(_first(record, TIME_KEYS), zone)) is None:
        return None
    message = _first(record, MESSAGE_KEYS)
    if message is None:
        return Record(when, line, "")  # the line says its level itself
    message = str(message).strip()
    if (error := _first(record, ERROR_KEYS)) is not None:
        message = f"{message}: {error}"
    level = _first(record, LEVEL_KEYS)
    level = PINO_LEVELS.get(level, level) if isinstance(level, int) else level
    return Record(when, message, "" if level is None else str(level).lower())
